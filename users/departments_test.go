package users_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// newDept creates a department, under parent when it is not zero.
func newDept(t *testing.T, ctx context.Context, db bun.IDB, title string, parent int64) *users.Department {
	t.Helper()
	d := &users.Department{Title: title, IsLeaf: false}
	if parent != 0 {
		d.ParentID = &parent
	}
	if err := users.CreateDepartment(ctx, db, d); err != nil {
		t.Fatalf("create %s: %v", title, err)
	}
	if !d.IsLeaf || d.ID == 0 {
		t.Fatalf("created %s: %+v", title, d)
	}
	return d
}

func loadDept(t *testing.T, ctx context.Context, db bun.IDB, id int64) *users.Department {
	t.Helper()
	d := new(users.Department)
	if err := db.NewSelect().Model(d).Where("? = ?", bun.Ident("id"), id).Scan(ctx); err != nil {
		t.Fatalf("load department %d: %v", id, err)
	}
	return d
}

// deptTree renders id:parent:isLeaf of every department, by id.
func deptTree(t *testing.T, ctx context.Context, db bun.IDB) string {
	t.Helper()
	var ds []*users.Department
	if err := db.NewSelect().Model(&ds).OrderExpr("? ASC", bun.Ident("id")).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, d := range ds {
		leaf := "node"
		if d.IsLeaf {
			leaf = "leaf"
		}
		parts = append(parts, fmt.Sprintf("%s<%v:%s", d.Title, deptTitle(ds, d.ParentID), leaf))
	}
	return strings.Join(parts, " ")
}

func deptTitle(ds []*users.Department, id *int64) string {
	if id == nil {
		return "-"
	}
	for _, d := range ds {
		if d.ID == *id {
			return d.Title
		}
	}
	return fmt.Sprintf("?%d", *id)
}

func deptTestUser(t *testing.T, ctx context.Context, db bun.IDB, name string) *users.User {
	t.Helper()
	u := &users.User{Nickname: name, Email: name + "@x"}
	if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return u
}

func mainDeptOf(t *testing.T, ctx context.Context, db bun.IDB, userID int64) any {
	t.Helper()
	u := new(users.User)
	if err := db.NewSelect().Model(u).Where("? = ?", bun.Ident("id"), userID).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	return deref(u.MainDepartmentID)
}

// wantDeptErr checks errors.Is, the HTTP status and, if given, a message part.
func wantDeptErr(t *testing.T, what string, err, kind error, status int, msg string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s: error %v, want %v", what, err, kind)
		return
	}
	var hs interface{ HTTPStatus() int }
	if !errors.As(err, &hs) || hs.HTTPStatus() != status {
		t.Errorf("%s: %v has no HTTPStatus %d", what, err, status)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("%s: message %q does not contain %q", what, err, msg)
	}
}

func TestDepartmentErrors(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
	}{
		{users.ErrDepartmentNotFound, http.StatusNotFound},
		{users.ErrDepartmentNotEmpty, http.StatusConflict},
		{users.ErrDepartmentCycle, http.StatusBadRequest},
		{users.ErrInvalidMainDepartment, http.StatusBadRequest},
	} {
		var de *users.DepartmentError
		if !errors.As(c.err, &de) {
			t.Fatalf("%v is not a *DepartmentError", c.err)
		}
		if de.HTTPStatus() != c.status {
			t.Errorf("%v: status %d, want %d", c.err, de.HTTPStatus(), c.status)
		}
		if errors.Unwrap(c.err) != nil {
			t.Errorf("%v unwraps to %v", c.err, errors.Unwrap(c.err))
		}
	}
	if got := users.ErrInvalidMainDepartment.Error(); got != "invalid main department, it must be one of the user's departments" {
		t.Errorf("ErrInvalidMainDepartment = %q", got)
	}
	wrapped := fmt.Errorf("handler: %w", users.ErrDepartmentCycle)
	var hs interface{ HTTPStatus() int }
	if !errors.As(wrapped, &hs) || hs.HTTPStatus() != 400 {
		t.Error("HTTPStatus not found through wrapping")
	}
}

