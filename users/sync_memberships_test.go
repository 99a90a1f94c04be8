package users_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// memberships returns a user's memberships: department → isOwner.
func (e *dsyncEnv) memberships(t *testing.T, userID int64) map[int64]bool {
	t.Helper()
	var rows []users.DepartmentUser
	if err := e.db.NewSelect().Model(&rows).Where("?TableAlias.? = ?", bun.Ident("userId"), userID).Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	out := map[int64]bool{}
	for _, r := range rows {
		out[r.DepartmentID] = r.IsOwner
	}
	return out
}

// memberLinks returns the department keys the user record's source made
// memberships of, sorted.
func (e *dsyncEnv) memberLinks(t *testing.T, uid string) []string {
	t.Helper()
	pks := []string{}
	err := e.db.NewSelect().TableExpr("? AS r", bun.Ident("userDataSyncRecords")).
		Join("JOIN ? AS l ON l.? = r.?", bun.Ident("userDataSyncRecordsResources"), bun.Ident("recordId"), bun.Ident("id")).
		ColumnExpr("l.?", bun.Ident("resourcePk")).
		Where("r.? = 'api' AND r.? = 'user' AND r.? = ? AND l.? = 'departments'", bun.Ident("sourceName"), bun.Ident("dataType"),
			bun.Ident("sourceUk"), uid, bun.Ident("resource")).
		OrderExpr("l.?", bun.Ident("resourcePk")).Scan(e.ctx, &pks)
	if err != nil {
		t.Fatal(err)
	}
	return pks
}

func member(uid string, owner, main bool) map[string]any {
	return map[string]any{"uid": uid, "isOwner": owner, "isMain": main}
}

func user(uid, nickname string, depts ...any) datasync.Record {
	r := datasync.Record{"uid": uid, "nickname": nickname}
	if depts != nil {
		r["departments"] = depts
	}
	return r
}

// The reference's "should update user department".
func TestSyncUserDepartments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("12", "dept"))
		d := e.deptID(t, "12")

		e.push(t, datasync.DataTypeUser, user("1", "test", "12"))
		u1 := e.userID(t, "1")
		if got := e.memberships(t, u1); !cmp.Equal(got, map[int64]bool{d: false}) {
			t.Fatalf("memberships %v", got)
		}
		if got := mainDeptOf(t, e.ctx, db, u1); got != d {
			t.Fatalf("main %v, want %d", got, d)
		}

		e.push(t, datasync.DataTypeUser, user("1", "test", member("12", true, true)))
		if got := e.memberships(t, u1); !cmp.Equal(got, map[int64]bool{d: true}) {
			t.Fatalf("memberships %v", got)
		}
		if got := mainDeptOf(t, e.ctx, db, u1); got != d {
			t.Fatalf("main %v, want %d", got, d)
		}

		e.push(t, datasync.DataTypeUser, user("2", "test2", member("12", true, false)))
		u2 := e.userID(t, "2")
		if got := e.memberships(t, u2); !cmp.Equal(got, map[int64]bool{d: true}) {
			t.Fatalf("memberships %v", got)
		}
		if got := mainDeptOf(t, e.ctx, db, u2); got != d {
			t.Fatalf("main %v, want %d", got, d)
		}
	})
}

// wantMemberships checks a user's memberships: department → isOwner.
func (e *dsyncEnv) wantMemberships(t *testing.T, userID int64, want map[int64]bool) {
	t.Helper()
	if got := e.memberships(t, userID); !cmp.Equal(got, want) {
		t.Fatalf("memberships %v, want %v", got, want)
	}
}

