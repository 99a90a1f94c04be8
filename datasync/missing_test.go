package datasync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// listSource is a real Source whose content is its options' "data".
type listSource struct{ data []datasync.UserData }

func (s listSource) Pull(_ context.Context, emit func(datasync.UserData) error) error {
	for _, d := range s.data {
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

func listSourceType() datasync.SourceType {
	return datasync.SourceType{Title: "List", New: func(cfg datasync.SourceConfig) (datasync.Source, error) {
		raw, err := json.Marshal(cfg.Options["data"])
		if err != nil {
			return nil, err
		}
		var s listSource
		if err := json.Unmarshal(raw, &s.data); err != nil {
			return nil, fmt.Errorf("list options: %w", err)
		}
		return s, nil
	}}
}

// noticeChan is a Notifier handing each notice to the test.
type noticeChan chan datasync.Notice

func (c noticeChan) Notify(_ context.Context, n datasync.Notice) error {
	c <- n
	return nil
}

// dirFixture is a directory (users and departments, the built-in
// resources) synced from the list source "hr".
type dirFixture struct {
	m       *datasync.Manager
	db      *bun.DB
	row     *datasync.SyncSource
	notices noticeChan
	// policy are the source's manager options; depts the departments
	// every pull emits before the users.
	policy map[string]any
	depts  []datasync.Record
}

func newDirFixture(t *testing.T, db *bun.DB, policy map[string]any) *dirFixture {
	t.Helper()
	ctx := context.Background()
	f := &dirFixture{db: db, notices: make(noticeChan, 16), policy: policy}
	m, err := users.NewSyncManager(ctx, db, users.Options{}, datasync.Options{Notifier: f.notices, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	f.m = m
	if err := m.RegisterSourceType("list", listSourceType()); err != nil {
		t.Fatal(err)
	}
	f.row = &datasync.SyncSource{Name: "hr", SourceType: "list", Enabled: true, Options: f.options(nil)}
	if err := m.AddSource(ctx, f.row); err != nil {
		t.Fatal(err)
	}
	return f
}

// person is a user record: username and nickname from its uid, in the
// departments given.
func person(uid string, depts ...string) datasync.Record {
	rec := datasync.Record{"uid": uid, "username": uid, "nickname": "N" + uid}
	if len(depts) > 0 {
		list := make([]any, len(depts))
		for i, d := range depts {
			list[i] = d
		}
		rec["departments"] = list
	}
	return rec
}

func persons(uids ...string) []datasync.Record {
	out := make([]datasync.Record, len(uids))
	for i, uid := range uids {
		out[i] = person(uid)
	}
	return out
}

func (f *dirFixture) options(recs []datasync.Record) map[string]any {
	data := []datasync.UserData{}
	if len(f.depts) > 0 {
		data = append(data, datasync.UserData{DataType: datasync.DataTypeDepartment, Records: f.depts})
	}
	data = append(data, datasync.UserData{DataType: datasync.DataTypeUser, Records: recs})
	opts := maps.Clone(f.policy)
	if opts == nil {
		opts = map[string]any{}
	}
	opts["data"] = data
	raw, _ := json.Marshal(opts)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// setUsers makes the source's next pulls emit recs (after f.depts).
func (f *dirFixture) setUsers(t *testing.T, recs ...datasync.Record) {
	t.Helper()
	f.row.Options = f.options(recs)
	if _, err := f.db.NewUpdate().Model(f.row).Column("options").WherePK().Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (f *dirFixture) wait(t *testing.T, id int64) *datasync.SyncTask {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	task, err := f.m.Wait(ctx, id)
	if err != nil {
		t.Fatalf("Wait(%d): %v", id, err)
	}
	return task
}

func (f *dirFixture) pull(t *testing.T) *datasync.SyncTask {
	t.Helper()
	id, err := f.m.Pull(context.Background(), "hr")
	if err != nil {
		t.Fatal(err)
	}
	return f.wait(t, id)
}

func (f *dirFixture) pullOK(t *testing.T) {
	t.Helper()
	if task := f.pull(t); task.Status != datasync.TaskSuccess {
		t.Fatalf("task = %s %q, want success", task.Status, task.Message)
	}
}

// enabled maps each user's username to its enabled flag.
func (f *dirFixture) enabled(t *testing.T) map[string]bool {
	t.Helper()
	var rows []users.User
	if err := f.db.NewSelect().Model(&rows).Column("username", "enabled").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, u := range rows {
		out[u.Username] = u.Enabled != nil && *u.Enabled
	}
	return out
}

// states is enabled's expectation: the uids in on enabled, in off not.
func states(on, off []string) map[string]bool {
	out := map[string]bool{}
	for _, uid := range on {
		out[uid] = true
	}
	for _, uid := range off {
		out[uid] = false
	}
	return out
}

func (f *dirFixture) record(t *testing.T, dataType datasync.DataType, uid string) *datasync.SyncRecord {
	t.Helper()
	rec := new(datasync.SyncRecord)
	err := f.db.NewSelect().Model(rec).
		Where("? = ? AND ? = ? AND ? = ?", bun.Ident("sourceName"), "hr", bun.Ident("dataType"), dataType, bun.Ident("sourceUk"), uid).
		Scan(context.Background())
	if err != nil {
		t.Fatalf("sync record %s %s: %v", dataType, uid, err)
	}
	return rec
}

// ageMissing moves the missing mark of a sync record back by d, as if it
// had gone missing that long ago.
func (f *dirFixture) ageMissing(t *testing.T, dataType datasync.DataType, uid string, d time.Duration) {
	t.Helper()
	rec := f.record(t, dataType, uid)
	since, err := time.Parse(time.RFC3339, fmt.Sprint(rec.MetaData[datasync.MissingSinceKey]))
	if err != nil {
		t.Fatalf("%s %s: missingSince: %v", dataType, uid, err)
	}
	rec.MetaData[datasync.MissingSinceKey] = since.Add(-d).Format(time.RFC3339)
	if _, err := f.db.NewUpdate().Model(rec).Column("metaData").WherePK().Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// memberships lists "user>department" pairs, by username and title.
func (f *dirFixture) memberships(t *testing.T) []string {
	t.Helper()
	var rows []users.DepartmentUser
	if err := f.db.NewSelect().Model(&rows).Relation("User").Relation("Department").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, r := range rows {
		out = append(out, r.User.Username+">"+r.Department.Title)
	}
	sort.Strings(out)
	return out
}

func (f *dirFixture) departments(t *testing.T) []string {
	t.Helper()
	var titles []string
	if err := f.db.NewSelect().Model((*users.Department)(nil)).Column("title").OrderExpr("title").Scan(context.Background(), &titles); err != nil {
		t.Fatal(err)
	}
	return titles
}

// A user missing from a complete pull is disabled by default, marked
// once, and enabled again when it comes back.
func TestMissingUsersAreDisabled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, nil)
		f.setUsers(t, persons("1", "2", "3", "4")...)
		f.pullOK(t)
		f.setUsers(t, persons("1", "2", "3")...)
		before := time.Now().UTC().Add(-time.Second)
		f.pullOK(t)
		if diff := cmp.Diff(states([]string{"1", "2", "3"}, []string{"4"}), f.enabled(t)); diff != "" {
			t.Fatalf("users after 4 left (-want +got):\n%s", diff)
		}
		rec := f.record(t, datasync.DataTypeUser, "4")
		since, err := time.Parse(time.RFC3339, fmt.Sprint(rec.MetaData[datasync.MissingSinceKey]))
		if err != nil || since.Before(before.Truncate(time.Second)) || since.After(time.Now().UTC()) || rec.MetaData["enabled"] != false || rec.MetaData["nickname"] != "N4" {
			t.Fatalf("sync record of 4 = %v (missingSince %v), want its last metaData, enabled false and missingSince about now", rec.MetaData, err)
		}
		// The next pull does not send the mark again.
		updated := rec.UpdatedAt
		f.pullOK(t)
		if again := f.record(t, datasync.DataTypeUser, "4"); !again.UpdatedAt.Equal(updated) || !cmp.Equal(again.MetaData, rec.MetaData) {
			t.Fatalf("a second pull touched the mark: %v → %v", rec.MetaData, again.MetaData)
		}
		// 4 comes back without an "enabled" of its own: enabled again. 3
		// goes and comes back in one step with "enabled": false: the
		// source's value stands.
		back := person("3")
		back["enabled"] = false
		f.setUsers(t, person("1"), person("2"), person("4"))
		f.pullOK(t)
		f.setUsers(t, person("1"), person("2"), back, person("4"))
		f.pullOK(t)
		if diff := cmp.Diff(states([]string{"1", "2", "4"}, []string{"3"}), f.enabled(t)); diff != "" {
			t.Fatalf("users after 4 and 3 came back (-want +got):\n%s", diff)
		}
		if _, marked := f.record(t, datasync.DataTypeUser, "4").MetaData[datasync.MissingSinceKey]; marked {
			t.Fatal("4 came back and is still marked missing")
		}
		// The mark is the manager's: a source's own missingSince is dropped.
		forged := person("1")
		forged[datasync.MissingSinceKey] = "2000-01-01T00:00:00Z"
		f.setUsers(t, forged, person("2"), back, person("4"))
		f.pullOK(t)
		if _, marked := f.record(t, datasync.DataTypeUser, "1").MetaData[datasync.MissingSinceKey]; marked {
			t.Fatal("a source's missingSince was stored")
		}
	})
}

// Missing departments are marked and kept with their memberships; a
// disabled user keeps its memberships too.
func TestMissingDepartmentsAreKept(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, nil)
		f.depts = []datasync.Record{{"uid": "d1", "title": "Sales"}, {"uid": "d2", "title": "Ops"}}
		f.setUsers(t, person("1", "d1"), person("2", "d2"), person("3", "d2"))
		f.pullOK(t)
		f.depts = f.depts[:1]
		f.setUsers(t, person("1", "d1"), person("2", "d2"))
		f.pullOK(t)
		if diff := cmp.Diff([]string{"Ops", "Sales"}, f.departments(t)); diff != "" {
			t.Fatalf("departments (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"1>Sales", "2>Ops", "3>Ops"}, f.memberships(t)); diff != "" {
			t.Fatalf("memberships (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(states([]string{"1", "2"}, []string{"3"}), f.enabled(t)); diff != "" {
			t.Fatalf("users (-want +got):\n%s", diff)
		}
		d2 := f.record(t, datasync.DataTypeDepartment, "d2").MetaData
		if _, ok := d2[datasync.MissingSinceKey]; !ok || d2["title"] != "Ops" {
			t.Fatalf("sync record of d2 = %v, want its metaData marked missing", d2)
		}
		if _, ok := d2["enabled"]; ok {
			t.Fatalf("sync record of d2 = %v: a department has no enabled flag", d2)
		}
	})
}

// PurgeAfterDays deletes what has been missing longer, users and then
// their departments, outside the deletion limits.
func TestMissingPurgeAfterDays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, map[string]any{"purgeAfterDays": 30, "deletionLimits": map[string]any{"percent": 30}})
		f.depts = []datasync.Record{{"uid": "d1", "title": "Sales"}, {"uid": "d2", "title": "Ops"}}
		f.setUsers(t, person("1", "d1"), person("2", "d1"), person("3", "d1"), person("4", "d2"))
		f.pullOK(t)
		f.depts = f.depts[:1]
		f.setUsers(t, person("1", "d1"), person("2", "d1"), person("3", "d1"))
		f.pullOK(t) // 1 of 4 (25%): within the limits
		f.ageMissing(t, datasync.DataTypeUser, "4", 29*24*time.Hour)
		f.pullOK(t)
		if diff := cmp.Diff(states([]string{"1", "2", "3"}, []string{"4"}), f.enabled(t)); diff != "" {
			t.Fatalf("users 29 days on (-want +got):\n%s", diff)
		}
		f.ageMissing(t, datasync.DataTypeUser, "4", 2*24*time.Hour)
		f.ageMissing(t, datasync.DataTypeDepartment, "d2", 31*24*time.Hour)
		// 3 goes too: 1 of the 3 users neither gone nor missing is 33%,
		// over the threshold; the purge of 4 was counted when 4 went.
		f.setUsers(t, person("1", "d1"), person("2", "d1"))
		if task := f.pull(t); task.Status != datasync.TaskPendingApproval {
			t.Fatalf("task = %s %q, want pendingApproval", task.Status, task.Message)
		}
		f.setUsers(t, person("1", "d1"), person("2", "d1"), person("3", "d1"))
		f.pullOK(t)
		if diff := cmp.Diff(states([]string{"1", "2", "3"}, nil), f.enabled(t)); diff != "" {
			t.Fatalf("users 31 days on (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"Sales"}, f.departments(t)); diff != "" {
			t.Fatalf("departments (-want +got):\n%s", diff)
		}
		if rec := f.record(t, datasync.DataTypeUser, "4"); !rec.MetaData.IsDeleted() {
			t.Fatalf("sync record of 4 = %v, want deleted", rec.MetaData)
		}
	})
}