// TestDepartmentIsLeaf follows update-department-is-leaf and the sync
// test's isLeaf flips: a parent stops being a leaf when it gets a
// sub-department, by creation or by a move, and becomes one again when the
// last one leaves, by a move or a deletion.
func TestDepartmentIsLeaf(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		as7 := users.WithCurrentUser(ctx, 7)
		a := newDept(t, ctx, db, "a", 0)
		b := newDept(t, as7, db, "b", a.ID)
		c := newDept(t, ctx, db, "c", b.ID)
		if got, want := deptTree(t, ctx, db), "a<-:node b<a:node c<b:leaf"; got != want {
			t.Errorf("after create: %s, want %s", got, want)
		}
		if got := loadDept(t, ctx, db, a.ID); deref(got.UpdatedByID) != int64(7) || deref(b.CreatedByID) != int64(7) {
			t.Errorf("audit: a updated by %v, b created by %v", deref(got.UpdatedByID), deref(b.CreatedByID))
		}

		steps := []struct {
			name string
			do   func() error
			want string
		}{
			{"c to root", func() error { return users.MoveDepartment(ctx, db, c.ID, nil) }, "a<-:node b<a:leaf c<-:leaf"},
			{"c under a", func() error { return users.MoveDepartment(ctx, db, c.ID, &a.ID) }, "a<-:node b<a:leaf c<a:leaf"},
			{"c under a again", func() error { return users.MoveDepartment(ctx, db, c.ID, &a.ID) }, "a<-:node b<a:leaf c<a:leaf"},
			{"b under c", func() error { return users.MoveDepartment(ctx, db, b.ID, &c.ID) }, "a<-:node b<c:leaf c<a:node"},
			{"delete b", func() error { return users.DeleteDepartment(ctx, db, b.ID) }, "a<-:node c<a:leaf"},
			{"delete c", func() error { return users.DeleteDepartment(ctx, db, c.ID) }, "a<-:leaf"},
		}
		for _, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got := deptTree(t, ctx, db); got != s.want {
				t.Errorf("%s: %s, want %s", s.name, got, s.want)
			}
		}

		missing := int64(999)
		err := users.CreateDepartment(ctx, db, &users.Department{Title: "orphan", ParentID: &missing})
		wantDeptErr(t, "create under missing parent", err, users.ErrDepartmentNotFound, 404, "parent department 999 not found")
		wantDeptErr(t, "move missing", users.MoveDepartment(ctx, db, missing, nil), users.ErrDepartmentNotFound, 404, "department 999 not found")
		wantDeptErr(t, "move under missing", users.MoveDepartment(ctx, db, a.ID, &missing), users.ErrDepartmentNotFound, 404, "parent department 999 not found")
		wantDeptErr(t, "delete missing", users.DeleteDepartment(ctx, db, missing), users.ErrDepartmentNotFound, 404, "999")
		if got := deptTree(t, ctx, db); got != "a<-:leaf" {
			t.Errorf("failed calls changed the tree: %s", got)
		}
	})
}

