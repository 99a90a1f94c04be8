package users_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// usyncEnv is a directory with a datasync manager that has the built-in
// resources registered; it counts the rows written.
type usyncEnv struct {
	ctx    context.Context
	db     *bun.DB
	m      *datasync.Manager
	writes atomic.Int64
}

func newUsyncEnv(t *testing.T, db *bun.DB, opts users.Options, mopts datasync.Options) *usyncEnv {
	t.Helper()
	ctx := context.Background()
	if err := users.CreateTables(ctx, db, opts); err != nil {
		t.Fatal(err)
	}
	if err := datasync.CreateTables(ctx, db); err != nil {
		t.Fatal(err)
	}
	if mopts.Logger == nil {
		mopts.Logger = slog.New(slog.DiscardHandler)
	}
	e := &usyncEnv{ctx: ctx}
	e.db = db.WithQueryHook(usyncWriteCounter{&e.writes})
	e.m = datasync.NewManager(e.db, mopts)
	if err := users.RegisterSyncResources(e.m, opts); err != nil {
		t.Fatal(err)
	}
	return e
}

// usyncWriteCounter counts the rows inserted, updated and deleted.
type usyncWriteCounter struct{ n *atomic.Int64 }

func (usyncWriteCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (w usyncWriteCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if e.Err != nil || e.Result == nil {
		return
	}
	switch e.Operation() {
	case "INSERT", "UPDATE", "DELETE":
		n, _ := e.Result.RowsAffected()
		w.n.Add(n)
	}
}

func usyncData(source, matchKey string, recs ...datasync.Record) datasync.UserData {
	return datasync.UserData{DataType: datasync.DataTypeUser, SourceName: source, MatchKey: matchKey, Records: recs}
}

// sync pushes records as source "test" with matchKey email, as NocoBase's
// data-sync tests do, and returns the users resource's result.
func (e *usyncEnv) sync(t *testing.T, recs ...datasync.Record) datasync.SyncResult {
	t.Helper()
	res, err := e.m.UpdateOrCreate(e.ctx, usyncData("test", "email", recs...))
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return res[0]
}

// plan plans records like sync and returns the users resource's plan.
func (e *usyncEnv) plan(t *testing.T, data datasync.UserData) (*datasync.Plan, datasync.ResourcePlan) {
	t.Helper()
	plan, err := e.m.Plan(e.ctx, data)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return plan, plan.Resources[0]
}

// user reads the user with the field = value, or nil.
func (e *usyncEnv) user(t *testing.T, field, value string) *users.User {
	t.Helper()
	var us []users.User
	if err := e.db.NewSelect().Model(&us).Where("?TableAlias.? = ?", bun.Ident(field), value).Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	switch len(us) {
	case 0:
		return nil
	case 1:
		return &us[0]
	}
	t.Fatalf("%d users with %s", len(us), field)
	return nil
}

func (e *usyncEnv) count(t *testing.T, model any) int64 {
	t.Helper()
	n, err := e.db.NewSelect().Model(model).Count(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// link returns the users link of source's record uid ("" for none).
func (e *usyncEnv) link(t *testing.T, source, uid string) string {
	t.Helper()
	var pks []string
	err := e.db.NewSelect().Model((*datasync.SyncRecordResource)(nil)).Column("resourcePk").
		Join("JOIN ? AS r ON r.? = ?TableAlias.?", bun.Ident("userDataSyncRecords"), bun.Ident("id"), bun.Ident("recordId")).
		Where("r.? = ? AND r.? = ? AND ?TableAlias.? = ?", bun.Ident("sourceName"), source, bun.Ident("sourceUk"), uid,
			bun.Ident("resource"), "users").
		Scan(e.ctx, &pks)
	if err != nil {
		t.Fatal(err)
	}
	if len(pks) > 1 {
		t.Fatalf("uid %s has %d users links", uid, len(pks))
	}
	if len(pks) == 0 {
		return ""
	}
	return pks[0]
}

func (e *usyncEnv) addUser(t *testing.T, u *users.User, roles ...string) *users.User {
	t.Helper()
	if _, err := e.db.NewInsert().Model(u).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if _, err := e.db.NewInsert().Model(&users.RoleUser{UserID: u.ID, RoleName: r}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// usyncRow is a user as a snapshot compares it.
type usyncRow struct {
	ID                               int64
	Nickname, Username, Email, Phone string
	UpdatedAt                        string
}

// usyncSnapshot is what a sync may change: the users, the sync records
// and their links.
type usyncSnapshot struct {
	Users   []usyncRow
	Records []string // sourceName/sourceUk metaHash
	Links   []string // recordId resource resourcePk
}

func (e *usyncEnv) snapshot(t *testing.T) usyncSnapshot {
	t.Helper()
	var s usyncSnapshot
	var us []users.User
	if err := e.db.NewSelect().Model(&us).Order("id").Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		s.Users = append(s.Users, usyncRow{u.ID, u.Nickname, u.Username, u.Email, u.Phone, u.UpdatedAt.UTC().String()})
	}
	var recs []datasync.SyncRecord
	if err := e.db.NewSelect().Model(&recs).Order("id").Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		s.Records = append(s.Records, r.SourceName+"/"+r.SourceUk+" "+r.MetaHash)
	}
	var links []datasync.SyncRecordResource
	if err := e.db.NewSelect().Model(&links).Order("id").Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		s.Links = append(s.Links, strconv.FormatInt(l.RecordID, 10)+" "+l.Resource+" "+l.ResourcePk)
	}
	return s
}

func pkString(id int64) string { return strconv.FormatInt(id, 10) }

// TestUsersSyncCreate is NocoBase's "should create user".
func TestUsersSyncCreate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		res := e.sync(t, datasync.Record{"uid": "1", "nickname": "test", "email": "test@nocobase.com"})
		if diff := cmp.Diff(datasync.SyncCount{All: 1, Success: 1}, res.Detail.Count); diff != "" {
			t.Errorf("count (-want +got):\n%s", diff)
		}
		u := e.user(t, "email", "test@nocobase.com")
		if u == nil || u.Nickname != "test" {
			t.Fatalf("user: %+v", u)
		}
		if u.Enabled == nil || !*u.Enabled || u.CreatedAt.IsZero() || u.UpdatedAt.IsZero() {
			t.Errorf("server columns not filled: enabled %v, times %v %v", u.Enabled, u.CreatedAt, u.UpdatedAt)
		}
		if got := e.link(t, "test", "1"); got != pkString(u.ID) {
			t.Errorf("link = %q, want %d", got, u.ID)
		}
	})
}