// A membership made by hand survives every sync, is never claimed and
// keeps its owner flag; the source's own are updated and removed.
func TestSyncMembershipsHandMadeSurvive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("x", "x"), dept("y", "y"))
		x, y := e.deptID(t, "x"), e.deptID(t, "y")
		e.push(t, datasync.DataTypeUser, user("u", "n0"))
		u := e.userID(t, "u")
		if err := users.AddDepartmentMember(e.ctx, db, u, x, false); err != nil {
			t.Fatal(err)
		}

		rp := e.planApply(t, dsyncData(datasync.DataTypeUser, user("u", "n1", "y")), "departments")
		want := []datasync.MembershipChange{{Op: datasync.MembershipAdd, UserUID: "u", UserPK: fmt.Sprint(u), DepartmentUID: "y", DepartmentPK: fmt.Sprint(y)}}
		if diff := cmp.Diff(want, rp.Memberships); diff != "" || len(rp.Updates) != 0 {
			t.Fatalf("memberships (-want +got):\n%s\nupdates %v", diff, rp.Updates)
		}
		e.wantMemberships(t, u, map[int64]bool{x: false, y: false})
		if got := mainDeptOf(t, e.ctx, db, u); got != x {
			t.Fatalf("main %v: the current main department is kept while the user is a member", got)
		}

		// Listing the hand-made membership claims nothing.
		rp = e.planApply(t, dsyncData(datasync.DataTypeUser, user("u", "n2", member("x", true, false), member("y", true, false))), "departments")
		want = []datasync.MembershipChange{{Op: datasync.MembershipUpdate, UserUID: "u", UserPK: fmt.Sprint(u), DepartmentUID: "y", DepartmentPK: fmt.Sprint(y), IsOwner: true}}
		if diff := cmp.Diff(want, rp.Memberships); diff != "" {
			t.Fatalf("memberships (-want +got):\n%s", diff)
		}
		e.wantMemberships(t, u, map[int64]bool{x: false, y: true})
		if got := e.memberLinks(t, "u"); !slices.Equal(got, []string{fmt.Sprint(y)}) {
			t.Fatalf("links %v", got)
		}

		// The source's membership removed by hand comes back, without a
		// second link.
		if err := users.RemoveDepartmentMember(e.ctx, db, u, y); err != nil {
			t.Fatal(err)
		}
		e.push(t, datasync.DataTypeUser, user("u", "n3", member("y", true, false)))
		e.wantMemberships(t, u, map[int64]bool{x: false, y: true})
		if got := e.memberLinks(t, "u"); !slices.Equal(got, []string{fmt.Sprint(y)}) {
			t.Fatalf("links %v", got)
		}

		// The source lists nothing: its membership goes, the hand-made one
		// stays.
		rp = e.planApply(t, dsyncData(datasync.DataTypeUser, user("u", "n4")), "departments")
		want = []datasync.MembershipChange{{Op: datasync.MembershipRemove, UserUID: "u", UserPK: fmt.Sprint(u), DepartmentUID: "y", DepartmentPK: fmt.Sprint(y), IsOwner: true}}
		if diff := cmp.Diff(want, rp.Memberships); diff != "" {
			t.Fatalf("memberships (-want +got):\n%s", diff)
		}
		e.wantMemberships(t, u, map[int64]bool{x: false})
		if got := e.memberLinks(t, "u"); len(got) != 0 {
			t.Fatalf("links %v", got)
		}
		if got := mainDeptOf(t, e.ctx, db, u); got != x {
			t.Fatalf("main %v", got)
		}
	})
}

// A link whose membership row was removed by hand and that the source no
// longer lists is dropped without a plan entry: no row changes.
func TestSyncMembershipsStaleLinkDropped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("x", "x"))
		e.push(t, datasync.DataTypeUser, user("u", "n0", "x"))
		u, x := e.userID(t, "u"), e.deptID(t, "x")
		if err := users.RemoveDepartmentMember(e.ctx, db, u, x); err != nil {
			t.Fatal(err)
		}
		rp := e.planApply(t, dsyncData(datasync.DataTypeUser, user("u", "n1")), "departments")
		if !rp.Empty() || rp.Unchanged != 1 {
			t.Fatalf("plan %+v", rp)
		}
		if got := e.memberLinks(t, "u"); len(got) != 0 {
			t.Fatalf("links %v", got)
		}
	})
}