// TestDeleteDepartmentNotEmpty follows destroy-department-check.
func TestDeleteDepartmentNotEmpty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		parent := newDept(t, ctx, db, "parent", 0)
		kid := newDept(t, ctx, db, "kid", parent.ID)
		newDept(t, ctx, db, "kid2", parent.ID)
		ann, bob := deptTestUser(t, ctx, db, "ann"), deptTestUser(t, ctx, db, "bob")

		wantDeptErr(t, "with children", users.DeleteDepartment(ctx, db, parent.ID), users.ErrDepartmentNotEmpty, 409,
			fmt.Sprintf("department %d cannot be deleted: it has 2 sub-departments", parent.ID))
		for _, u := range []*users.User{ann, bob} {
			if err := users.AddDepartmentMember(ctx, db, u.ID, parent.ID, false); err != nil {
				t.Fatal(err)
			}
		}
		wantDeptErr(t, "with children and members", users.DeleteDepartment(ctx, db, parent.ID), users.ErrDepartmentNotEmpty, 409,
			"it has 2 sub-departments and 2 members")
		if err := users.AddDepartmentMember(ctx, db, ann.ID, kid.ID, false); err != nil {
			t.Fatal(err)
		}
		wantDeptErr(t, "kid with a member", users.DeleteDepartment(ctx, db, kid.ID), users.ErrDepartmentNotEmpty, 409,
			"it has 1 member")
		if err := users.RemoveDepartmentMember(ctx, db, ann.ID, kid.ID); err != nil {
			t.Fatal(err)
		}
		if err := users.DeleteDepartment(ctx, db, kid.ID); err != nil {
			t.Fatalf("empty kid: %v", err)
		}
		if got := deptTree(t, ctx, db); got != "parent<-:node kid2<parent:leaf" {
			t.Errorf("tree %s", got)
		}
	})
}

// TestMoveDepartmentCycles refuses moving a department under itself, its
// child or a deep descendant, and leaves the tree as it was.
func TestMoveDepartmentCycles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		chain := []*users.Department{newDept(t, ctx, db, "d0", 0)}
		for i := 1; i <= 6; i++ {
			chain = append(chain, newDept(t, ctx, db, fmt.Sprintf("d%d", i), chain[i-1].ID))
		}
		before := deptTree(t, ctx, db)
		top := chain[0].ID
		wantDeptErr(t, "self", users.MoveDepartment(ctx, db, top, &top), users.ErrDepartmentCycle, 400, "under itself")
		wantDeptErr(t, "child", users.MoveDepartment(ctx, db, top, &chain[1].ID), users.ErrDepartmentCycle, 400, "sub-departments")
		wantDeptErr(t, "deep descendant", users.MoveDepartment(ctx, db, chain[2].ID, &chain[6].ID), users.ErrDepartmentCycle, 400,
			fmt.Sprintf("department %d cannot be moved under department %d", chain[2].ID, chain[6].ID))
		if got := deptTree(t, ctx, db); got != before {
			t.Errorf("refused moves changed the tree:\n%s\n%s", got, before)
		}
		// Moving a descendant up, or a subtree sideways, is fine.
		if err := users.MoveDepartment(ctx, db, chain[6].ID, &top); err != nil {
			t.Fatal(err)
		}
		if err := users.MoveDepartment(ctx, db, chain[3].ID, &chain[6].ID); err != nil {
			t.Fatal(err)
		}
		want := "d0<-:node d1<d0:node d2<d1:leaf d3<d6:node d4<d3:node d5<d4:leaf d6<d0:node"
		if got := deptTree(t, ctx, db); got != want {
			t.Errorf("tree %s\nwant %s", got, want)
		}
		wantDeptErr(t, "under own grandchild after moves", users.MoveDepartment(ctx, db, chain[6].ID, &chain[4].ID), users.ErrDepartmentCycle, 400, "")
	})
}