// TestUsersSyncAdoptsExisting is NocoBase's "should update existing user
// when creating": the user with the same email is updated, not
// duplicated, and now linked.
func TestUsersSyncAdoptsExisting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		old := e.addUser(t, &users.User{Nickname: "test", Email: "test@nocobase.com"})
		_, plan := e.plan(t, usyncData("test", "email", datasync.Record{"uid": "1", "nickname": "test2", "email": "test@nocobase.com"}))
		want := []datasync.RecordChange{{UID: "1", PK: pkString(old.ID), Values: map[string]any{"nickname": "test2"},
			Previous: map[string]any{"nickname": "test"}, Reason: "adopts the existing user with the same email", Adopted: true}}
		if diff := cmp.Diff(want, plan.Updates); diff != "" || len(plan.Creates) != 0 {
			t.Errorf("plan updates (-want +got):\n%s\ncreates: %v", diff, plan.Creates)
		}
		e.sync(t, datasync.Record{"uid": "1", "nickname": "test2", "email": "test@nocobase.com"})
		if n := e.count(t, (*users.User)(nil)); n != 1 {
			t.Errorf("%d users, want 1", n)
		}
		if u := e.user(t, "email", "test@nocobase.com"); u.ID != old.ID || u.Nickname != "test2" {
			t.Errorf("user: %+v", u)
		}
		if got := e.link(t, "test", "1"); got != pkString(old.ID) {
			t.Errorf("link = %q, want %d", got, old.ID)
		}
	})
}

// TestUsersSyncUpdate is NocoBase's "shoud update user".
func TestUsersSyncUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.sync(t, datasync.Record{"uid": "1", "nickname": "test", "email": "test@nocobase.com"})
		before := e.user(t, "email", "test@nocobase.com")
		e.sync(t, datasync.Record{"uid": "1", "nickname": "test2", "email": "test@nocobase.com"})
		u := e.user(t, "email", "test@nocobase.com")
		if u.ID != before.ID || u.Nickname != "test2" {
			t.Errorf("user: %+v", u)
		}
		if !u.UpdatedAt.After(before.UpdatedAt) && !u.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("updatedAt went back: %v → %v", before.UpdatedAt, u.UpdatedAt)
		}
	})
}

// usyncMember is a host's extended user model with custom columns.
type usyncMember struct {
	users.User  `bun:",extend"`
	CustomField string `bun:"customField" json:"customField"`
	Age         int64  `bun:"age" json:"age"`
}

// TestUsersSyncCustomField is NocoBase's "should update user custom
// field", on an extended model.
func TestUsersSyncCustomField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		opts := users.Options{UserModel: (*usyncMember)(nil)}
		e := newUsyncEnv(t, db, opts, datasync.Options{})
		read := func() usyncMember {
			t.Helper()
			var m usyncMember
			if err := db.NewSelect().Model(&m).Where("?TableAlias.? = ?", bun.Ident("email"), "test@nocobase.com").Scan(e.ctx); err != nil {
				t.Fatal(err)
			}
			return m
		}
		e.sync(t, datasync.Record{"uid": "1", "nickname": "test", "email": "test@nocobase.com", "customField": "test", "age": json.Number("30")})
		if m := read(); m.CustomField != "test" || m.Age != 30 {
			t.Fatalf("created: %+v", m)
		}
		_, plan := e.plan(t, usyncData("test", "email", datasync.Record{"uid": "1", "nickname": "test", "email": "test@nocobase.com", "customField": "test2", "age": json.Number("30")}))
		if len(plan.Updates) != 1 || !cmp.Equal(plan.Updates[0].Values, map[string]any{"customField": "test2"}) {
			t.Errorf("plan updates: %+v", plan.Updates)
		}
		e.sync(t, datasync.Record{"uid": "1", "nickname": "test", "email": "test@nocobase.com", "customField": "test2", "age": json.Number("30")})
		if m := read(); m.CustomField != "test2" || m.Nickname != "test" {
			t.Errorf("updated: %+v", m)
		}
	})
}

