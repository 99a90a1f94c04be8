package users_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/csv"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// withRoles is a user record with "roles": the names given (an empty
// list for none).
func withRoles(uid, nickname string, roles ...string) datasync.Record {
	list := make([]any, len(roles))
	for i, r := range roles {
		list[i] = r
	}
	return datasync.Record{"uid": uid, "nickname": nickname, "roles": list}
}

// addRoles inserts roles rows.
func (e *dsyncEnv) addRoles(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := e.db.NewInsert().Model(&users.Role{Name: n, Title: n}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// grant gives a user a role by hand.
func (e *dsyncEnv) grant(t *testing.T, userID int64, role string) {
	t.Helper()
	if _, err := e.db.NewInsert().Model(&users.RoleUser{UserID: userID, RoleName: role}).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
}

// userRoles returns a user's role names, sorted.
func (e *dsyncEnv) userRoles(t *testing.T, userID int64) []string {
	t.Helper()
	names := []string{}
	err := e.db.NewSelect().Model((*users.RoleUser)(nil)).Column("roleName").
		Where("?TableAlias.? = ?", bun.Ident("userId"), userID).Order("roleName").Scan(e.ctx, &names)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func (e *dsyncEnv) wantRoles(t *testing.T, userID int64, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := e.userRoles(t, userID); !slices.Equal(got, want) {
		t.Fatalf("roles of user %d: %v, want %v", userID, got, want)
	}
}

// roleLinks returns the "roles" links of source's user records, sorted
// ("uid resourcePk").
func (e *dsyncEnv) roleLinks(t *testing.T, source string) []string {
	t.Helper()
	var rows []struct {
		UID string `bun:"sourceUk"`
		PK  string `bun:"resourcePk"`
	}
	err := e.db.NewSelect().TableExpr("? AS r", bun.Ident("userDataSyncRecords")).
		Join("JOIN ? AS l ON l.? = r.?", bun.Ident("userDataSyncRecordsResources"), bun.Ident("recordId"), bun.Ident("id")).
		ColumnExpr("r.?, l.?", bun.Ident("sourceUk"), bun.Ident("resourcePk")).
		Where("r.? = ? AND r.? = 'user' AND l.? = 'roles'", bun.Ident("sourceName"), source, bun.Ident("dataType"), bun.Ident("resource")).
		Scan(e.ctx, &rows)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, r := range rows {
		out = append(out, r.UID+" "+r.PK)
	}
	slices.Sort(out)
	return out
}

// setOptions gives the source named name a row with options: its policy.
func (e *dsyncEnv) setOptions(t *testing.T, name string, options map[string]any) {
	t.Helper()
	row := &datasync.SyncSource{Name: name, SourceType: "api", Options: options}
	if _, err := e.db.NewInsert().Model(row).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
}

// failure returns the message of the first failed record of a run that
// failed.
func failure(t *testing.T, err error) string {
	t.Helper()
	var failed *datasync.FailedError
	if !errors.As(err, &failed) || len(failed.Failures) == 0 {
		t.Fatalf("error %v, want a *datasync.FailedError", err)
	}
	return failed.Failures[0].Message
}

// Roles from a push: several names give several roles, a name dropped
// removes its role, no "roles" key leaves them, [] and null remove them.
// The plan lists the memberships added (no key for a user the run
// creates) and removed, and Apply does exactly that.
func TestSyncRolesFromPush(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addRoles(t, "admin", "member", "auditor")

		rp := e.planApply(t, dsyncData(datasync.DataTypeUser, withRoles("u1", "one", "admin", "member", "admin")), "roles")
		want := []datasync.RecordChange{
			{UID: "u1", Values: map[string]any{"roleName": "admin"}},
			{UID: "u1", Values: map[string]any{"roleName": "member"}},
		}
		if diff := cmp.Diff(want, rp.Creates); diff != "" || len(rp.Deletes) != 0 {
			t.Fatalf("creates (-want +got):\n%s\ndeletes %v", diff, rp.Deletes)
		}
		u := e.userID(t, "u1")
		e.wantRoles(t, u, "admin", "member")
		id := fmt.Sprint(u)
		if got, want := e.roleLinks(t, "api"), []string{"u1 " + id + ":admin", "u1 " + id + ":member"}; !slices.Equal(got, want) {
			t.Fatalf("links %v, want %v", got, want)
		}

		rp = e.planApply(t, dsyncData(datasync.DataTypeUser, withRoles("u1", "one", "member", "auditor")), "roles")
		wantAdd := []datasync.RecordChange{{UID: "u1", Values: map[string]any{"roleName": "auditor", "userId": u}}}
		wantDel := []datasync.RecordChange{{UID: "u1", PK: id + ":admin", Previous: map[string]any{"roleName": "admin"}}}
		if diff := cmp.Diff(wantAdd, rp.Creates); diff != "" {
			t.Fatalf("creates (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantDel, rp.Deletes); diff != "" {
			t.Fatalf("deletes (-want +got):\n%s", diff)
		}
		e.wantRoles(t, u, "auditor", "member")

		// No "roles": the source carries none, the user keeps them.
		e.push(t, datasync.DataTypeUser, user("u1", "renamed"))
		e.wantRoles(t, u, "auditor", "member")

		e.push(t, datasync.DataTypeUser, withRoles("u1", "renamed"))
		e.wantRoles(t, u)
		if got := e.roleLinks(t, "api"); len(got) != 0 {
			t.Fatalf("links %v after roles: []", got)
		}

		e.push(t, datasync.DataTypeUser, withRoles("u1", "renamed", "admin"))
		e.push(t, datasync.DataTypeUser, datasync.Record{"uid": "u1", "nickname": "renamed", "roles": nil})
		e.wantRoles(t, u)

		_, err := e.m.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeUser, datasync.Record{"uid": "u1", "roles": "admin"}))
		if msg := failure(t, err); msg != `uid "u1": roles: want a list of role names, got a string` {
			t.Fatalf("message %q", msg)
		}
		_, err = e.m.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeUser, withRoles("u1", "x", "admin", " ")))
		if msg := failure(t, err); msg != `uid "u1": roles[1]: want a role name, got a string` {
			t.Fatalf("message %q", msg)
		}
	})
}

