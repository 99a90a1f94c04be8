package users_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// auditedPost embeds Audit and Timestamps side by side: Go promotes only
// Audit's hook, which fills both (issue #9 class 8).
type auditedPost struct {
	bun.BaseModel `bun:"table:audited_posts,alias:audited_posts"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Title         string `bun:"title" json:"title"`
	users.Audit
	users.Timestamps
}

// hookedPost embeds both and has a hook of its own, which calls
// FillServerColumns.
type hookedPost struct {
	bun.BaseModel `bun:"table:hooked_posts,alias:hooked_posts"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Title         string `bun:"title" json:"title"`
	Slug          string `bun:"slug" json:"slug"`
	users.Timestamps
	users.Audit
}

func (p *hookedPost) BeforeAppendModel(ctx context.Context, q bun.Query) error {
	if err := users.FillServerColumns(ctx, q, p); err != nil {
		return err
	}
	p.Slug = strings.ToLower(p.Title)
	return nil
}

// stampedNote embeds Timestamps alone.
type stampedNote struct {
	bun.BaseModel `bun:"table:stamped_notes,alias:stamped_notes"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Title         string `bun:"title" json:"title"`
	users.Timestamps
}

// forgetfulPost has a hook that does not fill the columns it embeds.
type forgetfulPost struct {
	bun.BaseModel `bun:"table:forgetful_posts"`
	ID            int64 `bun:"id,pk,autoincrement"`
	users.Audit
	users.Timestamps
}

func (*forgetfulPost) BeforeAppendModel(context.Context, bun.Query) error { return nil }

// staleEmployee extends User the bun way and hides User's hook behind one
// that forgets the columns.
type staleEmployee struct {
	users.User `bun:",extend"`
}

func (*staleEmployee) BeforeAppendModel(context.Context, bun.Query) error { return nil }

// twoHooks embeds Audit next to another struct with a BeforeAppendModel
// at the same depth: Go promotes neither.
type twoHooks struct {
	bun.BaseModel `bun:"table:two_hooks"`
	ID            int64 `bun:"id,pk,autoincrement"`
	users.Audit
	Slugger
}

// Slugger is a host's embeddable struct with a hook of its own.
type Slugger struct{}

func (*Slugger) BeforeAppendModel(context.Context, bun.Query) error { return nil }

// serverEmbedder is a test model: its server columns, title and key.
type serverEmbedder interface {
	server() (*users.Audit, *users.Timestamps)
	setTitle(string)
	setID(int64)
}

func (p *auditedPost) server() (*users.Audit, *users.Timestamps) { return &p.Audit, &p.Timestamps }
func (p *hookedPost) server() (*users.Audit, *users.Timestamps)  { return &p.Audit, &p.Timestamps }
func (p *stampedNote) server() (*users.Audit, *users.Timestamps) { return nil, &p.Timestamps }
func (n *note) server() (*users.Audit, *users.Timestamps)        { return &n.Audit, nil }
func (p *auditedPost) setTitle(s string)                         { p.Title = s }
func (p *hookedPost) setTitle(s string)                          { p.Title = s }
func (p *stampedNote) setTitle(s string)                         { p.Title = s }
func (n *note) setTitle(s string)                                { n.Body = s }
func (p *auditedPost) setID(id int64)                            { p.ID = id }
func (p *hookedPost) setID(id int64)                             { p.ID = id }
func (p *stampedNote) setID(id int64)                            { p.ID = id }
func (n *note) setID(id int64)                                   { n.ID = id }

// serverRow is what the tests read back of a row: the audit ids, and each
// time as "now" (the server's), "preset" or "client" (values a test set).
type serverRow struct {
	Title                    string
	CreatedByID, UpdatedByID any
	CreatedAt, UpdatedAt     string
}

// serverModel is a model under test: how to make its rows.
type serverModel struct {
	name, table   string
	audit, stamps bool
	one           func(title string, preset bool) serverEmbedder
	slice         func(titles []string, preset []bool) any // *[]*T
	values        func(titles []string) any                // *[]T, every row preset
}

var (
	presetTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	clientTime = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)
)

// modelOf describes the model T; rows marked preset carry createdById and
// updatedById 1 and the preset time.
func modelOf[T any, PT interface {
	*T
	serverEmbedder
}](name, table string) serverModel {
	one := func(title string, preset bool) PT {
		p := PT(new(T))
		p.setTitle(title)
		if preset {
			setServer(p, 1, presetTime)
		}
		return p
	}
	a, ts := PT(new(T)).server()
	return serverModel{
		name: name, table: table, audit: a != nil, stamps: ts != nil,
		one: func(title string, preset bool) serverEmbedder { return one(title, preset) },
		slice: func(titles []string, preset []bool) any {
			var out []PT
			for i, title := range titles {
				out = append(out, one(title, preset[i]))
			}
			return &out
		},
		values: func(titles []string) any {
			var out []T
			for _, title := range titles {
				out = append(out, *one(title, true))
			}
			return &out
		},
	}
}

// setServer puts values in a model's server columns, as a client would.
func setServer(m serverEmbedder, id int64, at time.Time) {
	a, ts := m.server()
	if a != nil {
		a.CreatedByID, a.UpdatedByID = ptr(id), ptr(id)
	}
	if ts != nil {
		ts.CreatedAt, ts.UpdatedAt = at, at
	}
}

func serverModels() []serverModel {
	return []serverModel{
		modelOf[auditedPost]("Audit and Timestamps", "audited_posts"),
		modelOf[hookedPost]("both plus a hook", "hooked_posts"),
		modelOf[stampedNote]("Timestamps alone", "stamped_notes"),
		modelOf[note]("Audit alone", "notes"),
	}
}

func setupServerModels(t *testing.T, db *bun.DB) context.Context {
	t.Helper()
	ctx := setup(t, db)
	for _, m := range []any{(*auditedPost)(nil), (*hookedPost)(nil), (*stampedNote)(nil)} {
		if _, err := db.NewCreateTable().Model(m).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return ctx
}

// readServerRows reads a table's rows in key order.
func readServerRows(t *testing.T, ctx context.Context, db *bun.DB, m serverModel, since time.Time) []serverRow {
	t.Helper()
	var rows []map[string]any
	if err := db.NewSelect().TableExpr("?", bun.Ident(m.table)).Order("id").Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	out := make([]serverRow, 0, len(rows))
	for _, r := range rows {
		row := serverRow{Title: fmt.Sprint(r["title"])}
		if m.table == "notes" {
			row.Title = fmt.Sprint(r["body"])
		}
		if m.stamps {
			row.CreatedAt, row.UpdatedAt = timeClass(t, r["createdAt"], since), timeClass(t, r["updatedAt"], since)
		}
		if m.audit {
			row.CreatedByID, row.UpdatedByID = intOrNil(r["createdById"]), intOrNil(r["updatedById"])
		}
		out = append(out, row)
	}
	return out
}

// timeClass reads a time column: "preset", "client", "now" (at or after
// since), or the time itself.
func timeClass(t *testing.T, v any, since time.Time) string {
	t.Helper()
	at, ok := v.(time.Time)
	if s, isString := v.(string); isString {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999"} {
			if p, err := time.Parse(layout, s); err == nil {
				at, ok = p, true
				break
			}
		}
	}
	switch {
	case !ok:
		t.Fatalf("unreadable time %#v", v)
	case at.Equal(presetTime):
		return "preset"
	case at.Equal(clientTime):
		return "client"
	case !at.Before(since.Add(-time.Second)):
		return "now"
	}
	return at.String()
}

func intOrNil(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int64:
		return x
	case int32:
		return int64(x)
	}
	return fmt.Sprint(v)
}

// TestServerColumnsOnInsert writes through bun directly, single and bulk,
// with and without a user in the context: with one, client values of the
// audit columns and times are replaced (issue #9 class 7); without one,
// presets stay. Audit and Timestamps embedded together both fill (class 8).
func TestServerColumnsOnInsert(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setupServerModels(t, db)
		as := func(id int64) context.Context { return users.WithCurrentUser(ctx, id) }
		for _, m := range serverModels() {
			t.Run(m.name, func(t *testing.T) {
				since := time.Now()
				writes := []struct {
					ctx   context.Context
					model any
				}{
					{as(7), m.one("single", true)},
					{as(8), m.slice([]string{"bulk0", "bulk1", "bulk2"}, []bool{false, true, false})},
					{as(9), m.values([]string{"values0", "values1"})},
					{ctx, m.one("system preset", true)},
					{ctx, m.one("system bare", false)},
				}
				for _, w := range writes {
					if _, err := db.NewInsert().Model(w.model).Exec(w.ctx); err != nil {
						t.Fatal(err)
					}
				}
				want := []serverRow{
					{"single", int64(7), int64(7), "now", "now"},
					{"bulk0", int64(8), int64(8), "now", "now"},
					{"bulk1", int64(8), int64(8), "now", "now"},
					{"bulk2", int64(8), int64(8), "now", "now"},
					{"values0", int64(9), int64(9), "now", "now"},
					{"values1", int64(9), int64(9), "now", "now"},
					{"system preset", int64(1), int64(1), "preset", "preset"},
					{"system bare", nil, nil, "now", "now"},
				}
				if diff := cmp.Diff(project(want, m), readServerRows(t, ctx, db, m, since)); diff != "" {
					t.Errorf("rows (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// project drops the columns a model does not have from expected rows.
func project(rows []serverRow, m serverModel) []serverRow {
	out := make([]serverRow, len(rows))
	for i, r := range rows {
		if !m.audit {
			r.CreatedByID, r.UpdatedByID = nil, nil
		}
		if !m.stamps {
			r.CreatedAt, r.UpdatedAt = "", ""
		}
		out[i] = r
	}
	return out
}

// TestServerColumnsOnUpdate updates stored rows through bun as user 9,
// with client values (user 3, a 1999 time) in the server's columns:
// updatedById and updatedAt become the server's, createdById and
// createdAt keep their stored values, for a whole-struct update and for
// one that names the columns.
func TestServerColumnsOnUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setupServerModels(t, db)
		for _, m := range serverModels() {
			t.Run(m.name, func(t *testing.T) {
				since := time.Now()
				for _, title := range []string{"whole", "columns"} {
					if _, err := db.NewInsert().Model(m.one(title, true)).Exec(ctx); err != nil {
						t.Fatal(err)
					}
				}
				as := users.WithCurrentUser(ctx, 9)
				whole := m.one("whole", false)
				whole.setID(1)
				setServer(whole, 3, clientTime)
				if _, err := db.NewUpdate().Model(whole).WherePK().Exec(as); err != nil {
					t.Fatal(err)
				}
				named := m.one("columns", false)
				named.setID(2)
				setServer(named, 3, clientTime)
				var columns []string
				if m.audit {
					columns = append(columns, "createdById", "updatedById")
				}
				if m.stamps {
					columns = append(columns, "createdAt", "updatedAt")
				}
				if _, err := db.NewUpdate().Model(named).Column(columns...).WherePK().Exec(as); err != nil {
					t.Fatal(err)
				}
				want := []serverRow{
					{"whole", int64(1), int64(9), "preset", "now"},
					{"columns", int64(1), int64(9), "preset", "now"},
				}
				if diff := cmp.Diff(project(want, m), readServerRows(t, ctx, db, m, since)); diff != "" {
					t.Errorf("rows (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestFillServerColumnsModels fills structs, slices of structs and of
// pointers, and refuses what it cannot write into.
func TestFillServerColumnsModels(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := users.WithCurrentUser(context.Background(), 4)
	q := db.NewInsert()
	one := &hookedPost{}
	values := []auditedPost{{}, {}}
	pointers := []*employee{{}, nil, {}}
	for _, model := range []any{one, values, &values, pointers, &pointers} {
		if err := users.FillServerColumns(ctx, q, model); err != nil {
			t.Fatalf("%T: %v", model, err)
		}
	}
	filled := func(a users.Audit, ts users.Timestamps) bool {
		return deref(a.CreatedByID) == int64(4) && deref(a.UpdatedByID) == int64(4) && !ts.CreatedAt.IsZero() && !ts.UpdatedAt.IsZero()
	}
	if !filled(one.Audit, one.Timestamps) || !filled(values[1].Audit, values[1].Timestamps) || !filled(pointers[2].Audit, pointers[2].Timestamps) {
		t.Errorf("not filled: %+v %+v %+v", one, values[1], pointers[2])
	}
	for _, bad := range []any{hookedPost{}, nil, 3, []int{1}, (*hookedPost)(nil)} {
		if err := users.FillServerColumns(ctx, q, bad); err == nil {
			t.Errorf("%#v: no error", bad)
		}
	}
}

// TestCheckModel tells models whose hooks fill their server columns from
// ones whose hooks do not.
func TestCheckModel(t *testing.T) {
	db := dbtest.SQLite(t)
	users.RegisterModels(db)
	for _, c := range []struct {
		model any
		want  string // "" for no error, else a part of the message
	}{
		{(*auditedPost)(nil), ""},
		{(*hookedPost)(nil), ""},
		{(*stampedNote)(nil), ""},
		{(*note)(nil), ""},
		{(*users.User)(nil), ""},
		{(*users.Department)(nil), ""},
		{(*users.DepartmentUser)(nil), ""},
		{(*users.RoleUser)(nil), ""},
		{(*employee)(nil), ""},
		{[]*auditedPost{}, ""},
		{(*forgetfulPost)(nil), "forgetfulPost's BeforeAppendModel leaves Audit.CreatedByID, Audit.UpdatedByID, Timestamps.CreatedAt, Timestamps.UpdatedAt unset on an insert"},
		{(*staleEmployee)(nil), "User.Timestamps.CreatedAt"},
		{(*twoHooks)(nil), "has no BeforeAppendModel"},
	} {
		err := users.CheckModel(db, c.model)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%T: %v", c.model, err)
		case c.want != "" && (!errors.Is(err, users.ErrServerColumnsUnfilled) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%T: %v, want ErrServerColumnsUnfilled naming %q", c.model, err, c.want)
		}
	}
	if err := users.CheckModel(db, 3); err == nil {
		t.Error("CheckModel(3): no error")
	}
}

// TestCreateTablesChecksUserModel refuses a user model whose hook forgets
// the audit columns.
func TestCreateTablesChecksUserModel(t *testing.T) {
	db := dbtest.SQLite(t)
	err := users.CreateTables(context.Background(), db, users.Options{UserModel: (*staleEmployee)(nil)})
	if !errors.Is(err, users.ErrServerColumnsUnfilled) {
		t.Fatalf("CreateTables: %v, want ErrServerColumnsUnfilled", err)
	}
}
