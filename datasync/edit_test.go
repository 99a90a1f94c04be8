package datasync_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// edit runs fn in an Edit of the fixture's source "hr".
func (f *dirFixture) edit(t *testing.T, fn func(ctx context.Context, e *datasync.Editor) error) error {
	t.Helper()
	return f.m.Edit(context.Background(), "hr", fn)
}

// editPush pushes data in an Edit of its own and fails the test on error.
func (f *dirFixture) editPush(t *testing.T, data ...datasync.UserData) {
	t.Helper()
	err := f.edit(t, func(ctx context.Context, e *datasync.Editor) error {
		for _, d := range data {
			if _, err := e.Push(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("edit push: %v", err)
	}
}

// remove removes uids of dataType in an Edit of its own.
func (f *dirFixture) remove(t *testing.T, dataType datasync.DataType, uids ...string) ([]datasync.SyncResult, error) {
	t.Helper()
	var results []datasync.SyncResult
	err := f.edit(t, func(ctx context.Context, e *datasync.Editor) error {
		var err error
		results, err = e.Remove(ctx, dataType, uids...)
		return err
	})
	return results, err
}

// stored lists the uids StoredRecords returns for the query's source "hr".
func (f *dirFixture) stored(t *testing.T, q datasync.RecordQuery) []string {
	t.Helper()
	q.SourceName = "hr"
	recs, err := f.m.StoredRecords(context.Background(), f.db, q)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, r := range recs {
		out = append(out, r.SourceUk)
	}
	return out
}

// syncRecords counts the sync records and their links.
func (f *dirFixture) syncRecords(t *testing.T) (records, links int64) {
	t.Helper()
	ctx := context.Background()
	n, err := f.db.NewSelect().Model((*datasync.SyncRecord)(nil)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.db.NewSelect().Model((*datasync.SyncRecordResource)(nil)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n, l
}

func userData(recs ...datasync.Record) datasync.UserData {
	return datasync.UserData{DataType: datasync.DataTypeUser, Records: recs}
}

func deptData(recs ...datasync.Record) datasync.UserData {
	return datasync.UserData{DataType: datasync.DataTypeDepartment, Records: recs}
}

// Departments and then users pushed in one Edit commit together: the
// users' memberships find the departments the same edit wrote, and the
// edit reads its own writes through its transaction.
func TestEditCommitsPushesTogether(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, map[string]any{"onMissing": "delete"})
		var inside []string
		err := f.edit(t, func(ctx context.Context, e *datasync.Editor) error {
			if got := e.Policy().OnMissing; got != datasync.MissingDelete {
				t.Errorf("Policy().OnMissing = %q, want delete", got)
			}
			res, err := e.Push(ctx, deptData(datasync.Record{"uid": "d1", "title": "Sales"}))
			if err != nil {
				return err
			}
			if want := (datasync.SyncCount{All: 1, Success: 1}); res[0].Detail.Count != want {
				t.Errorf("departments count = %+v, want %+v", res[0].Detail.Count, want)
			}
			if _, err := e.Push(ctx, userData(person("1", "d1"), person("2"))); err != nil {
				return err
			}
			recs, err := f.m.StoredRecords(ctx, e.DB(), datasync.RecordQuery{SourceName: "hr", DataType: datasync.DataTypeUser})
			for _, r := range recs {
				inside = append(inside, r.SourceUk)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"1", "2"}, inside); diff != "" {
			t.Errorf("users read inside the edit (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"1>Sales"}, f.memberships(t)); diff != "" {
			t.Errorf("memberships (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(states([]string{"1", "2"}, nil), f.enabled(t)); diff != "" {
			t.Errorf("users (-want +got):\n%s", diff)
		}
		if recs, links := f.syncRecords(t); recs != 3 || links != 4 {
			t.Errorf("%d sync records with %d links, want 3 with 4 (users, departments and a membership link)", recs, links)
		}
	})
}

// An error from fn, or a failed record, rolls the whole edit back: users,
// departments and sync records.
func TestEditRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, nil)
		ctx := context.Background()
		var hand int64
		if _, err := db.NewInsert().Model(&users.User{Username: "hand"}).Returning("id").Exec(ctx, &hand); err != nil {
			t.Fatal(err)
		}
		errStop := errors.New("stop")
		err := f.edit(t, func(ctx context.Context, e *datasync.Editor) error {
			if _, err := e.Push(ctx, deptData(datasync.Record{"uid": "d1", "title": "Sales"})); err != nil {
				return err
			}
			if _, err := e.Push(ctx, userData(person("1", "d1"))); err != nil {
				return err
			}
			return errStop
		})
		if !errors.Is(err, errStop) {
			t.Fatalf("Edit = %v, want fn's error", err)
		}
		err = f.edit(t, func(ctx context.Context, e *datasync.Editor) error {
			if _, err := e.Push(ctx, deptData(datasync.Record{"uid": "d1", "title": "Sales"})); err != nil {
				return err
			}
			_, err := e.Push(ctx, userData(person("1", "d1"), person("hand")))
			return err
		})
		var failed *datasync.FailedError
		if !errors.As(err, &failed) || failed.Failures[0].Message != `uid "hand": field "username" is already used by another user` {
			t.Fatalf("Edit = %v, want the failed record", err)
		}
		if diff := cmp.Diff(map[string]bool{"hand": true}, f.enabled(t)); diff != "" {
			t.Errorf("users (-want +got):\n%s", diff)
		}
		if got := f.departments(t); len(got) != 0 {
			t.Errorf("departments = %q, want none", got)
		}
		if recs, links := f.syncRecords(t); recs != 0 || links != 0 {
			t.Errorf("%d sync records with %d links, want none", recs, links)
		}
	})
}

// Remove under "disable" disables and marks a user at once, as a pull that
// no longer has it does; it is then invisible to StoredRecords unless
// IncludeMissing, cannot be removed again, and comes back with a Push.
// Departments are marked and kept.
func TestEditRemoveDisable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, nil)
		f.editPush(t, deptData(datasync.Record{"uid": "d1", "title": "Sales"}), userData(person("1", "d1"), person("2", "d1")))
		before := time.Now().UTC().Add(-time.Second).Truncate(time.Second)
		results, err := f.remove(t, datasync.DataTypeUser, "2")
		if err != nil {
			t.Fatal(err)
		}
		if len(results) == 0 || results[0].Resource != "users" || results[0].Detail.Count != (datasync.SyncCount{All: 1, Success: 1}) {
			t.Errorf("results = %+v, want the users resource's one success first", results)
		}
		if diff := cmp.Diff(states([]string{"1"}, []string{"2"}), f.enabled(t)); diff != "" {
			t.Errorf("users (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"1>Sales", "2>Sales"}, f.memberships(t)); diff != "" {
			t.Errorf("memberships, kept (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"1"}, f.stored(t, datasync.RecordQuery{DataType: datasync.DataTypeUser})); diff != "" {
			t.Errorf("stored users (-want +got):\n%s", diff)
		}
		all, err := f.m.StoredRecords(context.Background(), db, datasync.RecordQuery{SourceName: "hr", DataType: datasync.DataTypeUser, IncludeMissing: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].MissingSince != "" || all[1].SourceUk != "2" || all[1].MetaData["enabled"] != false || all[1].MetaData["nickname"] != "N2" {
			t.Fatalf("stored users with the missing = %+v, want 1, then 2 disabled and marked", all)
		}
		since, err := time.Parse(time.RFC3339, all[1].MissingSince)
		if err != nil || since.Before(before) || since.After(time.Now().UTC()) || all[1].MetaData[datasync.MissingSinceKey] != all[1].MissingSince {
			t.Errorf("MissingSince = %q (%v), want about now and the metaData's mark", all[1].MissingSince, err)
		}
		_, err = f.remove(t, datasync.DataTypeUser, "2")
		if !errors.Is(err, datasync.ErrRecordNotFound) || err.Error() != `datasync: source "hr" has no user record "2"` {
			t.Errorf("removing 2 again = %v, want ErrRecordNotFound", err)
		}
		// 2 comes back without an "enabled" of its own.
		f.editPush(t, userData(person("2", "d1")))
		if diff := cmp.Diff(states([]string{"1", "2"}, nil), f.enabled(t)); diff != "" {
			t.Errorf("users after 2 came back (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"1", "2"}, f.stored(t, datasync.RecordQuery{DataType: datasync.DataTypeUser})); diff != "" {
			t.Errorf("stored users after 2 came back (-want +got):\n%s", diff)
		}
		if rec := f.record(t, datasync.DataTypeUser, "2"); rec.MetaData["enabled"] != true {
			t.Errorf("sync record of 2 = %v, want enabled and unmarked", rec.MetaData)
		}
		// A department is marked and kept, with its memberships.
		if _, err := f.remove(t, datasync.DataTypeDepartment, "d1"); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"Sales"}, f.departments(t)); diff != "" {
			t.Errorf("departments (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"1>Sales", "2>Sales"}, f.memberships(t)); diff != "" {
			t.Errorf("memberships (-want +got):\n%s", diff)
		}
		if got := f.stored(t, datasync.RecordQuery{DataType: datasync.DataTypeDepartment}); len(got) != 0 {
			t.Errorf("stored departments = %q, want none: d1 is missing", got)
		}
	})
}