// TestUsersSyncDelete: isDeleted removes a linked user with its
// memberships and roles, and the link, so the record sent again does
// nothing.
func TestUsersSyncDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.sync(t, datasync.Record{"uid": "1", "nickname": "ann", "email": "ann@x"}, datasync.Record{"uid": "2", "nickname": "bob", "email": "bob@x"})
		ann := e.user(t, "email", "ann@x")
		dept := &users.Department{Title: "d"}
		if err := users.CreateDepartment(e.ctx, db, dept); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewInsert().Model(&users.DepartmentUser{UserID: ann.ID, DepartmentID: dept.ID}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewInsert().Model(&users.RoleUser{UserID: ann.ID, RoleName: "member"}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		gone := datasync.Record{"uid": "1", "email": "ann@x", "isDeleted": true}
		_, plan := e.plan(t, usyncData("test", "email", gone))
		if diff := cmp.Diff([]datasync.RecordChange{{UID: "1", PK: pkString(ann.ID)}}, plan.Deletes); diff != "" {
			t.Errorf("plan deletes (-want +got):\n%s", diff)
		}
		e.sync(t, gone)
		if e.user(t, "email", "ann@x") != nil {
			t.Error("the user is still there")
		}
		if n := e.count(t, (*users.DepartmentUser)(nil)) + e.count(t, (*users.RoleUser)(nil)); n != 0 {
			t.Errorf("%d memberships and roles left", n)
		}
		if e.link(t, "test", "1") != "" {
			t.Error("the link is still there")
		}
		if e.user(t, "email", "bob@x") == nil {
			t.Error("the other user was deleted")
		}
		// Sent again: not linked, so nothing happens, and nothing comes back.
		before := e.writes.Load()
		_, plan = e.plan(t, usyncData("test", "email", gone))
		if !plan.Empty() || plan.Unchanged != 1 {
			t.Errorf("plan of the deleted record sent again: %+v", plan)
		}
		e.sync(t, gone)
		if e.user(t, "email", "ann@x") != nil || e.count(t, (*users.User)(nil)) != 1 {
			t.Error("the deleted record brought a user back")
		}
		if w := e.writes.Load() - before; w != 0 {
			t.Errorf("%d rows written", w)
		}
	})
}

// TestUsersSyncRootKept: a root user is never deleted.
func TestUsersSyncRootKept(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.sync(t, datasync.Record{"uid": "1", "nickname": "admin", "email": "admin@x"})
		admin := e.user(t, "email", "admin@x")
		if _, err := db.NewInsert().Model(&users.RoleUser{UserID: admin.ID, RoleName: users.RootRole}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		gone := datasync.Record{"uid": "1", "isDeleted": true}
		_, plan := e.plan(t, usyncData("test", "email", gone))
		want := []datasync.RecordChange{{UID: "1", PK: pkString(admin.ID), Reason: "a root user is never deleted"}}
		if diff := cmp.Diff(want, plan.Kept); diff != "" || len(plan.Deletes) != 0 {
			t.Errorf("plan kept (-want +got):\n%s\ndeletes: %v", diff, plan.Deletes)
		}
		res := e.sync(t, gone)
		if res.Detail.Count.Failed != 0 || e.user(t, "email", "admin@x") == nil {
			t.Errorf("root user deleted or record failed: %+v", res)
		}
		if e.link(t, "test", "1") != pkString(admin.ID) {
			t.Error("the root user's link was removed")
		}
	})
}

// TestUsersSyncVanishedRecreated: a linked user deleted by hand is
// created anew and relinked, whether or not its record changed.
func TestUsersSyncVanishedRecreated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		rec := datasync.Record{"uid": "1", "nickname": "ann", "email": "ann@x"}
		for round, r := range []datasync.Record{rec, {"uid": "1", "nickname": "ann2", "email": "ann@x"}} {
			e.sync(t, rec)
			old := e.user(t, "email", "ann@x")
			if _, err := db.NewDelete().Model(old).WherePK().Exec(e.ctx); err != nil {
				t.Fatal(err)
			}
			_, plan := e.plan(t, usyncData("test", "email", r))
			want := []datasync.RecordChange{{UID: "1", Values: map[string]any{"nickname": r["nickname"], "email": "ann@x"},
				Reason: "the linked user no longer exists"}}
			if diff := cmp.Diff(want, plan.Creates); diff != "" {
				t.Errorf("round %d: plan creates (-want +got):\n%s", round, diff)
			}
			e.sync(t, r)
			u := e.user(t, "email", "ann@x")
			if u == nil || u.ID == old.ID || u.Nickname != r["nickname"] {
				t.Fatalf("round %d: user %+v (old id %d)", round, u, old.ID)
			}
			if got := e.link(t, "test", "1"); got != pkString(u.ID) {
				t.Errorf("round %d: link %q, want %d", round, got, u.ID)
			}
		}
	})
}