// TestMainDepartment follows set-main-department and the sync test: the
// first membership becomes the main department, an explicit main must be
// a membership, removing the main membership falls back to the first
// remaining one (earliest added) or null, and owners are kept per
// membership.
func TestMainDepartment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		a, b, c := newDept(t, ctx, db, "a", 0), newDept(t, ctx, db, "b", 0), newDept(t, ctx, db, "c", 0)
		ann := deptTestUser(t, ctx, db, "ann")
		titles := func() string {
			ds, err := users.UserDepartments(ctx, db, ann.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, d := range ds {
				out = append(out, d.Title)
			}
			return strings.Join(out, ",")
		}
		check := func(step string, wantMain any, wantDepts string) {
			t.Helper()
			if got := mainDeptOf(t, ctx, db, ann.ID); got != wantMain {
				t.Errorf("%s: main %v, want %v", step, got, wantMain)
			}
			if got := titles(); got != wantDepts {
				t.Errorf("%s: departments %q, want %q", step, got, wantDepts)
			}
		}
		add := func(d *users.Department, owner bool) {
			t.Helper()
			if err := users.AddDepartmentMember(ctx, db, ann.ID, d.ID, owner); err != nil {
				t.Fatal(err)
			}
		}
		remove := func(d *users.Department) {
			t.Helper()
			if err := users.RemoveDepartmentMember(ctx, db, ann.ID, d.ID); err != nil {
				t.Fatal(err)
			}
		}
		setMain := func(id *int64) error { return users.SetMainDepartment(ctx, db, ann.ID, id) }

		check("no memberships", nil, "")
		add(c, false)
		check("first membership", c.ID, "c")
		add(a, false)
		add(b, false)
		check("more memberships", c.ID, "c,a,b")
		if err := setMain(&b.ID); err != nil {
			t.Fatal(err)
		}
		check("explicit main", b.ID, "c,a,b")
		other := newDept(t, ctx, db, "other", 0)
		wantDeptErr(t, "main outside memberships", setMain(&other.ID), users.ErrInvalidMainDepartment, 400,
			"invalid main department, it must be one of the user's departments")
		check("refused main", b.ID, "c,a,b")
		remove(b)
		check("main removed", c.ID, "c,a")
		remove(other) // not a member: nothing happens
		check("removing a non-membership", c.ID, "c,a")
		remove(c)
		check("main removed again", a.ID, "a")
		if err := setMain(nil); err != nil {
			t.Fatal(err)
		}
		check("nil main with a membership", a.ID, "a")
		remove(a)
		check("last membership removed", nil, "")
		if err := setMain(nil); err != nil {
			t.Fatal(err)
		}
		check("nil main without memberships", nil, "")

		// Owners: adding again is idempotent and sets isOwner.
		owner := func() []bool {
			var ms []*users.DepartmentUser
			if err := db.NewSelect().Model(&ms).Where("? = ?", bun.Ident("userId"), ann.ID).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			var out []bool
			for _, m := range ms {
				out = append(out, m.IsOwner)
			}
			return out
		}
		add(a, true)
		add(a, true)
		if got := owner(); fmt.Sprint(got) != "[true]" {
			t.Errorf("owner after adding twice: %v", got)
		}
		add(a, false)
		if got := owner(); fmt.Sprint(got) != "[false]" {
			t.Errorf("owner after re-adding as member: %v", got)
		}
		check("re-added", a.ID, "a")

		// A second user in the same department as owner, not main by
		// choice, still gets it as main (the sync test's user 2).
		bob := deptTestUser(t, ctx, db, "bob")
		if err := users.AddDepartmentMember(ctx, db, bob.ID, a.ID, true); err != nil {
			t.Fatal(err)
		}
		if got := mainDeptOf(t, ctx, db, bob.ID); got != a.ID {
			t.Errorf("bob's main %v", got)
		}
		var owners []*users.User
		if err := db.NewSelect().Model(&owners).
			Join("JOIN ? AS du ON du.? = ?TableAlias.?", bun.Ident("departmentsUsers"), bun.Ident("userId"), bun.Ident("id")).
			Where("du.? = ? AND du.? = ?", bun.Ident("departmentId"), a.ID, bun.Ident("isOwner"), true).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(owners) != 1 || owners[0].ID != bob.ID {
			t.Errorf("owners of a: %v", owners)
		}

		// Missing users and departments.
		for name, err := range map[string]error{
			"add missing user":     users.AddDepartmentMember(ctx, db, 999, a.ID, false),
			"remove missing user":  users.RemoveDepartmentMember(ctx, db, 999, a.ID),
			"main of missing user": users.SetMainDepartment(ctx, db, 999, &a.ID),
			"sync missing user":    users.SyncMainDepartment(ctx, db, 999),
		} {
			var de *users.DepartmentError
			if !errors.As(err, &de) || de.HTTPStatus() != 404 || !strings.Contains(err.Error(), "user 999 not found") {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, err := users.UserDepartments(ctx, db, 999); err == nil || !strings.Contains(err.Error(), "user 999 not found") {
			t.Errorf("departments of a missing user: %v", err)
		}
		wantDeptErr(t, "add to missing department", users.AddDepartmentMember(ctx, db, ann.ID, 999, false), users.ErrDepartmentNotFound, 404, "department 999 not found")
	})
}