// A department uid that the source has not synced fails the record
// (NocoBase drops the membership silently); by default nothing is
// written. A malformed departments list fails it too.
func TestSyncMembershipsUnresolved(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("12", "dept"))
		for _, c := range []struct {
			rec datasync.Record
			msg string
		}{
			{user("u1", "n", "12", "13"), `uid "u1": department "13" is not synced from source "api"`},
			{user("u1", "n", true), `uid "u1": departments[0]: want a uid or {uid, isOwner, isMain}, got a boolean`},
		} {
			_, err := e.m.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeUser, c.rec))
			var failed *datasync.FailedError
			if !errors.As(err, &failed) || failed.Resource != "departments" || len(failed.Failures) != 1 || failed.Failures[0].Message != c.msg {
				t.Fatalf("error %v, want a failure %q", err, c.msg)
			}
			if n := e.count(t, "users") + e.count(t, "departmentsUsers"); n != 0 {
				t.Fatalf("%d rows written", n)
			}
		}
		skip := datasync.NewManager(db, datasync.Options{SkipFailed: true, Logger: slog.New(slog.DiscardHandler)})
		if err := users.RegisterSyncResources(skip, users.Options{}); err != nil {
			t.Fatal(err)
		}
		results, err := skip.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeUser, user("u1", "n", "13"), user("u2", "m", "12")))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if r.Resource == "departments" && (r.Detail.Count != datasync.SyncCount{All: 2, Success: 1, Failed: 1}) {
				t.Fatalf("counts %+v", r.Detail.Count)
			}
		}
		if got := e.memberships(t, e.userID(t, "u2")); len(got) != 1 {
			t.Fatalf("u2 memberships %v", got)
		}
	})
}

// A deleted user loses its links with its memberships; a root user, which
// the users resource keeps, keeps both.
func TestSyncMembershipsDeletedUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("x", "x"))
		e.push(t, datasync.DataTypeUser, user("gone", "g", "x"), user("root", "r", "x"))
		root := e.userID(t, "root")
		if _, err := db.NewInsert().Model(&users.RoleUser{UserID: root, RoleName: users.RootRole}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		deleted := func(r datasync.Record) datasync.Record { r["isDeleted"] = true; return r }
		rp := e.planApply(t, dsyncData(datasync.DataTypeUser, deleted(user("gone", "g", "x")), deleted(user("root", "r", "x"))), "departments")
		if !rp.Empty() {
			t.Fatalf("plan %+v", rp)
		}
		if got := e.memberLinks(t, "gone"); len(got) != 0 {
			t.Fatalf("links of the deleted user %v", got)
		}
		if got := e.memberLinks(t, "root"); len(got) != 1 {
			t.Fatalf("links of root %v", got)
		}
		if got := e.memberships(t, root); len(got) != 1 {
			t.Fatalf("root memberships %v", got)
		}
		if n := e.count(t, "departmentsUsers"); n != 1 {
			t.Fatalf("%d memberships", n)
		}
	})
}

// planApplyUsers is planApply returning the plans of both resources.
func (e *dsyncEnv) planApplyUsers(t *testing.T, data datasync.UserData) (usersPlan, deptsPlan datasync.ResourcePlan) {
	t.Helper()
	plan, err := e.m.Plan(e.ctx, data)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if _, err := e.m.Apply(e.ctx, plan); err != nil {
		t.Fatalf("apply: %v", err)
	}
	for _, rp := range plan.Resources {
		switch rp.Resource {
		case "users":
			usersPlan = rp
		case "departments":
			deptsPlan = rp
		}
	}
	return usersPlan, deptsPlan
}