// A role given by hand survives three syncs that list it, drop it and
// list nothing; listing it never claims it. The source's own role goes
// when the source drops it.
func TestSyncRolesHandMadeSurvive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addRoles(t, "admin", "member")
		e.push(t, datasync.DataTypeUser, withRoles("u", "n0", "member"))
		u := e.userID(t, "u")
		e.grant(t, u, "admin")

		rp := e.planApply(t, dsyncData(datasync.DataTypeUser, withRoles("u", "n1", "admin", "member")), "roles")
		if !rp.Empty() {
			t.Fatalf("listing a hand-made role plans %+v", rp)
		}
		e.wantRoles(t, u, "admin", "member")
		e.push(t, datasync.DataTypeUser, withRoles("u", "n2", "member"))
		e.wantRoles(t, u, "admin", "member")
		e.push(t, datasync.DataTypeUser, withRoles("u", "n3"))
		e.wantRoles(t, u, "admin")
		if got := e.roleLinks(t, "api"); len(got) != 0 {
			t.Fatalf("links %v", got)
		}
	})
}

// A source's role removed by hand comes back when the record changes,
// without a second link; a link of a role gone and no longer wanted is
// dropped.
func TestSyncRolesRemovedByHand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addRoles(t, "admin", "member")
		e.push(t, datasync.DataTypeUser, withRoles("u", "n0", "admin", "member"))
		u := e.userID(t, "u")
		if _, err := e.db.NewDelete().Model((*users.RoleUser)(nil)).Where("?TableAlias.? = ?", bun.Ident("userId"), u).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		e.push(t, datasync.DataTypeUser, withRoles("u", "n1", "admin"))
		e.wantRoles(t, u, "admin")
		if got, want := e.roleLinks(t, "api"), []string{fmt.Sprintf("u %d:admin", u)}; !slices.Equal(got, want) {
			t.Fatalf("links %v, want %v", got, want)
		}
	})
}