// TestMainDepartmentRepair: a main department written directly, outside
// the memberships, is corrected by SyncMainDepartment, and deleting a
// department clears it as a main department.
func TestMainDepartmentRepair(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		a, b := newDept(t, ctx, db, "a", 0), newDept(t, ctx, db, "b", 0)
		ann := deptTestUser(t, ctx, db, "ann")
		if err := users.AddDepartmentMember(ctx, db, ann.ID, a.ID, false); err != nil {
			t.Fatal(err)
		}
		setRaw := func(id int64) {
			// Table, not Model((*users.User)(nil)): User's AfterUpdate
			// hook dereferences the nil model.
			if _, err := db.NewUpdate().Table("users").Set("? = ?", bun.Ident("mainDepartmentId"), id).
				Where("? = ?", bun.Ident("id"), ann.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		setRaw(b.ID)
		if err := users.SyncMainDepartment(ctx, db, ann.ID); err != nil {
			t.Fatal(err)
		}
		if got := mainDeptOf(t, ctx, db, ann.ID); got != a.ID {
			t.Errorf("after sync: %v", got)
		}
		setRaw(b.ID)
		if err := users.DeleteDepartment(ctx, db, b.ID); err != nil {
			t.Fatal(err)
		}
		if got := mainDeptOf(t, ctx, db, ann.ID); got != a.ID {
			t.Errorf("after deleting the stale main: %v", got)
		}
	})
}

// TestDepartmentsInCallerTx: inside a caller's transaction each function is
// a savepoint: a refused move rolls back only itself, and the caller's
// rollback undoes everything.
func TestDepartmentsInCallerTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		root := newDept(t, ctx, db, "root", 0)
		var kid2 *users.Department
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			kid := newDept(t, ctx, tx, "kid", root.ID)
			wantDeptErr(t, "cycle in tx", users.MoveDepartment(ctx, tx, root.ID, &kid.ID), users.ErrDepartmentCycle, 400, "")
			wantDeptErr(t, "delete in tx", users.DeleteDepartment(ctx, tx, root.ID), users.ErrDepartmentNotEmpty, 409, "1 sub-department")
			kid2 = newDept(t, ctx, tx, "kid2", kid.ID)
			return nil
		})
		if err != nil {
			t.Fatalf("transaction: %v", err)
		}
		if got, want := deptTree(t, ctx, db), "root<-:node kid<root:node kid2<kid:leaf"; got != want {
			t.Errorf("committed %s, want %s", got, want)
		}
		rollback := errors.New("rollback")
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			newDept(t, ctx, tx, "gone", root.ID)
			if err := users.DeleteDepartment(ctx, tx, kid2.ID); err != nil {
				t.Fatal(err)
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if got, want := deptTree(t, ctx, db), "root<-:node kid<root:node kid2<kid:leaf"; got != want {
			t.Errorf("after rollback %s, want %s", got, want)
		}
	})
}

