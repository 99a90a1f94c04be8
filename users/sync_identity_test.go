package users_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// identityLog collects the manager's logs.
type identityLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *identityLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *identityLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// partsSource is a real datasync.Source whose read is its parts.
type partsSource []datasync.UserData

func (s partsSource) Pull(_ context.Context, emit func(datasync.UserData) error) error {
	for _, d := range s {
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

// addSourceRow stores a source row with options: the policy of pushes
// from that source name.
func (e *usyncEnv) addSourceRow(t *testing.T, name string, options map[string]any) {
	t.Helper()
	row := &datasync.SyncSource{Name: name, SourceType: "api", Enabled: true, Options: options}
	if _, err := e.db.NewInsert().Model(row).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
}

func (e *usyncEnv) adoptions(t *testing.T) []datasync.SyncAdoption {
	t.Helper()
	var rows []datasync.SyncAdoption
	if err := e.db.NewSelect().Model(&rows).Order("resourcePk").Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	return rows
}

// adoptionKeys are the adoptions as "resource/pk source/uid".
func (e *usyncEnv) adoptionKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	for _, a := range e.adoptions(t) {
		if a.CreatedAt.IsZero() {
			t.Errorf("adoption %+v has no time", a)
		}
		keys = append(keys, a.Resource+"/"+a.ResourcePk+" "+a.SourceName+"/"+a.UID)
	}
	return keys
}

// adoptEnv is a directory with two sources that adopt by email ("hr",
// "crm") and two hand-made users; logs collects the manager's logs.
func adoptEnv(t *testing.T, db *bun.DB) (e *usyncEnv, logs *identityLog, ann, bob *users.User) {
	t.Helper()
	logs = &identityLog{}
	e = newUsyncEnv(t, db, users.Options{}, datasync.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	e.addSourceRow(t, "hr", map[string]any{"adopt": "email"})
	e.addSourceRow(t, "crm", map[string]any{"adopt": "email"})
	ann = e.addUser(t, &users.User{Nickname: "ann", Email: "ann@x"})
	bob = e.addUser(t, &users.User{Nickname: "bob", Email: "bob@x"})
	return e, logs, ann, bob
}

func (e *usyncEnv) push(t *testing.T, source string, recs ...datasync.Record) error {
	t.Helper()
	_, err := e.m.UpdateOrCreate(e.ctx, usyncData(source, "", recs...))
	return err
}

// TestSyncIdentityAdopt: "adopt": "email" takes over a hand-made user:
// the plan says so, applying it records a SyncAdoption and logs it (never
// the values).
func TestSyncIdentityAdopt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e, logs, ann, _ := adoptEnv(t, db)
		plan, err := e.m.Plan(e.ctx, usyncData("hr", "", datasync.Record{"uid": "1", "nickname": "Ann", "email": "ann@x"}))
		if err != nil {
			t.Fatal(err)
		}
		want := []datasync.RecordChange{{UID: "1", PK: pkString(ann.ID), Values: map[string]any{"nickname": "Ann"},
			Previous: map[string]any{"nickname": "ann"}, Reason: "adopts the existing user with the same email", Adopted: true}}
		if diff := cmp.Diff(want, plan.Resources[0].Updates); diff != "" || plan.MatchKey != "email" {
			t.Fatalf("plan updates (-want +got):\n%s\nmatchKey %q", diff, plan.MatchKey)
		}
		if got := e.adoptions(t); len(got) != 0 {
			t.Fatalf("a plan recorded adoptions: %+v", got)
		}
		if _, err := e.m.Apply(e.ctx, plan); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"users/" + pkString(ann.ID) + " hr/1"}, e.adoptionKeys(t)); diff != "" {
			t.Fatalf("adoptions (-want +got):\n%s", diff)
		}
		if u := e.user(t, "email", "ann@x"); u.ID != ann.ID || u.Nickname != "Ann" || e.link(t, "hr", "1") != pkString(ann.ID) {
			t.Fatalf("ann = %+v, link %q", u, e.link(t, "hr", "1"))
		}
		line := "msg=\"datasync: adopted an existing row\" source=hr uid=1 resource=users pk=" + pkString(ann.ID)
		if log := logs.String(); !strings.Contains(log, line) || strings.Contains(log, "ann@x") {
			t.Fatalf("logs lack %q or show the email:\n%s", line, log)
		}
	})
}