// TestUsersSyncUnchangedVanished: an unchanged record whose user was
// deleted by hand re-creates it; the others are skipped. The chunk's users
// are looked up by key range when their keys lie close together (a) and
// by list when hand-made users lie between them (b).
func TestUsersSyncUnchangedVanished(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		a := []datasync.Record{{"uid": "a1", "email": "a1@x"}, {"uid": "a2", "email": "a2@x"}, {"uid": "a3", "email": "a3@x"}}
		e.sync(t, a...)
		b := []datasync.Record{{"uid": "b1", "email": "b1@x"}}
		e.sync(t, b...)
		for i := range 5 {
			e.addUser(t, &users.User{Email: "hand" + strconv.Itoa(i) + "@x"})
		}
		b = append(b, datasync.Record{"uid": "b2", "email": "b2@x"})
		e.sync(t, b...)
		for name, recs := range map[string][]datasync.Record{"a": a, "b": b} {
			gone := recs[len(recs)-1]
			if _, err := db.NewDelete().Model(e.user(t, "email", gone["email"].(string))).WherePK().Exec(e.ctx); err != nil {
				t.Fatal(err)
			}
			_, plan := e.plan(t, usyncData("test", "email", recs...))
			want := []datasync.RecordChange{{UID: gone["uid"].(string), Values: map[string]any{"email": gone["email"]}, Reason: "the linked user no longer exists"}}
			if diff := cmp.Diff(want, plan.Creates); diff != "" || plan.Unchanged != len(recs)-1 || len(plan.Updates) != 0 {
				t.Errorf("%s: creates (-want +got):\n%s\nplan %+v", name, diff, plan)
			}
		}
	})
}

// TestUsersSyncUnlinkedDeleteTouchesNothing: an isDeleted record the
// source never synced deletes nothing, not even the user its email
// matches, and creates nothing.
func TestUsersSyncUnlinkedDeleteTouchesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		hand := e.addUser(t, &users.User{Nickname: "hand", Email: "hand@x"})
		res := e.sync(t, datasync.Record{"uid": "9", "nickname": "x", "email": "hand@x", "isDeleted": true})
		if res.Detail.Count.Failed != 0 {
			t.Errorf("result: %+v", res)
		}
		if u := e.user(t, "email", "hand@x"); u == nil || u.ID != hand.ID || u.Nickname != "hand" {
			t.Errorf("the hand-made user changed: %+v", u)
		}
		if n := e.count(t, (*users.User)(nil)); n != 1 {
			t.Errorf("%d users", n)
		}
		if e.link(t, "test", "9") != "" {
			t.Error("the record was linked to the hand-made user")
		}
	})
}

// TestUsersSyncAdoptLinkedFails: a user another source synced is not
// adopted: one user, one source record.
func TestUsersSyncAdoptLinkedFails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{SkipFailed: true})
		if _, err := e.m.UpdateOrCreate(e.ctx, usyncData("ldap", "", datasync.Record{"uid": "a", "nickname": "ann", "email": "ann@x"})); err != nil {
			t.Fatal(err)
		}
		res := e.sync(t, datasync.Record{"uid": "1", "nickname": "other", "email": "ann@x"})
		want := []datasync.FailedRecord{{
			Record:  datasync.Record{"uid": "1", "nickname": "other", "email": "ann@x"},
			Message: `uid "1": the user with the same email is already synced from another record`,
		}}
		if diff := cmp.Diff(want, res.Detail.FailedRecords); diff != "" {
			t.Errorf("failed records (-want +got):\n%s", diff)
		}
		if u := e.user(t, "email", "ann@x"); u.Nickname != "ann" || e.link(t, "test", "1") != "" {
			t.Errorf("the user was adopted: %+v", u)
		}
	})
}