// TestConcurrentMovesCannotMakeACycle runs, on PostgreSQL, two moves that
// would together make a cycle and checks that exactly one succeeds. First
// the second move waits on the first's locks and then sees the committed
// move; then the two lock each other's rows, PostgreSQL breaks the
// deadlock and whichever side survives wins.
func TestConcurrentMovesCannotMakeACycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		if db.Dialect().Name() != dialect.PG {
			t.Skip("SQLite serialises writers; row locks are PostgreSQL's")
		}
		ctx := setup(t, db)

		t.Run("waits then refuses", func(t *testing.T) {
			a, b := newDept(t, ctx, db, "a", 0), newDept(t, ctx, db, "b", 0)
			tx1, pid := beginDeptTx(t, ctx, db)
			defer tx1.Rollback()
			if err := users.MoveDepartment(ctx, tx1, a.ID, &b.ID); err != nil {
				t.Fatal(err)
			}
			second := make(chan error, 1)
			go func() { second <- users.MoveDepartment(ctx, db, b.ID, &a.ID) }()
			waitDeptBlockedBy(t, ctx, db, pid)
			if err := tx1.Commit(); err != nil {
				t.Fatal(err)
			}
			wantDeptErr(t, "second move", <-second, users.ErrDepartmentCycle, 400, "")
			if got := deptParents(t, ctx, db, a.ID, b.ID); got != "a<b b<-" {
				t.Errorf("tree %s", got)
			}
		})

		t.Run("deadlock", func(t *testing.T) {
			c, d := newDept(t, ctx, db, "c", 0), newDept(t, ctx, db, "d", 0)
			tx1, pid := beginDeptTx(t, ctx, db)
			defer tx1.Rollback()
			// tx1 holds c, as a move of c would first.
			if _, err := tx1.NewSelect().Model((*users.Department)(nil)).Where("? = ?", bun.Ident("id"), c.ID).For("UPDATE").Exists(ctx); err != nil {
				t.Fatal(err)
			}
			second := make(chan error, 1)
			go func() { second <- users.MoveDepartment(ctx, db, d.ID, &c.ID) }() // locks d, waits for c
			waitDeptBlockedBy(t, ctx, db, pid)
			first := users.MoveDepartment(ctx, tx1, c.ID, &d.ID) // waits for d: deadlock
			if first == nil {
				if err := tx1.Commit(); err != nil {
					t.Fatal(err)
				}
			} else {
				tx1.Rollback()
			}
			secondErr := <-second
			t.Logf("first: %v; second: %v", first, secondErr)
			switch {
			case first == nil && errors.Is(secondErr, users.ErrDepartmentCycle):
				if got := deptParents(t, ctx, db, c.ID, d.ID); got != "c<d d<-" {
					t.Errorf("tree %s", got)
				}
			case secondErr == nil && first != nil && !errors.Is(first, users.ErrDepartmentCycle):
				if got := deptParents(t, ctx, db, c.ID, d.ID); got != "c<- d<c" {
					t.Errorf("tree %s", got)
				}
			default:
				t.Errorf("want exactly one move to succeed: first %v, second %v", first, secondErr)
			}
		})
	})
}

func beginDeptTx(t *testing.T, ctx context.Context, db *bun.DB) (bun.Tx, int) {
	t.Helper()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return tx, pid
}

// waitDeptBlockedBy waits until some session waits for a lock held by pid.
func waitDeptBlockedBy(t *testing.T, ctx context.Context, db *bun.DB, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))", pid).Scan(&n)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the second move never waited for the first")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// deptParents renders "x<parent y<parent" for two departments.
func deptParents(t *testing.T, ctx context.Context, db bun.IDB, x, y int64) string {
	t.Helper()
	dx, dy := loadDept(t, ctx, db, x), loadDept(t, ctx, db, y)
	ds := []*users.Department{dx, dy}
	return fmt.Sprintf("%s<%s %s<%s", dx.Title, deptTitle(ds, dx.ParentID), dy.Title, deptTitle(ds, dy.ParentID))
}