// An unknown role fails its record naming the role, and nothing is
// written; with roles.create the run creates it, titled with its name and
// with the default snippets, once however many records and chunks name
// it, in a dry run too. A name another role has as its title cannot be
// created.
func TestSyncRolesUnknown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{ChunkSize: 2})
		e.addRoles(t, "member")
		data := dsyncData(datasync.DataTypeUser,
			withRoles("u1", "one", "member"), withRoles("u2", "two", "ghost"), withRoles("u3", "three", "ghost", "member"))
		_, err := e.m.UpdateOrCreate(e.ctx, data)
		if msg := failure(t, err); msg != `uid "u2": role "ghost" does not exist` {
			t.Fatalf("message %q", msg)
		}
		if n := e.count(t, "users"); n != 0 {
			t.Fatalf("%d users written by a failed run", n)
		}

		e.setOptions(t, "api", map[string]any{"roles": map[string]any{"create": true}})
		plan, err := e.m.Plan(e.ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		var created []datasync.RecordChange
		for _, rp := range plan.Resources {
			if rp.Resource != "roles" {
				continue
			}
			for _, c := range rp.Creates {
				if c.Values["name"] != nil {
					created = append(created, c)
				}
			}
		}
		if len(created) != 1 || created[0].UID != "u2" || created[0].Values["title"] != "ghost" || created[0].Reason == "" {
			t.Fatalf("role creates %+v", created)
		}
		if _, err := e.m.Apply(e.ctx, plan); err != nil {
			t.Fatal(err)
		}
		role := new(users.Role)
		if err := e.db.NewSelect().Model(role).Where("?TableAlias.? = 'ghost'", bun.Ident("name")).Scan(e.ctx); err != nil {
			t.Fatal(err)
		}
		if role.Title != "ghost" || role.Snippets == nil || len(role.Snippets) != 0 || role.CreatedAt.IsZero() {
			t.Fatalf("created role %+v", role)
		}
		e.wantRoles(t, e.userID(t, "u2"), "ghost")
		e.wantRoles(t, e.userID(t, "u3"), "ghost", "member")

		e.addRoles(t, "r_boss")
		if _, err := e.db.NewUpdate().Model((*users.Role)(nil)).Set("? = 'boss'", bun.Ident("title")).
			Where("?TableAlias.? = 'r_boss'", bun.Ident("name")).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		_, err = e.m.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeUser, withRoles("u1", "one", "boss")))
		if msg := failure(t, err); msg != `uid "u1": role "boss" does not exist, and cannot be created: another role has the title "boss"` {
			t.Fatalf("message %q", msg)
		}
	})
}

// A sync never grants the root role, and never takes it.
func TestSyncRolesRootRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addRoles(t, users.RootRole, "member")
		_, err := e.m.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeUser, withRoles("u", "n", "member", "root")))
		if msg := failure(t, err); msg != `uid "u": role "root": a sync never grants the root role` {
			t.Fatalf("message %q", msg)
		}
		e.setOptions(t, "api", map[string]any{"roles": map[string]any{"create": true}})
		_, err = e.m.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeUser, withRoles("u", "n", "root")))
		if msg := failure(t, err); !strings.Contains(msg, `role "root"`) {
			t.Fatalf("message %q", msg)
		}

		e.push(t, datasync.DataTypeUser, withRoles("u", "n", "member"))
		u := e.userID(t, "u")
		e.grant(t, u, users.RootRole)
		e.push(t, datasync.DataTypeUser, withRoles("u", "n2"))
		e.wantRoles(t, u, users.RootRole)
	})
}

// A deleted user leaves no role and no link behind; a root user the users
// resource keeps keeps its roles and links.
func TestSyncRolesDeletedUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addRoles(t, "admin", "member")
		e.push(t, datasync.DataTypeUser, withRoles("gone", "g", "admin", "member"), withRoles("boss", "b", "member"))
		gone, boss := e.userID(t, "gone"), e.userID(t, "boss")
		e.grant(t, boss, users.RootRole)

		e.push(t, datasync.DataTypeUser, datasync.Record{"uid": "gone", "isDeleted": true}, datasync.Record{"uid": "boss", "isDeleted": true})
		e.wantRoles(t, gone)
		e.wantRoles(t, boss, "member", users.RootRole)
		if got, want := e.roleLinks(t, "api"), []string{fmt.Sprintf("boss %d:member", boss)}; !slices.Equal(got, want) {
			t.Fatalf("links %v, want %v", got, want)
		}
		if n := e.count(t, "rolesUsers"); n != 2 {
			t.Fatalf("%d rolesUsers rows", n)
		}
	})
}

// roleStatements counts the statements that read or write the roles
// tables, and those that write any table.
type roleStatements struct{ roles, writes atomic.Int64 }

func (h *roleStatements) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (h *roleStatements) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	// By table name: a sync record's JSON holds the key "roles" too.
	if strings.Contains(e.Query, `FROM "roles"`) || strings.Contains(e.Query, `INTO "roles"`) || strings.Contains(e.Query, `"rolesUsers"`) {
		h.roles.Add(1)
	}
	if e.Err != nil || e.Result == nil {
		return
	}
	switch e.Operation() {
	case "INSERT", "UPDATE", "DELETE":
		n, _ := e.Result.RowsAffected()
		h.writes.Add(n)
	}
}