// Plan equals what Apply then does: every membership change and main
// department of the plan is in the directory afterwards, for users that
// existed and users the same run creates (no key in the plan; their main
// department is in the users plan's create).
func TestSyncMembershipsPlanEqualsApply(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{ChunkSize: 2})
		e.push(t, datasync.DataTypeDepartment, dept("a", "a"), dept("b", "b"), dept("c", "c"))
		e.push(t, datasync.DataTypeUser, user("1", "one", "a", "b"), user("2", "two", member("c", true, true)))
		data := dsyncData(datasync.DataTypeUser,
			user("1", "one", member("b", true, false), member("c", false, true)),
			user("2", "two", "a"),
			// A false owner flag first: a bulk insert must not drop the
			// column (bun on SQLite omits a column with a default when the
			// first row's value is zero).
			user("3", "three", "c", member("a", true, false)))
		up, rp := e.planApplyUsers(t, data)
		// User 3 is created with its main department: no update for it.
		if len(rp.Memberships) == 0 || len(rp.Updates) != 2 || slices.ContainsFunc(rp.Updates, func(c datasync.RecordChange) bool { return c.UID == "3" }) {
			t.Fatalf("plan %+v", rp)
		}
		if len(up.Creates) != 1 || up.Creates[0].Values["mainDepartmentId"] != e.deptID(t, "a") {
			t.Fatalf("users plan creates %+v", up.Creates)
		}
		for _, c := range rp.Memberships {
			u := e.userID(t, c.UserUID)
			if (c.UserPK == "") != (c.UserUID == "3") || c.DepartmentPK != fmt.Sprint(e.deptID(t, c.DepartmentUID)) {
				t.Fatalf("change %+v", c)
			}
			owner, has := e.memberships(t, u)[e.deptID(t, c.DepartmentUID)]
			if has != (c.Op != datasync.MembershipRemove) || (has && owner != c.IsOwner) {
				t.Fatalf("after %+v: member %v, owner %v", c, has, owner)
			}
		}
		for _, c := range rp.Updates {
			if got := mainDeptOf(t, e.ctx, db, e.userID(t, c.UID)); got != c.Values["mainDepartmentId"] {
				t.Fatalf("user %q: main %v, plan %v", c.UID, got, c.Values)
			}
		}
		want := map[string]map[string]bool{"1": {"b": true, "c": false}, "2": {"a": false}, "3": {"a": true, "c": false}}
		mains := map[string]string{"1": "c", "2": "a", "3": "a"}
		for uid, ms := range want {
			got := e.memberships(t, e.userID(t, uid))
			wantRows := map[int64]bool{}
			for d, owner := range ms {
				wantRows[e.deptID(t, d)] = owner
			}
			if !cmp.Equal(got, wantRows) {
				t.Fatalf("user %q: memberships %v, want %v", uid, got, wantRows)
			}
			if got := mainDeptOf(t, e.ctx, db, e.userID(t, uid)); got != e.deptID(t, mains[uid]) {
				t.Fatalf("user %q: main %v, want %q", uid, got, mains[uid])
			}
		}
	})
}

// The same departments and users again write nothing and plan nothing.
func TestSyncMembershipsResyncUnchanged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{ChunkSize: 3})
		depts := dsyncData(datasync.DataTypeDepartment, dept("a", "a"), dept("b", "b", "parentUid", "a"), dept("c", "c", "parentUid", "b"))
		people := dsyncData(datasync.DataTypeUser, user("1", "one", "a", member("b", true, true)), user("2", "two", "c"),
			user("3", "three"), user("4", "four", "b", "c"))
		for _, d := range []datasync.UserData{depts, people} {
			if _, err := e.m.UpdateOrCreate(e.ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		before := e.writes.Load()
		for _, d := range []datasync.UserData{depts, people} {
			plan, err := e.m.Plan(e.ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			for _, rp := range plan.Resources {
				if rp.Resource == "departments" && (!rp.Empty() || rp.Unchanged != len(d.Records)) {
					t.Fatalf("%s plan %+v", d.DataType, rp)
				}
			}
			if _, err := e.m.Apply(e.ctx, plan); err != nil {
				t.Fatal(err)
			}
		}
		if n := e.writes.Load() - before; n != 0 {
			t.Fatalf("re-sync wrote %d rows", n)
		}
	})
}