// Remove names a live record or fails with ErrRecordNotFound (404),
// writing nothing, whatever the other uids.
func TestEditRemoveNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, nil)
		f.editPush(t, userData(person("1")))
		_, err := f.remove(t, datasync.DataTypeUser, "1", "zz")
		var status interface{ HTTPStatus() int }
		if !errors.Is(err, datasync.ErrRecordNotFound) || !errors.As(err, &status) || status.HTTPStatus() != http.StatusNotFound ||
			err.Error() != `datasync: source "hr" has no user record "zz"` {
			t.Fatalf("Remove(1, zz) = %v, want ErrRecordNotFound for zz, 404", err)
		}
		if diff := cmp.Diff(states([]string{"1"}, nil), f.enabled(t)); diff != "" {
			t.Errorf("users (-want +got):\n%s", diff)
		}
		// A uid of the other data type is not the record.
		if _, err := f.remove(t, datasync.DataTypeDepartment, "1"); !errors.Is(err, datasync.ErrRecordNotFound) {
			t.Errorf("Remove(department 1) = %v, want ErrRecordNotFound", err)
		}
		var dataErr *datasync.DataError
		if _, err := f.remove(t, "group", "1"); !errors.As(err, &dataErr) || dataErr.Message != `dataType must be user or department, got "group"` {
			t.Errorf("Remove(group) = %v, want a DataError", err)
		}
		if results, err := f.remove(t, datasync.DataTypeUser); results != nil || err != nil {
			t.Errorf("Remove() = %v, %v, want nothing", results, err)
		}
	})
}