// "keep" leaves missing users alone; "delete" deletes them, and deletes
// users an earlier "disable" marked, outside the limits.
func TestOnMissingKeepAndDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, map[string]any{"onMissing": "keep"})
		f.setUsers(t, persons("1", "2", "3", "4")...)
		f.pullOK(t)
		f.setUsers(t, persons("1", "2")...)
		f.pullOK(t)
		if diff := cmp.Diff(states([]string{"1", "2", "3", "4"}, nil), f.enabled(t)); diff != "" {
			t.Fatalf("users kept (-want +got):\n%s", diff)
		}
		if _, ok := f.record(t, datasync.DataTypeUser, "3").MetaData[datasync.MissingSinceKey]; ok {
			t.Fatal("keep marked 3 missing")
		}
		f.policy = nil // disable: 3 and 4 go missing (50%, no limits set)
		f.setUsers(t, persons("1", "2")...)
		f.pullOK(t)
		f.policy = map[string]any{"onMissing": "delete", "deletionLimits": map[string]any{"count": 1}}
		f.setUsers(t, persons("1", "2")...)
		f.pullOK(t) // 3 and 4 were counted when they went missing
		if diff := cmp.Diff(states([]string{"1", "2"}, nil), f.enabled(t)); diff != "" {
			t.Fatalf("users after delete (-want +got):\n%s", diff)
		}
		f.setUsers(t, persons("1")...)
		if task := f.pull(t); task.Status != datasync.TaskPendingApproval || task.Message != "synced users would be reduced by 1 (50%), reaching the limit of 1" {
			t.Fatalf("task = %s %q, want pendingApproval at the count", task.Status, task.Message)
		}
	})
}

// A root user is never disabled, and its mark is not sent again.
func TestMissingRootStaysEnabled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, nil)
		f.setUsers(t, persons("1", "2", "root")...)
		f.pullOK(t)
		var root users.User
		ctx := context.Background()
		if err := db.NewSelect().Model(&root).Where("username = 'root'").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewInsert().Model(&users.RoleUser{UserID: root.ID, RoleName: users.RootRole}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		f.setUsers(t, persons("1", "2")...)
		for range 2 {
			f.pullOK(t)
			if diff := cmp.Diff(states([]string{"1", "2", "root"}, nil), f.enabled(t)); diff != "" {
				t.Fatalf("users (-want +got):\n%s", diff)
			}
		}
		if _, ok := f.record(t, datasync.DataTypeUser, "root").MetaData[datasync.MissingSinceKey]; !ok {
			t.Fatal("the root user's record is not marked missing: every pull would try again")
		}
	})
}