// A user adopted by matchKey exists before the run: a dry run plans its
// memberships as the real run does (its key, its hand-made memberships),
// so Apply follows the plan, and the hand-made membership survives. A
// user created in the same run plans without a key in both, and gets its
// main department at insert.
func TestSyncMembershipsAdoptedUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{ChunkSize: 1})
		e.push(t, datasync.DataTypeDepartment, dept("x", "x"), dept("y", "y"))
		x, y := e.deptID(t, "x"), e.deptID(t, "y")
		ann := &users.User{Username: "ann", Email: "ann@example.com"}
		if _, err := db.NewInsert().Model(ann).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		if err := users.AddDepartmentMember(e.ctx, db, ann.ID, x, false); err != nil {
			t.Fatal(err)
		}

		adopted := user("a", "Ann", member("y", true, false))
		adopted["email"] = "ann@example.com"
		created := user("b", "Bob", "x")
		created["email"] = "bob@example.com"
		data := dsyncData(datasync.DataTypeUser, adopted, created)
		data.MatchKey = "email"
		rp := e.planApply(t, data, "departments")

		if got := e.userID(t, "a"); got != ann.ID {
			t.Fatalf("record a is linked to user %d, want the adopted %d", got, ann.ID)
		}
		want := []datasync.MembershipChange{
			{Op: datasync.MembershipAdd, UserUID: "a", UserPK: fmt.Sprint(ann.ID), DepartmentUID: "y", DepartmentPK: fmt.Sprint(y), IsOwner: true},
			{Op: datasync.MembershipAdd, UserUID: "b", DepartmentUID: "x", DepartmentPK: fmt.Sprint(x)},
		}
		if diff := cmp.Diff(want, rp.Memberships); diff != "" {
			t.Fatalf("memberships (-want +got):\n%s", diff)
		}
		if len(rp.Updates) != 0 {
			t.Fatalf("updates %+v: b's main department is set at insert, a's stays", rp.Updates)
		}
		if got := e.memberships(t, ann.ID); !cmp.Equal(got, map[int64]bool{x: false, y: true}) {
			t.Fatalf("memberships %v", got)
		}
		if got := e.memberLinks(t, "a"); !slices.Equal(got, []string{fmt.Sprint(y)}) {
			t.Fatalf("links %v: the hand-made membership is not the source's", got)
		}
		if got := mainDeptOf(t, e.ctx, db, ann.ID); got != x {
			t.Fatalf("main %v: a member of x keeps it", got)
		}
		if got := mainDeptOf(t, e.ctx, db, e.userID(t, "b")); got != x {
			t.Fatalf("b's main %v", got)
		}
	})
}

// userUpdates counts the UPDATE statements of the users table.
type userUpdates struct{ n atomic.Int64 }

func (h *userUpdates) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h *userUpdates) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.Contains(e.Query, `UPDATE "users"`) {
		h.n.Add(1)
	}
}

// withUserUpdates returns a manager over e's database that counts the
// UPDATEs of users, its resources registered by register.
func (e *dsyncEnv) withUserUpdates(t *testing.T, opts datasync.Options, register func(*datasync.Manager) error) (*datasync.Manager, *userUpdates) {
	t.Helper()
	h := &userUpdates{}
	opts.Logger = slog.New(slog.DiscardHandler)
	m := datasync.NewManager(e.db.WithQueryHook(h), opts)
	if err := register(m); err != nil {
		t.Fatal(err)
	}
	return m, h
}

func registerBoth(m *datasync.Manager) error { return users.RegisterSyncResources(m, users.Options{}) }