// The same data again writes nothing and asks nothing of the roles
// tables; a record changed elsewhere costs two reads (the roles it names,
// its user's roles) and no write.
func TestSyncRolesResyncWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addRoles(t, "admin", "member")
		h := &roleStatements{}
		m := datasync.NewManager(e.db.WithQueryHook(h), datasync.Options{Logger: slog.New(slog.DiscardHandler), ChunkSize: 2})
		if err := users.RegisterSyncResources(m, users.Options{}); err != nil {
			t.Fatal(err)
		}
		data := dsyncData(datasync.DataTypeUser,
			withRoles("1", "one", "admin", "member"), withRoles("2", "two", "member"), withRoles("3", "three"))
		if _, err := m.UpdateOrCreate(e.ctx, data); err != nil {
			t.Fatal(err)
		}
		h.roles.Store(0)
		h.writes.Store(0)
		res, err := m.UpdateOrCreate(e.ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		if r, w := h.roles.Load(), h.writes.Load(); r != 0 || w != 0 {
			t.Fatalf("an unchanged re-sync: %d statements on the roles tables, %d rows written", r, w)
		}
		if res[2].Resource != "roles" || res[2].Detail.Count.Success != 3 {
			t.Fatalf("results %+v", res)
		}

		data.Records[0]["nickname"] = "uno"
		if _, err := m.UpdateOrCreate(e.ctx, data); err != nil {
			t.Fatal(err)
		}
		if r, w := h.roles.Load(), h.writes.Load(); r != 2 || w == 0 {
			t.Fatalf("one changed record: %d statements on the roles tables (want 2), %d rows written", r, w)
		}
	})
}

// Roles from a CSV file through the tabular source: a user's rows gather
// into several roles; a role dropped from the file goes, and a user whose
// Role cells are all empty loses the source's roles (not a hand-made one).
func TestSyncRolesFromCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addRoles(t, "admin", "member", "auditor")
		run := func(content string) {
			t.Helper()
			table := csv.New("people.csv", func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }, csv.Options{})
			src, err := tabular.NewSource(table, tabular.Options{Mapping: tabular.Mapping{UID: "id", Nickname: "name", Role: "role"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.m.RunSource(e.ctx, "hr", src, datasync.RunSourceOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		run("id,name,role\ne1,Ada,admin\ne2,Bob,\ne1,Ada,member\ne1,,admin\n")
		e1, e2 := e.linkedUser(t, "hr", "e1"), e.linkedUser(t, "hr", "e2")
		e.wantRoles(t, e1, "admin", "member")
		e.wantRoles(t, e2)
		e.grant(t, e2, "auditor")

		run("id,name,role\ne1,Ada,member\ne2,Bob,admin\n")
		e.wantRoles(t, e1, "member")
		e.wantRoles(t, e2, "admin", "auditor")

		run("id,name,role\ne1,Ada,\ne2,Bob,\n")
		e.wantRoles(t, e1)
		e.wantRoles(t, e2, "auditor")
		if got := e.roleLinks(t, "hr"); len(got) != 0 {
			t.Fatalf("links %v", got)
		}
	})
}

// linkedUser is the user source's record uid is linked to.
func (e *dsyncEnv) linkedUser(t *testing.T, source, uid string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscan(e.link(t, source, uid), &id); err != nil {
		t.Fatalf("user %q of %s is not linked", uid, source)
	}
	return id
}

// An adopted user (matched by email) keeps the roles it had by hand; the
// source's roles are added and later removed beside them.
func TestSyncRolesAdoptedUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addRoles(t, "admin", "member")
		u := e.addUser(t, &users.User{Nickname: "ann", Email: "ann@x"}, "admin").ID
		data := func(roles ...string) datasync.UserData {
			rec := withRoles("a1", "ann", roles...)
			rec["email"] = "ann@x"
			return datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "api", MatchKey: "email", Records: []datasync.Record{rec}}
		}
		rp := e.planApply(t, data("admin", "member"), "roles")
		want := []datasync.RecordChange{{UID: "a1", Values: map[string]any{"roleName": "member", "userId": u}}}
		if diff := cmp.Diff(want, rp.Creates); diff != "" {
			t.Fatalf("creates (-want +got):\n%s", diff)
		}
		if got := e.userID(t, "a1"); got != u {
			t.Fatalf("record linked to user %d, want the adopted %d", got, u)
		}
		e.wantRoles(t, u, "admin", "member")
		if _, err := e.m.UpdateOrCreate(e.ctx, data()); err != nil {
			t.Fatal(err)
		}
		e.wantRoles(t, u, "admin")
	})
}