// TestUsersSyncUniqueClash: a create or update that would give a user
// another user's username, email or phone fails, naming the uid and the
// field; by default nothing at all is written.
func TestUsersSyncUniqueClash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addUser(t, &users.User{Nickname: "hand", Username: "hand", Phone: "555"})
		e.sync(t, datasync.Record{"uid": "1", "nickname": "ann", "email": "ann@x"})
		cases := []struct {
			name string
			recs []datasync.Record
			msg  string
		}{
			{"create takes a hand-made user's username", []datasync.Record{{"uid": "2", "username": "hand"}},
				`uid "2": field "username" is already used by another user`},
			{"update takes a phone", []datasync.Record{{"uid": "1", "nickname": "ann", "email": "ann@x", "phone": json.Number("555")}},
				`uid "1": field "phone" is already used by another user`},
			{"create takes a synced user's email", []datasync.Record{{"uid": "3", "email": "ann@x"}},
				`uid "3": field "email" is already used by another user`},
			{"two records of one run", []datasync.Record{{"uid": "4", "email": "new@x"}, {"uid": "5", "email": "new@x"}},
				`uid "5": field "email" is already used by another user`},
		}
		for _, c := range cases {
			before := e.snapshot(t)
			_, err := e.m.UpdateOrCreate(e.ctx, usyncData("test", "", c.recs...))
			var failed *datasync.FailedError
			if !errors.As(err, &failed) || len(failed.Failures) != 1 || failed.Failures[0].Message != c.msg {
				t.Errorf("%s: error %v, want one failure %q", c.name, err, c.msg)
			}
			if diff := cmp.Diff(before, e.snapshot(t)); diff != "" {
				t.Errorf("%s: the directory changed (-before +after):\n%s", c.name, diff)
			}
		}
		if u := e.user(t, "email", "ann@x"); u.Phone != "" {
			t.Errorf("the update was written: %+v", u)
		}
	})
}

// TestUsersSyncSkipFailed: with SkipFailed the other records are written.
func TestUsersSyncSkipFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{UserModel: (*usyncMember)(nil)}, datasync.Options{SkipFailed: true})
		results, err := e.m.UpdateOrCreate(e.ctx, usyncData("test", "",
			datasync.Record{"uid": "1", "email": "a@x", "age": "thirty"},
			datasync.Record{"uid": "2", "email": "b@x"},
			datasync.Record{"uid": "3", "email": "b@x"},
		))
		if err != nil {
			t.Fatal(err)
		}
		res := results[0]
		want := []datasync.FailedRecord{
			{Record: datasync.Record{"uid": "1", "email": "a@x", "age": "thirty"}, Message: `uid "1": field "age": want a whole number, got a string`},
			{Record: datasync.Record{"uid": "3", "email": "b@x"}, Message: `uid "3": field "email" is already used by another user`, Err: datasync.ErrConflict},
		}
		if diff := cmp.Diff(want, res.Detail.FailedRecords, cmpopts.EquateErrors()); diff != "" {
			t.Errorf("failed records (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(datasync.SyncCount{All: 3, Success: 1, Failed: 2}, res.Detail.Count); diff != "" {
			t.Errorf("count (-want +got):\n%s", diff)
		}
		if e.count(t, (*usyncMember)(nil)) != 1 || e.link(t, "test", "2") == "" || e.link(t, "test", "3") != "" {
			t.Error("not exactly the good record was written")
		}
	})
}

// TestUsersSyncFields: unknown keys are ignored and listed, system fields
// are never written, and a wrong type fails the record naming the field.
func TestUsersSyncFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		rec := datasync.Record{
			"uid": "1", "nickname": "ann", "email": "ann@x", "id": json.Number("999"), "password": "secret1",
			"createdById": json.Number("5"), "updatedById": json.Number("5"), "appLang": "zh-CN",
			"resetToken": "tok", "systemSettings": map[string]any{"a": true}, "sort": json.Number("3"),
			"mainDepartmentId": json.Number("7"), "passwordChangeTz": json.Number("1"), "createdAt": "2020-01-01",
			"roles": []any{"admin"}, "title": "Dr", "departments": []any{},
		}
		_, plan := e.plan(t, usyncData("test", "email", rec))
		// "roles" is the roles resource's: the users resource omits it.
		if diff := cmp.Diff([]string{"title"}, plan.Ignored); diff != "" {
			t.Errorf("ignored (-want +got):\n%s", diff)
		}
		// The password is written hashed, and the plan only says so.
		if len(plan.Creates) != 1 || !cmp.Equal(plan.Creates[0].Values, map[string]any{"nickname": "ann", "email": "ann@x", "password": datasync.Redacted}) {
			t.Errorf("creates: %+v", plan.Creates)
		}
		delete(rec, "roles") // no such role
		e.sync(t, rec)
		u := e.user(t, "email", "ann@x")
		if systemFieldWritten(u) {
			t.Errorf("a system field was written: %+v", u)
		}
		if ok, err := users.CheckPassword(e.ctx, e.db, u, "secret1"); !ok || err != nil || u.Password == "secret1" {
			t.Errorf("the record's password does not verify (%v, %v)", ok, err)
		}

		_, err := e.m.UpdateOrCreate(e.ctx, usyncData("test", "email", datasync.Record{"uid": "1", "nickname": true}))
		var failed *datasync.FailedError
		if !errors.As(err, &failed) || failed.Failures[0].Message != `uid "1": field "nickname": want a string, got a boolean` {
			t.Errorf("wrong type: %v", err)
		}
	})
}