// TestSyncIdentityAdoptLinked: a user a record of another source links
// to is never adopted.
func TestSyncIdentityAdoptLinked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e, _, _, _ := adoptEnv(t, db)
		if err := e.push(t, "hr", datasync.Record{"uid": "1", "email": "ann@x"}); err != nil {
			t.Fatal(err)
		}
		err := e.push(t, "crm", datasync.Record{"uid": "c1", "nickname": "x", "email": "ann@x"})
		var failed *datasync.FailedError
		if !errors.As(err, &failed) || failed.Failures[0].Message != `uid "c1": the user with the same email is already synced from another record` {
			t.Fatalf("crm adopting ann: err = %v", err)
		}
		if got := e.adoptionKeys(t); len(got) != 1 || !strings.Contains(got[0], " hr/1") {
			t.Fatalf("adoptions = %v, want hr's only", got)
		}
	})
}

// TestSyncIdentityAdoptionForgotten: an adopted user deleted by its source,
// or deleted by hand and re-created by its record, is no longer adopted;
// other adoptions stay.
func TestSyncIdentityAdoptionForgotten(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e, _, _, bob := adoptEnv(t, db)
		if err := e.push(t, "hr", datasync.Record{"uid": "1", "email": "ann@x"}, datasync.Record{"uid": "2", "email": "bob@x"}); err != nil {
			t.Fatal(err)
		}
		if err := e.push(t, "hr", datasync.Record{"uid": "1", "isDeleted": true}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"users/" + pkString(bob.ID) + " hr/2"}, e.adoptionKeys(t)); diff != "" || e.user(t, "email", "ann@x") != nil {
			t.Fatalf("adoptions after deleting ann (-want +got):\n%s", diff)
		}
		if _, err := e.db.NewDelete().Model((*users.User)(nil)).Where("? = ?", bun.Ident("id"), bob.ID).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.push(t, "hr", datasync.Record{"uid": "2", "email": "bob@x", "nickname": "Bob"}); err != nil {
			t.Fatal(err)
		}
		if got := e.adoptionKeys(t); len(got) != 0 || e.user(t, "email", "bob@x") == nil {
			t.Fatalf("adoptions after re-creating bob = %v", got)
		}
	})
}

// TestSyncIdentityBlockSoftMatch: a source that blocks soft matching
// refuses a push's matchKey (HTTP 400) and writes nothing; "uid" is fine.
func TestSyncIdentityBlockSoftMatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addSourceRow(t, "hr", map[string]any{"blockSoftMatch": true})
		e.addUser(t, &users.User{Nickname: "ann", Email: "ann@x"})
		_, err := e.m.UpdateOrCreate(e.ctx, usyncData("hr", "email", datasync.Record{"uid": "1", "email": "ann@x"}))
		var de *datasync.DataError
		if !errors.As(err, &de) || de.Error() != `source "hr" blocks soft matching: matchKey "email" is refused (remove the matchKey from the push or the source type's options, or turn blockSoftMatch off)` || de.HTTPStatus() != http.StatusBadRequest {
			t.Fatalf("err = %v, want the blockSoftMatch DataError", err)
		}
		if n := e.count(t, (*datasync.SyncRecord)(nil)); n != 0 || e.link(t, "hr", "1") != "" {
			t.Fatalf("%d sync records written", n)
		}
		// "uid" never adopts: the record creates a user.
		_, err = e.m.UpdateOrCreate(e.ctx, usyncData("hr", "uid", datasync.Record{"uid": "1", "nickname": "x", "username": "x"}))
		if err != nil || e.user(t, "username", "x") == nil {
			t.Fatalf("matchKey uid: err = %v", err)
		}
	})
}

