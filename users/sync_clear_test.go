package users_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// clrSource is a source whose content is fixed.
type clrSource struct{ data []datasync.UserData }

func (s clrSource) Pull(_ context.Context, emit func(datasync.UserData) error) error {
	for _, d := range s.data {
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

// clrEnv is a directory with users.NewSyncManager, a root user, and a
// source type "fixed" whose rows pull nothing.
type clrEnv struct {
	ctx  context.Context
	db   *bun.DB
	m    *datasync.Manager
	root *users.User
}

func newClrEnv(t *testing.T, db *bun.DB) *clrEnv {
	t.Helper()
	ctx := context.Background()
	m, err := users.NewSyncManager(ctx, db, users.Options{}, datasync.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	err = m.RegisterSourceType("fixed", datasync.SourceType{Title: "Fixed", New: func(datasync.SourceConfig) (datasync.Source, error) {
		return clrSource{}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	root, err := users.InstallRoot(ctx, db, func(k string) (string, bool) {
		return map[string]string{"INIT_ROOT_PASSWORD": "Root-password-1"}[k], k == "INIT_ROOT_PASSWORD"
	})
	if err != nil {
		t.Fatal(err)
	}
	return &clrEnv{ctx: ctx, db: db, m: m, root: root}
}

// handMadeUser inserts a user no source synced, a member of dept with
// role "member" when dept is not 0.
func (e *clrEnv) handMadeUser(t *testing.T, username string, dept int64) *users.User {
	t.Helper()
	u := &users.User{Username: username, Email: username + "@example.com", Nickname: username}
	if _, err := e.db.NewInsert().Model(u).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	if dept != 0 {
		e.join(t, u.ID, dept)
		if _, err := e.db.NewInsert().Model(&users.RoleUser{UserID: u.ID, RoleName: "member"}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func (e *clrEnv) join(t *testing.T, userID, dept int64) {
	t.Helper()
	if _, err := e.db.NewInsert().Model(&users.DepartmentUser{UserID: userID, DepartmentID: dept}).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
}

func (e *clrEnv) handMadeDept(t *testing.T, title string, parent *int64) int64 {
	t.Helper()
	d := &users.Department{Title: title, ParentID: parent}
	if _, err := e.db.NewInsert().Model(d).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// usernames lists the users' usernames, sorted.
func (e *clrEnv) usernames(t *testing.T) []string {
	t.Helper()
	var names []string
	if err := e.db.NewSelect().Model((*users.User)(nil)).Column("username").Scan(e.ctx, &names); err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

// deptTitles lists the departments' titles, sorted.
func (e *clrEnv) deptTitles(t *testing.T) []string {
	t.Helper()
	var titles []string
	if err := e.db.NewSelect().Model((*users.Department)(nil)).Column("title").Scan(e.ctx, &titles); err != nil {
		t.Fatal(err)
	}
	slices.Sort(titles)
	return titles
}

// memberships counts the user's department and role memberships.
func (e *clrEnv) memberships(t *testing.T, userID int64) (depts, roles int) {
	t.Helper()
	for i, model := range []any{(*users.DepartmentUser)(nil), (*users.RoleUser)(nil)} {
		n, err := e.db.NewSelect().Model(model).Where("?TableAlias.? = ?", bun.Ident("userId"), userID).Count(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			depts = int(n)
		} else {
			roles = int(n)
		}
	}
	return depts, roles
}

func (e *clrEnv) push(t *testing.T, source, matchKey string, dt datasync.DataType, recs ...datasync.Record) {
	t.Helper()
	if _, err := e.m.UpdateOrCreate(e.ctx, datasync.UserData{DataType: dt, SourceName: source, MatchKey: matchKey, Records: recs}); err != nil {
		t.Fatalf("push to %s: %v", source, err)
	}
}

func (e *clrEnv) run(t *testing.T, source string, pol *datasync.Policy, recs ...datasync.Record) {
	t.Helper()
	src := clrSource{data: []datasync.UserData{{DataType: datasync.DataTypeUser, Records: recs}}}
	if _, err := e.m.RunSource(e.ctx, source, src, datasync.RunSourceOptions{Policy: pol}); err != nil {
		t.Fatalf("run %s: %v", source, err)
	}
}

func clrUser(uid string, depts ...string) datasync.Record {
	r := datasync.Record{"uid": uid, "username": uid, "email": uid + "@example.com", "nickname": uid}
	if len(depts) > 0 {
		list := make([]any, len(depts))
		for i, d := range depts {
			list[i] = d
		}
		r["departments"] = list
	}
	return r
}

func clearPolicy() *datasync.Policy {
	pol := datasync.DefaultPolicy()
	pol.FirstSync = datasync.FirstSyncClear
	return pol
}

func TestSyncFirstSyncClearsUnsyncedUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newClrEnv(t, db)
		ops := e.handMadeDept(t, "Ops", nil)
		e.join(t, e.root.ID, ops)
		hand := e.handMadeUser(t, "hand", ops)
		e.push(t, "crm", "", datasync.DataTypeUser, clrUser("c"))

		e.run(t, "hr", clearPolicy(), clrUser("a"), clrUser("b"))
		if diff := cmp.Diff([]string{"a", "b", "c", e.root.Username}, e.usernames(t)); diff != "" {
			t.Fatalf("users after hr's first sync (-want +got):\n%s", diff)
		}
		if d, r := e.memberships(t, hand.ID); d != 0 || r != 0 {
			t.Fatalf("the deleted user kept %d department and %d role memberships", d, r)
		}
		if d, r := e.memberships(t, e.root.ID); d != 1 || r != 1 {
			t.Fatalf("root has %d department and %d role memberships, want 1 and 1", d, r)
		}
		if diff := cmp.Diff([]string{"Ops"}, e.deptTitles(t)); diff != "" {
			t.Fatalf("departments (-want +got):\n%s", diff)
		}

		// hr has synced: clear is for its first sync only.
		later := e.handMadeUser(t, "later", ops)
		e.run(t, "hr", clearPolicy(), clrUser("a"), clrUser("b"))
		if diff := cmp.Diff([]string{"a", "b", "c", "later", e.root.Username}, e.usernames(t)); diff != "" {
			t.Fatalf("users after hr's second sync (-want +got):\n%s", diff)
		}
		if d, r := e.memberships(t, later.ID); d != 1 || r != 1 {
			t.Fatalf("a hand-made user lost memberships on a later sync: %d, %d", d, r)
		}
	})
}

func TestSyncFirstSyncRetainsUnsyncedUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newClrEnv(t, db)
		ops := e.handMadeDept(t, "Ops", nil)
		hand := e.handMadeUser(t, "hand", ops)
		e.run(t, "hr", nil, clrUser("a"))
		if diff := cmp.Diff([]string{"a", "hand", e.root.Username}, e.usernames(t)); diff != "" {
			t.Fatalf("users after a retaining first sync (-want +got):\n%s", diff)
		}
		if d, r := e.memberships(t, hand.ID); d != 1 || r != 1 {
			t.Fatalf("the hand-made user has %d department and %d role memberships, want 1 and 1", d, r)
		}
	})
}

// clrProgress finds the report's totals of a data type and resource.
func clrProgress(t *testing.T, rep *datasync.ClearReport, dt datasync.DataType, resource string) datasync.Progress {
	t.Helper()
	for _, p := range rep.Totals {
		if p.DataType == dt && p.Resource == resource {
			return p
		}
	}
	t.Fatalf("the report has no %s totals of %s: %+v", dt, resource, rep.Totals)
	return datasync.Progress{}
}

// clrSetUp: hr synced departments d1 > d2 and users a (in d1), b (in d2),
// r (made root by hand) and adopted the hand-made h by email; crm synced
// c; Ops and its member x are hand-made.
func clrSetUp(t *testing.T, e *clrEnv) (h, x *users.User, ops int64) {
	t.Helper()
	if err := e.m.AddSource(e.ctx, &datasync.SyncSource{Name: "hr", SourceType: "fixed", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	ops = e.handMadeDept(t, "Ops", nil)
	x = e.handMadeUser(t, "x", ops)
	h = e.handMadeUser(t, "h", ops)
	e.push(t, "hr", "", datasync.DataTypeDepartment,
		datasync.Record{"uid": "d1", "title": "D1"}, datasync.Record{"uid": "d2", "title": "D2", "parentUid": "d1"})
	e.push(t, "hr", "email", datasync.DataTypeUser, clrUser("a", "d1"), clrUser("b", "d2"), clrUser("h", "d1"), clrUser("r"))
	e.push(t, "crm", "", datasync.DataTypeUser, clrUser("c"))
	var adopted users.User
	if err := e.db.NewSelect().Model(&adopted).Where("?TableAlias.? = 'h'", bun.Ident("username")).Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	if adopted.ID != h.ID {
		t.Fatalf("h was not adopted: user %d, want %d", adopted.ID, h.ID)
	}
	// The adoption, as the manager records it (kept if it did already).
	_, err := e.db.NewInsert().Model(&datasync.SyncAdoption{Resource: "users", ResourcePk: strconv.FormatInt(h.ID, 10), SourceName: "hr", UID: "h"}).
		On("CONFLICT DO NOTHING").Exec(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var r users.User
	if err := e.db.NewSelect().Model(&r).Where("?TableAlias.? = 'r'", bun.Ident("username")).Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.NewInsert().Model(&users.RoleUser{UserID: r.ID, RoleName: users.RootRole}).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	return h, x, ops
}

func TestSyncClearSource(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newClrEnv(t, db)
		h, x, _ := clrSetUp(t, e)

		rep, err := e.m.Clear(e.ctx, "hr")
		if err != nil {
			t.Fatal(err)
		}
		if rep.Unlinked != 1 {
			t.Fatalf("Unlinked = %d, want 1 (h)", rep.Unlinked)
		}
		if p := clrProgress(t, rep, datasync.DataTypeUser, "users"); p.Read != 4 || p.Deleted != 2 {
			t.Fatalf("users totals %+v, want 4 read and 2 deleted", p)
		}
		if p := clrProgress(t, rep, datasync.DataTypeDepartment, "departments"); p.Read != 2 || p.Deleted != 2 {
			t.Fatalf("departments totals %+v, want 2 read and 2 deleted", p)
		}
		// a and b went; root r, adopted h, crm's c and hand-made x stay.
		if diff := cmp.Diff([]string{"c", "h", e.root.Username, "r", "x"}, e.usernames(t)); diff != "" {
			t.Fatalf("users after Clear (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"Ops"}, e.deptTitles(t)); diff != "" {
			t.Fatalf("departments after Clear (-want +got):\n%s", diff)
		}
		// h keeps what it had by hand (Ops, member); its D1 went with D1.
		for _, u := range []*users.User{h, x} {
			if d, r := e.memberships(t, u.ID); d != 1 || r != 1 {
				t.Fatalf("%s has %d department and %d role memberships, want 1 and 1", u.Username, d, r)
			}
		}
		n, err := db.NewSelect().Model((*datasync.SyncRecord)(nil)).Where("? = 'hr'", bun.Ident("sourceName")).Count(e.ctx)
		if err != nil || n != 0 {
			t.Fatalf("%d sync records of hr left (%v)", n, err)
		}
		if _, err := e.m.SourceByName(e.ctx, "hr"); !errors.Is(err, datasync.ErrSourceNotFound) {
			t.Fatalf("hr after Clear: %v, want disabled", err)
		}

		// hr syncs again from scratch: h is unsynced now and adopted anew.
		again, err := e.m.Clear(e.ctx, "hr")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&datasync.ClearReport{SourceName: "hr"}, again); diff != "" {
			t.Fatalf("clearing again (-want +got):\n%s", diff)
		}
	})
}

// A department hr synced that has a hand-made sub-department cannot be
// deleted: Clear fails and removes nothing.
func TestSyncClearSourceFailsWhole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newClrEnv(t, db)
		clrSetUp(t, e)
		var d1 users.Department
		if err := db.NewSelect().Model(&d1).Where("?TableAlias.? = 'D1'", bun.Ident("title")).Scan(e.ctx); err != nil {
			t.Fatal(err)
		}
		e.handMadeDept(t, "Local", &d1.ID)
		before := e.usernames(t)
		_, err := e.m.Clear(e.ctx, "hr")
		if !errors.Is(err, datasync.ErrRecordsFailed) {
			t.Fatalf("Clear: %v, want records failed", err)
		}
		if diff := cmp.Diff(before, e.usernames(t)); diff != "" {
			t.Fatalf("users after a failed Clear (-want +got):\n%s", diff)
		}
		if _, err := e.m.SourceByName(e.ctx, "hr"); err != nil {
			t.Fatalf("a failed Clear disabled hr: %v", err)
		}
	})
}