// A created user has its main department after one run, the users
// resource's INSERT having set it: no UPDATE of users, in a chunk mixing
// a named main, the first by key, and no department.
func TestSyncMainDepartmentAtInsert(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("a", "a"), dept("b", "b"), dept("c", "c"))
		m, h := e.withUserUpdates(t, datasync.Options{}, registerBoth)
		data := dsyncData(datasync.DataTypeUser,
			user("1", "one", "c", member("b", false, true), "a"),
			user("2", "two", "c", "b"),
			user("3", "three"))
		if _, err := m.UpdateOrCreate(e.ctx, data); err != nil {
			t.Fatal(err)
		}
		if n := h.n.Load(); n != 0 {
			t.Fatalf("%d UPDATEs of users", n)
		}
		for uid, want := range map[string]any{"1": e.deptID(t, "b"), "2": e.deptID(t, "b"), "3": nil} {
			if got := mainDeptOf(t, e.ctx, db, e.userID(t, uid)); got != want {
				t.Fatalf("user %q: main %v, want %v", uid, got, want)
			}
		}
		e.wantMemberships(t, e.userID(t, "1"), map[int64]bool{e.deptID(t, "a"): false, e.deptID(t, "b"): false, e.deptID(t, "c"): false})
	})
}

// With SkipFailed, a created user naming a department that is not synced
// gets no main department and no membership: the departments resource
// fails its record as before.
func TestSyncMainDepartmentAtInsertSkipFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("12", "dept"))
		m, h := e.withUserUpdates(t, datasync.Options{SkipFailed: true}, registerBoth)
		if _, err := m.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeUser, user("u1", "n", member("12", false, true), "13"), user("u2", "m", "12"))); err != nil {
			t.Fatal(err)
		}
		u1, u2 := e.userID(t, "u1"), e.userID(t, "u2")
		if got := mainDeptOf(t, e.ctx, db, u1); got != nil {
			t.Fatalf("u1's main %v, want none", got)
		}
		e.wantMemberships(t, u1, map[int64]bool{})
		if got := mainDeptOf(t, e.ctx, db, u2); got != e.deptID(t, "12") {
			t.Fatalf("u2's main %v", got)
		}
		if n := h.n.Load(); n != 0 {
			t.Fatalf("%d UPDATEs of users", n)
		}
	})
}

// NewUsersSyncResource alone never sets a main department: not without
// the departments resource, and not with one registered by hand, which
// then sets it by an UPDATE as its plan says.
func TestSyncMainDepartmentUsersResourceAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("a", "a"))
		alone, _ := e.withUserUpdates(t, datasync.Options{}, func(m *datasync.Manager) error {
			return m.RegisterResource(users.NewUsersSyncResource(users.Options{}), datasync.RegisterOptions{})
		})
		if _, err := alone.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeUser, user("1", "one", "a"))); err != nil {
			t.Fatal(err)
		}
		if got := mainDeptOf(t, e.ctx, db, e.userID(t, "1")); got != nil {
			t.Fatalf("main %v without the departments resource", got)
		}

		byHand, h := e.withUserUpdates(t, datasync.Options{}, func(m *datasync.Manager) error {
			if err := m.RegisterResource(users.NewUsersSyncResource(users.Options{}), datasync.RegisterOptions{}); err != nil {
				return err
			}
			return m.RegisterResource(users.NewDepartmentsSyncResource(users.Options{}), datasync.RegisterOptions{After: []string{"users"}})
		})
		plan, err := byHand.Plan(e.ctx, dsyncData(datasync.DataTypeUser, user("2", "two", "a")))
		if err != nil {
			t.Fatal(err)
		}
		for _, rp := range plan.Resources {
			if rp.Resource == "users" && (len(rp.Creates) != 1 || rp.Creates[0].Values["mainDepartmentId"] != nil) {
				t.Fatalf("users plan creates %+v", rp.Creates)
			}
			if rp.Resource == "departments" && (len(rp.Updates) != 1 || rp.Updates[0].Values["mainDepartmentId"] != e.deptID(t, "a")) {
				t.Fatalf("departments plan updates %+v", rp.Updates)
			}
		}
		if _, err := byHand.Apply(e.ctx, plan); err != nil {
			t.Fatal(err)
		}
		if got := mainDeptOf(t, e.ctx, db, e.userID(t, "2")); got != e.deptID(t, "a") {
			t.Fatalf("main %v", got)
		}
		if n := h.n.Load(); n != 1 {
			t.Fatalf("%d UPDATEs of users, want the departments resource's one", n)
		}
	})
}