// TestSyncIdentityRenameByID: under ID identity a renamed username is the
// same user, with its roles.
func TestSyncIdentityRenameByID(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		if _, err := e.m.UpdateOrCreate(e.ctx, usyncData("hr", "", datasync.Record{"uid": "7", "username": "ann"})); err != nil {
			t.Fatal(err)
		}
		ann := e.user(t, "username", "ann")
		if _, err := e.db.NewInsert().Model(&users.RoleUser{UserID: ann.ID, RoleName: "member"}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.m.UpdateOrCreate(e.ctx, usyncData("hr", "", datasync.Record{"uid": "7", "username": "anne"})); err != nil {
			t.Fatal(err)
		}
		if u := e.user(t, "username", "anne"); u == nil || u.ID != ann.ID || e.count(t, (*users.User)(nil)) != 1 {
			t.Fatalf("renamed user = %+v, want id %d", u, ann.ID)
		}
		var roles []string
		if err := e.db.NewSelect().Model((*users.RoleUser)(nil)).Column("roleName").Where("? = ?", bun.Ident("userId"), ann.ID).Scan(e.ctx, &roles); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"member"}, roles); diff != "" {
			t.Fatalf("roles (-want +got):\n%s", diff)
		}

		// One ID, one name: two uids with one username in a push fail,
		// naming both, before anything is written.
		_, err := e.m.UpdateOrCreate(e.ctx, usyncData("hr", "", datasync.Record{"uid": "8", "username": "bo"}, datasync.Record{"uid": "9", "username": "bo"}))
		var de *datasync.DataError
		if !errors.As(err, &de) || de.Message != `uids "8" and "9" have the same username (records[0] and records[1]): one ID, one name` {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestSyncIdentityUsername: under username identity a renamed username is
// a new user. A push leaves the old one; a complete pull deletes it
// (onMissing: delete).
func TestSyncIdentityUsername(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addSourceRow(t, "api", map[string]any{"identity": map[string]any{"user": "username"}})
		for _, name := range []string{"ann", "anne"} {
			if _, err := e.m.UpdateOrCreate(e.ctx, usyncData("api", "", datasync.Record{"uid": "7", "username": name, "nickname": name})); err != nil {
				t.Fatal(err)
			}
		}
		if e.user(t, "username", "ann") == nil || e.user(t, "username", "anne") == nil || e.link(t, "api", "anne") == "" {
			t.Fatal("a pushed rename did not make a second user, keeping the first")
		}

		pol := datasync.DefaultPolicy()
		pol.UserIdentity, pol.OnMissing = datasync.IdentityUsername, datasync.MissingDelete
		for _, name := range []string{"bob", "bobby"} {
			// dan stays: a rename is not the loss of every synced user.
			src := partsSource{usyncData("", "", datasync.Record{"uid": "8", "username": name}, datasync.Record{"uid": "10", "username": "dan"})}
			if _, err := e.m.RunSource(e.ctx, "hr", src, datasync.RunSourceOptions{Policy: pol}); err != nil {
				t.Fatal(err)
			}
		}
		if e.user(t, "username", "bob") != nil || e.user(t, "username", "bobby") == nil {
			t.Fatal("a pulled rename did not replace the user")
		}
	})
}

// TestSyncIdentityDepartmentName: under name identity departments are
// their titles; a pull's users name them by the source's ids, in a later
// part, and join them.
func TestSyncIdentityDepartmentName(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		pol := datasync.DefaultPolicy()
		pol.DepartmentIdentity = datasync.IdentityName
		src := partsSource{
			{DataType: datasync.DataTypeDepartment, Records: []datasync.Record{
				{"uid": "d2", "title": "Sales", "parentUid": "d1"},
				{"uid": "d1", "title": "HQ"},
			}},
			usyncData("", "", datasync.Record{"uid": "u1", "username": "ann", "departments": []any{"d2"}}),
		}
		if _, err := e.m.RunSource(e.ctx, "hr", src, datasync.RunSourceOptions{Policy: pol}); err != nil {
			t.Fatal(err)
		}
		var ds []users.Department
		if err := e.db.NewSelect().Model(&ds).Order("title").Scan(e.ctx); err != nil {
			t.Fatal(err)
		}
		if len(ds) != 2 || ds[0].Title != "HQ" || ds[1].Title != "Sales" || ds[1].ParentID == nil || *ds[1].ParentID != ds[0].ID {
			t.Fatalf("departments = %+v", ds)
		}
		var uks []string
		if err := e.db.NewSelect().Model((*datasync.SyncRecord)(nil)).Column("sourceUk").
			Where("? = ?", bun.Ident("dataType"), datasync.DataTypeDepartment).Order("sourceUk").Scan(e.ctx, &uks); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"HQ", "Sales"}, uks); diff != "" {
			t.Fatalf("department sync records (-want +got):\n%s", diff)
		}
		ann := e.user(t, "username", "ann")
		n, err := e.db.NewSelect().Model((*users.DepartmentUser)(nil)).
			Where("? = ? AND ? = ?", bun.Ident("userId"), ann.ID, bun.Ident("departmentId"), ds[1].ID).Count(e.ctx)
		if err != nil || n != 1 {
			t.Fatalf("ann's membership of Sales: %d, %v", n, err)
		}
	})
}