// systemFieldWritten reports whether a user created from a record that
// sets every system field has one of them from the record.
func systemFieldWritten(u *users.User) bool {
	return u.ID == 999 || u.CreatedByID != nil || u.UpdatedByID != nil || u.Enabled == nil || !*u.Enabled ||
		u.AppLang != "" || u.ResetToken != "" || u.SystemSettings != nil || u.MainDepartmentID != nil ||
		u.PasswordChangeTz != 0 || u.CreatedAt.Year() == 2020
}

// TestUsersSyncResyncUnchanged: the same data again writes no row.
func TestUsersSyncResyncUnchanged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		recs := []datasync.Record{
			{"uid": "1", "nickname": "ann", "email": "ann@x"},
			{"uid": "2", "nickname": "bob", "phone": json.Number("13800138000")},
			{"uid": "3", "isDeleted": true},
		}
		e.sync(t, recs...)
		before := e.writes.Load()
		_, plan := e.plan(t, usyncData("test", "email", recs...))
		if !plan.Empty() || plan.Unchanged != 3 {
			t.Errorf("plan: %+v", plan)
		}
		res := e.sync(t, recs...)
		if w := e.writes.Load() - before; w != 0 {
			t.Errorf("%d rows written", w)
		}
		if res.Detail.Count.Success != 3 {
			t.Errorf("result: %+v", res)
		}
		if u := e.user(t, "phone", "13800138000"); u == nil || u.Nickname != "bob" {
			t.Errorf("a phone sent as a number: %+v", u)
		}
	})
}

// TestUsersSyncMatchKeyUnsupported: a matchKey the resource cannot match
// by is a DataError.
func TestUsersSyncMatchKeyUnsupported(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		for _, run := range []func() error{
			func() error {
				_, err := e.m.Plan(e.ctx, usyncData("test", "nickname", datasync.Record{"uid": "1"}))
				return err
			},
			func() error {
				_, err := e.m.UpdateOrCreate(e.ctx, usyncData("test", "nickname", datasync.Record{"uid": "1"}))
				return err
			},
		} {
			err := run()
			var de *datasync.DataError
			if !errors.As(err, &de) || de.Message != "matchKey nickname is not supported: use uid, email, phone or username" {
				t.Errorf("error %v, want the DataError", err)
			}
		}
		if n := e.count(t, (*users.User)(nil)); n != 0 {
			t.Errorf("%d users", n)
		}
	})
}

// TestUsersSyncPlanApply plans a run that creates, updates, adopts,
// deletes, keeps, re-creates and fails users, whose records free and take
// each other's unique values, in chunks of every size: Apply must follow
// the dry run's plan exactly, and the rows must be what the plan says.
func TestUsersSyncPlanApply(t *testing.T) {
	type outcome struct {
		Creates, Updates, Deletes, Kept, Failed []string
		Unchanged                               int
	}
	wants := map[string]outcome{
		"email": {
			Creates: []string{"10", "11", "5", "14", "16"}, Updates: []string{"3", "1", "12"}, Deletes: []string{"2"},
			Kept: []string{"4"}, Failed: []string{"13", "15", "17"}, Unchanged: 1,
		},
		"": {
			Creates: []string{"10", "11", "5", "14", "16"}, Updates: []string{"3", "1"}, Deletes: []string{"2"},
			Kept: []string{"4"}, Failed: []string{"12", "13", "15", "17"}, Unchanged: 1,
		},
	}
	for _, matchKey := range []string{"email", ""} {
		for _, size := range []int{1, 2, 3, 1000} {
			t.Run("matchKey="+matchKey+"/chunk="+strconv.Itoa(size), func(t *testing.T) {
				dbtest.Each(t, func(t *testing.T, db *bun.DB) {
					e := newUsyncEnv(t, db, users.Options{}, datasync.Options{ChunkSize: size, SkipFailed: true})
					data := usyncPlanApplyFixture(t, e, matchKey)
					plan, rp := e.plan(t, data)
					got := outcome{Unchanged: rp.Unchanged}
					for _, l := range []struct {
						dst *[]string
						src []datasync.RecordChange
					}{{&got.Creates, rp.Creates}, {&got.Updates, rp.Updates}, {&got.Deletes, rp.Deletes}, {&got.Kept, rp.Kept}} {
						for _, ch := range l.src {
							*l.dst = append(*l.dst, ch.UID)
						}
					}
					for _, f := range rp.Failures {
						uid, _ := f.Record.UID()
						got.Failed = append(got.Failed, uid)
					}
					if diff := cmp.Diff(wants[matchKey], got); diff != "" {
						t.Errorf("plan (-want +got):\n%s", diff)
					}
					if _, err := e.m.Apply(e.ctx, plan); err != nil {
						t.Fatalf("apply: %v", err)
					}
					e.wantPlanApplied(t, rp)
				})
			})
		}
	}
}

