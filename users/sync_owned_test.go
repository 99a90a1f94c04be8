package users_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// addSource gives the push source name a row with options: its policy.
func (e *usyncEnv) addSource(t *testing.T, name string, options map[string]any) {
	t.Helper()
	if _, err := e.db.NewInsert().Model(&datasync.SyncSource{Name: name, SourceType: "push", Options: options}).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
}

// editLocally changes a user's fields as an administrator would.
func (e *usyncEnv) editLocally(t *testing.T, id int64, set map[string]any) {
	t.Helper()
	q := e.db.NewUpdate().Table("users").Where("? = ?", bun.Ident("id"), id)
	for col, v := range set {
		q = q.Set("? = ?", bun.Ident(col), v)
	}
	if _, err := q.Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
}

// departmentsOf lists the titles of a user's departments, sorted.
func (e *usyncEnv) departmentsOf(t *testing.T, id int64) []string {
	t.Helper()
	var titles []string
	err := e.db.NewSelect().Model((*users.DepartmentUser)(nil)).ColumnExpr("d.title").
		Join("JOIN departments AS d ON d.id = ?TableAlias.?", bun.Ident("departmentId")).
		Where("?TableAlias.? = ?", bun.Ident("userId"), id).Scan(e.ctx, &titles)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(titles)
	return titles
}

// TestUsersSyncEditableWhileSynced: with "editableWhileSynced", local edits
// of nickname, email, phone and password survive three syncs whose records
// carry other values, and the plans do not list them; the fields the
// source still owns (username, memberships) follow it, and a hand-made
// membership stays.
func TestUsersSyncEditableWhileSynced(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addSource(t, "test", map[string]any{"editableWhileSynced": true})
		if _, err := e.m.UpdateOrCreate(e.ctx, datasync.UserData{DataType: datasync.DataTypeDepartment, SourceName: "test",
			Records: []datasync.Record{{"uid": "d1", "title": "D1"}, {"uid": "d2", "title": "D2"}}}); err != nil {
			t.Fatal(err)
		}
		record := func(i int) datasync.Record {
			return datasync.Record{
				"uid": "1", "nickname": fmt.Sprintf("src%d", i), "username": fmt.Sprintf("u%d", i),
				"email": fmt.Sprintf("src%d@x", i), "phone": fmt.Sprintf("10%d", i), "password": fmt.Sprintf("pw-%d", i),
				"departments": []any{[]string{"d1", "d2"}[i%2]},
			}
		}
		e.sync(t, record(0))
		u := e.user(t, "username", "u0")
		if u == nil || u.Nickname != "src0" {
			t.Fatalf("created: %+v", u)
		}
		hash, err := users.HashPassword("local-pw")
		if err != nil {
			t.Fatal(err)
		}
		e.editLocally(t, u.ID, map[string]any{"nickname": "local", "email": "local@x", "phone": "999", "password": hash})
		hand := &users.Department{Title: "Hand"}
		if _, err := db.NewInsert().Model(hand).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewInsert().Model(&users.DepartmentUser{UserID: u.ID, DepartmentID: hand.ID}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}

		for i := 1; i <= 3; i++ {
			_, plan := e.plan(t, usyncData("test", "email", record(i)))
			if len(plan.Updates) != 1 || len(plan.Updates[0].Values) != 1 || plan.Updates[0].Values["username"] != fmt.Sprintf("u%d", i) {
				t.Errorf("sync %d: updates %+v, want only the username", i, plan.Updates)
			}
			e.sync(t, record(i))
			got := e.user(t, "id", pkString(u.ID))
			if got.Nickname != "local" || got.Email != "local@x" || got.Phone != "999" || got.Username != fmt.Sprintf("u%d", i) {
				t.Errorf("sync %d: user %+v", i, got)
			}
			if ok, err := users.CheckPassword(e.ctx, e.db, got, "local-pw"); !ok || err != nil {
				t.Errorf("sync %d: the local password no longer verifies (%v)", i, err)
			}
			want := []string{[]string{"D1", "D2"}[i%2], "Hand"}
			if got := e.departmentsOf(t, u.ID); !slices.Equal(got, want) {
				t.Errorf("sync %d: departments %v, want %v", i, got, want)
			}
		}
	})
}

// TestUsersSyncOwnedFields: "ownedFields" ["nickname"] overwrites only the
// nickname of an existing user; a new user gets every field.
func TestUsersSyncOwnedFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addSource(t, "test", map[string]any{"ownedFields": []any{"nickname"}})
		e.sync(t, datasync.Record{"uid": "1", "nickname": "ann", "username": "ann", "email": "ann@x", "phone": "1"})
		u := e.user(t, "username", "ann")
		if u == nil || u.Email != "ann@x" || u.Phone != "1" {
			t.Fatalf("a new user gets every field: %+v", u)
		}
		e.editLocally(t, u.ID, map[string]any{"nickname": "local", "email": "local@x", "username": "local"})
		for i := 1; i <= 3; i++ {
			e.sync(t, datasync.Record{"uid": "1", "nickname": fmt.Sprintf("ann%d", i), "username": "ann", "email": "ann@x", "phone": fmt.Sprint(i + 1)})
			got := e.user(t, "id", pkString(u.ID))
			if got.Nickname != fmt.Sprintf("ann%d", i) || got.Email != "local@x" || got.Username != "local" || got.Phone != "1" {
				t.Errorf("sync %d: user %+v, want only the nickname overwritten", i, got)
			}
		}
	})
}