// Remove under "delete" deletes the user, and its record leaves
// StoredRecords (it has no link left), missing or not.
func TestEditRemoveDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, map[string]any{"onMissing": "delete"})
		f.editPush(t, userData(person("1"), person("2")))
		if _, err := f.remove(t, datasync.DataTypeUser, "2"); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(states([]string{"1"}, nil), f.enabled(t)); diff != "" {
			t.Errorf("users (-want +got):\n%s", diff)
		}
		if !f.record(t, datasync.DataTypeUser, "2").MetaData.IsDeleted() {
			t.Error("the sync record of 2 is not deleted")
		}
		if diff := cmp.Diff([]string{"1"}, f.stored(t, datasync.RecordQuery{DataType: datasync.DataTypeUser, IncludeMissing: true})); diff != "" {
			t.Errorf("stored users (-want +got):\n%s", diff)
		}
		if _, err := f.remove(t, datasync.DataTypeUser, "2"); !errors.Is(err, datasync.ErrRecordNotFound) {
			t.Errorf("removing 2 again = %v, want ErrRecordNotFound", err)
		}
	})
}

// Remove under "keep" writes nothing and returns no results.
func TestEditRemoveKeep(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, map[string]any{"onMissing": "keep"})
		f.editPush(t, userData(person("1")))
		before := f.record(t, datasync.DataTypeUser, "1")
		results, err := f.remove(t, datasync.DataTypeUser, "1")
		if results != nil || err != nil {
			t.Fatalf("Remove = %v, %v, want nothing", results, err)
		}
		after := f.record(t, datasync.DataTypeUser, "1")
		if !cmp.Equal(before.MetaData, after.MetaData) || !before.UpdatedAt.Equal(after.UpdatedAt) {
			t.Errorf("the sync record changed: %v → %v", before.MetaData, after.MetaData)
		}
		if diff := cmp.Diff(states([]string{"1"}, nil), f.enabled(t)); diff != "" {
			t.Errorf("users (-want +got):\n%s", diff)
		}
	})
}