// usyncPlanApplyFixture syncs a directory as source "test" and returns
// the next run's data.
func usyncPlanApplyFixture(t *testing.T, e *usyncEnv, matchKey string) datasync.UserData {
	t.Helper()
	first := []datasync.Record{
		{"uid": "1", "nickname": "a", "email": "a@x"},
		{"uid": "2", "nickname": "b", "email": "r@x"},
		{"uid": "3", "nickname": "c", "email": "x@x"},
		{"uid": "4", "nickname": "root", "email": "root@x"},
		{"uid": "5", "nickname": "v", "email": "v@x"},
	}
	if _, err := e.m.UpdateOrCreate(e.ctx, usyncData("test", "", first...)); err != nil {
		t.Fatal(err)
	}
	root := e.user(t, "email", "root@x")
	if _, err := e.db.NewInsert().Model(&users.RoleUser{UserID: root.ID, RoleName: users.RootRole}).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.NewDelete().Model(e.user(t, "email", "v@x")).WherePK().Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.addUser(t, &users.User{Nickname: "h", Email: "h@x"})
	return usyncData("test", matchKey,
		datasync.Record{"uid": "2", "isDeleted": true},                  // frees r@x
		datasync.Record{"uid": "3", "nickname": "c", "email": "y@x"},    // frees x@x
		datasync.Record{"uid": "10", "nickname": "n", "email": "r@x"},   // takes r@x
		datasync.Record{"uid": "11", "nickname": "m", "email": "x@x"},   // takes x@x
		datasync.Record{"uid": "1", "nickname": "a2", "email": "a@x"},   // update
		datasync.Record{"uid": "4", "isDeleted": true},                  // root: kept
		datasync.Record{"uid": "5", "nickname": "v2", "email": "v@x"},   // vanished: re-created
		datasync.Record{"uid": "12", "nickname": "h2", "email": "h@x"},  // adopts the hand-made user (matchKey email)
		datasync.Record{"uid": "13", "nickname": "h3", "email": "h@x"},  // fails: 12 has it
		datasync.Record{"uid": "14", "email": "new@x"},                  // create
		datasync.Record{"uid": "15", "email": "new@x"},                  // fails: 14 has it
		datasync.Record{"uid": "16", "username": "u16", "phone": "1"},   // create
		datasync.Record{"uid": "9", "email": "h@x", "isDeleted": true},  // not linked: nothing
		datasync.Record{"uid": "17", "nickname": "dup", "email": "a@x"}, // fails: 1 has it
	)
}

// wantValues checks that user pk has the values of a planned change.
func (e *usyncEnv) wantValues(t *testing.T, what string, ch datasync.RecordChange, pk string) {
	t.Helper()
	u := e.user(t, "id", pk)
	if u == nil {
		t.Errorf("%s uid %s: no user %s", what, ch.UID, pk)
		return
	}
	got := map[string]any{"nickname": u.Nickname, "email": u.Email, "username": u.Username, "phone": u.Phone}
	for k, v := range ch.Values {
		if got[k] != v {
			t.Errorf("%s uid %s: %s = %v, want %v", what, ch.UID, k, got[k], v)
		}
	}
}

// wantPlanApplied checks the rows against the plan the run applied.
func (e *usyncEnv) wantPlanApplied(t *testing.T, rp datasync.ResourcePlan) {
	t.Helper()
	for _, ch := range rp.Creates {
		e.wantValues(t, "create", ch, e.link(t, "test", ch.UID))
	}
	for _, ch := range rp.Updates {
		if pk := e.link(t, "test", ch.UID); pk != ch.PK {
			t.Errorf("update uid %s: linked to %q, want %q", ch.UID, pk, ch.PK)
		}
		e.wantValues(t, "update", ch, ch.PK)
	}
	for _, ch := range rp.Deletes {
		if e.user(t, "id", ch.PK) != nil || e.link(t, "test", ch.UID) != "" {
			t.Errorf("delete uid %s: the user or its link is still there", ch.UID)
		}
	}
	for _, ch := range rp.Kept {
		if e.user(t, "id", ch.PK) == nil || e.link(t, "test", ch.UID) != ch.PK {
			t.Errorf("kept uid %s: the user or its link is gone", ch.UID)
		}
	}
	for _, f := range rp.Failures {
		if uid, _ := f.Record.UID(); e.link(t, "test", uid) != "" {
			t.Errorf("failed uid %s is linked", uid)
		}
	}
	if n := e.count(t, (*users.User)(nil)); n != 9 {
		t.Errorf("%d users, want 9", n)
	}
}

// TestUsersSyncConcurrentPlans: dry runs of the same records at the same
// time each plan as one alone does.
func TestUsersSyncConcurrentPlans(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{ChunkSize: 2, SkipFailed: true})
		data := usyncPlanApplyFixture(t, e, "email")
		alone, _ := e.plan(t, data)
		plans := make([]*datasync.Plan, 4)
		errs := make([]error, len(plans))
		done := make(chan int)
		for i := range plans {
			go func() {
				plans[i], errs[i] = e.m.Plan(e.ctx, data)
				done <- i
			}()
		}
		for range plans {
			<-done
		}
		for i, p := range plans {
			if errs[i] != nil {
				t.Errorf("plan %d: %v", i, errs[i])
				continue
			}
			if diff := cmp.Diff(alone.Resources, p.Resources); diff != "" {
				t.Errorf("plan %d differs from one made alone (-alone +concurrent):\n%s", i, diff)
			}
		}
		if _, err := e.m.Apply(e.ctx, plans[0]); err != nil {
			t.Errorf("apply: %v", err)
		}
	})
}