// A root user is never disabled or deleted by Remove.
func TestEditRemoveRoot(t *testing.T) {
	for _, onMissing := range []string{"disable", "delete"} {
		t.Run(onMissing, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				f := newDirFixture(t, db, map[string]any{"onMissing": onMissing})
				f.editPush(t, userData(person("1"), person("root")))
				ctx := context.Background()
				var root users.User
				if err := db.NewSelect().Model(&root).Where("username = 'root'").Scan(ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := db.NewInsert().Model(&users.RoleUser{UserID: root.ID, RoleName: users.RootRole}).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := f.remove(t, datasync.DataTypeUser, "1", "root"); err != nil {
					t.Fatal(err)
				}
				want := map[string]bool{"root": true}
				if onMissing == "disable" {
					want["1"] = false
				}
				if diff := cmp.Diff(want, f.enabled(t)); diff != "" {
					t.Errorf("users (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// Editor.Records returns the records as stored, missing ones included,
// with their links; unknown uids are absent.
func TestEditorRecords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, nil)
		f.editPush(t, userData(person("1"), person("2")))
		if _, err := f.remove(t, datasync.DataTypeUser, "2"); err != nil {
			t.Fatal(err)
		}
		var u2 users.User
		if err := db.NewSelect().Model(&u2).Where("username = '2'").Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		err := f.edit(t, func(ctx context.Context, e *datasync.Editor) error {
			recs, err := e.Records(ctx, datasync.DataTypeUser, "2", "zz")
			if err != nil {
				return err
			}
			if len(recs) != 1 || recs["2"] == nil {
				t.Fatalf("Records = %v, want 2 only", recs)
			}
			r := recs["2"]
			if r.SourceName != "hr" || r.DataType != datasync.DataTypeUser || r.MetaData["enabled"] != false || r.LastMetaData["nickname"] != "N2" ||
				!cmp.Equal(r.LinksTo("users"), []string{strconv.FormatInt(u2.ID, 10)}) {
				t.Errorf("record 2 = %+v, want its marked metaData, the one before and its users link", r)
			}
			none, err := e.Records(ctx, datasync.DataTypeUser)
			if err != nil || len(none) != 0 {
				t.Errorf("Records() = %v, %v, want an empty map", none, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.m.Edit(context.Background(), "", func(context.Context, *datasync.Editor) error { return nil }); !errors.Is(err, datasync.ErrInvalidSource) {
			t.Errorf("Edit(\"\") = %v, want ErrInvalidSource", err)
		}
	})
}

// An Edit holds its source's run lock: a Push of the same source waits
// for it (on PostgreSQL, an advisory lock; SQLite has one writer).
func TestEditSerialisesWithPush(t *testing.T) {
	db := dbtest.Postgres(t)
	f := newDirFixture(t, db, nil)
	done := make(chan error, 1)
	err := f.edit(t, func(ctx context.Context, e *datasync.Editor) error {
		if _, err := e.Push(ctx, userData(person("1"))); err != nil {
			return err
		}
		go func() {
			_, err := f.m.Push(context.Background(), datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "hr", Records: []datasync.Record{person("2")}})
			done <- err
		}()
		// The push waits on the advisory lock the edit holds.
		deadline := time.Now().Add(20 * time.Second)
		for {
			var waiting int
			err := db.NewRaw(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(ctx, &waiting)
			if err != nil {
				return err
			}
			if waiting > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the push never waited for the edit's lock")
			}
			time.Sleep(10 * time.Millisecond)
		}
		select {
		case err := <-done:
			t.Fatalf("the push finished (%v) while the edit held the lock", err)
		default:
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("push after the edit: %v", err)
	}
	if diff := cmp.Diff(states([]string{"1", "2"}, nil), f.enabled(t)); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
}