// usyncStatusMember has a NOT NULL column with a default.
type usyncStatusMember struct {
	users.User `bun:",extend"`
	Status     string `bun:"status,notnull,default:'active'"`
}

// TestUsersSyncCreateDefaults: each created user gets the value its
// record gives, whatever the other records of the chunk give, and the
// column's default when its record gives none (on SQLite, bun leaves a
// column out of a bulk insert when the first row's value is zero).
func TestUsersSyncCreateDefaults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{UserModel: (*usyncStatusMember)(nil)}, datasync.Options{})
		e.sync(t,
			datasync.Record{"uid": "1", "email": "a@x"},
			datasync.Record{"uid": "2", "email": "b@x", "status": "gone"},
			datasync.Record{"uid": "3", "email": "c@x"},
			datasync.Record{"uid": "4", "email": "d@x", "status": "away"},
		)
		var ms []usyncStatusMember
		if err := db.NewSelect().Model(&ms).Order("email").Scan(e.ctx); err != nil {
			t.Fatal(err)
		}
		var got []string
		for i, m := range ms {
			got = append(got, m.Email+" "+m.Status)
			if uid := strconv.Itoa(i + 1); e.link(t, "test", uid) != pkString(m.ID) {
				t.Errorf("user %s is not linked to record %s", m.Email, uid)
			}
		}
		if diff := cmp.Diff([]string{"a@x active", "b@x gone", "c@x active", "d@x away"}, got); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
	})
}

// TestUsersSyncEnabled: a record's "enabled" (a source's disable field)
// is written when given and left alone when not; a root user is never
// disabled, and the plan says so.
func TestUsersSyncEnabled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.sync(t, datasync.Record{"uid": "1", "nickname": "ann", "email": "ann@x", "enabled": false},
			datasync.Record{"uid": "2", "nickname": "bob", "email": "bob@x"},
			datasync.Record{"uid": "3", "nickname": "root", "email": "root@x"})
		enabled := func(email string) bool {
			t.Helper()
			u := e.user(t, "email", email)
			return u.Enabled != nil && *u.Enabled
		}
		if enabled("ann@x") || !enabled("bob@x") {
			t.Fatalf("after a first sync: ann enabled %v (want false), bob %v (want true)", enabled("ann@x"), enabled("bob@x"))
		}
		root := e.user(t, "email", "root@x")
		if _, err := db.NewInsert().Model(&users.RoleUser{UserID: root.ID, RoleName: users.RootRole}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		// Ann's record no longer says: she stays disabled. Bob and the
		// root user are disabled by the source.
		recs := []datasync.Record{
			{"uid": "1", "nickname": "ann", "email": "ann@x"},
			{"uid": "2", "nickname": "bob", "email": "bob@x", "enabled": false},
			{"uid": "3", "nickname": "root", "email": "root@x", "enabled": false},
		}
		_, plan := e.plan(t, usyncData("test", "email", recs...))
		want := []datasync.RecordChange{{UID: "3", PK: strconv.FormatInt(root.ID, 10), Reason: "a root user is never disabled"}}
		if diff := cmp.Diff(want, plan.Kept); diff != "" {
			t.Errorf("kept (-want +got):\n%s", diff)
		}
		if len(plan.Updates) != 1 || plan.Updates[0].UID != "2" || plan.Updates[0].Values["enabled"] != false {
			t.Errorf("updates: %+v, want bob disabled", plan.Updates)
		}
		e.sync(t, recs...)
		if enabled("ann@x") || enabled("bob@x") || !enabled("root@x") {
			t.Fatalf("ann enabled %v, bob %v (want both false), root %v (want true)", enabled("ann@x"), enabled("bob@x"), enabled("root@x"))
		}

		// A hand-made root user is never adopted, so never disabled either.
		admin := &users.User{Nickname: "admin", Email: "admin@x"}
		if _, err := db.NewInsert().Model(admin).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewInsert().Model(&users.RoleUser{UserID: admin.ID, RoleName: users.RootRole}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		_, err := e.m.UpdateOrCreate(e.ctx, usyncData("test", "email", append(recs, datasync.Record{"uid": "9", "nickname": "admin", "email": "admin@x", "enabled": false})...))
		var failed *datasync.FailedError
		if !errors.As(err, &failed) || failed.Failures[0].Message != `uid "9": the user with the same email is a root user and is never adopted` {
			t.Fatalf("adopting a root user: %v", err)
		}
		if !enabled("admin@x") || e.link(t, "test", "9") != "" {
			t.Fatal("a root user was adopted")
		}
	})
}
