package datasync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// deltaDir is an in-memory directory that a deltaSource reads: each
// person has a nickname and the version at which they last changed, and a
// read's watermark is the highest version it saw. Removing a person
// leaves no trace a delta could see; marking one deleted is a change.
type deltaDir struct {
	mu      sync.Mutex
	version int
	people  map[string]deltaPerson
	reads   []deltaRead
	fail    []error // what the next reads fail with, in turn
}

type deltaPerson struct {
	nickname string
	version  int
	deleted  bool
}

// deltaRead is one read: the watermark it started from, when, and the
// uids it emitted.
type deltaRead struct {
	from string
	at   time.Time
	uids []string
}

func newDeltaDir(uids ...string) *deltaDir {
	d := &deltaDir{people: map[string]deltaPerson{}}
	for _, uid := range uids {
		d.set(uid, "N"+uid)
	}
	return d
}

func (d *deltaDir) set(uid, nickname string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	d.people[uid] = deltaPerson{nickname: nickname, version: d.version}
}

func (d *deltaDir) remove(uid string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.people, uid)
}

func (d *deltaDir) markDeleted(uid string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	d.people[uid] = deltaPerson{version: d.version, deleted: true}
}

// failNext makes the next reads fail with errs, one each.
func (d *deltaDir) failNext(errs ...error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fail = append(d.fail, errs...)
}

func (d *deltaDir) readLog() []deltaRead {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.reads)
}

// changes returns the records changed after version since (all of them,
// without the deleted, when since is 0 and full), the highest version,
// and the error this read is to fail with.
func (d *deltaDir) changes(watermark string) ([]Record, string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	since := 0
	if watermark != "" {
		n, err := strconv.Atoi(watermark)
		if err != nil {
			return nil, "", fmt.Errorf("deltadir: bad watermark %q", watermark)
		}
		since = n
	}
	read := deltaRead{from: watermark, at: time.Now()}
	var recs []Record
	top := since
	for _, uid := range slices.Sorted(maps.Keys(d.people)) {
		p := d.people[uid]
		top = max(top, p.version)
		switch {
		case p.version <= since, p.deleted && watermark == "":
		case p.deleted:
			recs = append(recs, Record{"uid": uid, "isDeleted": true})
			read.uids = append(read.uids, uid)
		default:
			recs = append(recs, Record{"uid": uid, "nickname": p.nickname})
			read.uids = append(read.uids, uid)
		}
	}
	d.reads = append(d.reads, read)
	var err error
	if len(d.fail) > 0 {
		err, d.fail = d.fail[0], d.fail[1:]
	}
	return recs, strconv.Itoa(top), err
}

// deltaSource is a real DeltaSource over a deltaDir.
type deltaSource struct{ dir *deltaDir }

func (s deltaSource) Pull(ctx context.Context, emit func(UserData) error) error {
	_, err := s.PullChanges(ctx, "", emit)
	return err
}

func (s deltaSource) PullChanges(_ context.Context, watermark string, emit func(UserData) error) (string, error) {
	recs, next, failure := s.dir.changes(watermark)
	if len(recs) > 0 {
		if err := emit(userData(recs...)); err != nil {
			return "", err
		}
	}
	if failure != nil {
		return "", failure
	}
	return next, nil
}

// addDeltaSource registers a source type reading dir and adds an enabled
// source of it named name with options.
func addDeltaSource(t *testing.T, m *Manager, name string, dir *deltaDir, options map[string]any) *SyncSource {
	t.Helper()
	err := m.RegisterSourceType("delta-"+name, SourceType{Title: "Delta test", New: func(SourceConfig) (Source, error) {
		return deltaSource{dir: dir}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if options == nil {
		options = map[string]any{}
	}
	row := &SyncSource{Name: name, SourceType: "delta-" + name, Enabled: true, Options: options}
	if err := m.AddSource(context.Background(), row); err != nil {
		t.Fatal(err)
	}
	return row
}

func syncState(t *testing.T, db bun.IDB, name string) *SyncState {
	t.Helper()
	st, err := loadSyncState(context.Background(), db, name)
	if err != nil {
		t.Fatal(err)
	}
	if st == nil {
		t.Fatalf("source %s has no state row", name)
	}
	return st
}

// fullPullOK pulls the source in full and fails the test unless its task
// succeeds.
func (f *taskFixture) fullPullOK(t *testing.T, name string) {
	t.Helper()
	if task := f.pullAndWait(t, name); task.Status != TaskSuccess {
		t.Fatalf("pull of %s: task %+v, want success", name, task)
	}
}

// pullChangesOK runs a delta of the source and fails the test unless its
// task succeeds.
func (f *taskFixture) pullChangesOK(t *testing.T, name string) {
	t.Helper()
	id, err := f.m.PullChanges(context.Background(), name)
	if err != nil {
		t.Fatalf("PullChanges(%q): %v", name, err)
	}
	if task := f.wait(t, id); task.Status != TaskSuccess {
		t.Fatalf("delta of %s: task %+v, want success", name, task)
	}
}

func TestPullChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		dir := newDeltaDir("1", "2", "3")
		addDeltaSource(t, f.m, "dir", dir, map[string]any{"onMissing": "delete"})

		if _, err := f.m.PullChanges(ctx, "dir"); !errors.Is(err, ErrNoWatermark) {
			t.Fatalf("PullChanges before any full run: error %v, want ErrNoWatermark", err)
		}
		before := time.Now()
		f.fullPullOK(t, "dir")
		st := syncState(t, db, "dir")
		if st.Watermark != "3" || st.LastFullAt == nil || st.LastFullAt.Before(before.Add(-time.Second)) {
			t.Fatalf("state after the full run: %+v, want watermark 3 and LastFullAt now", st)
		}
		lastFull := *st.LastFullAt

		// 2 changes, 4 arrives, 3 leaves: a delta reads 2 and 4 only, and
		// keeps 3, which it cannot know is gone.
		dir.set("2", "Changed")
		dir.remove("3")
		dir.set("4", "N4")
		f.pullChangesOK(t, "dir")
		want := map[string]string{"1": "N1", "2": "Changed", "3": "N3", "4": "N4"}
		if diff := cmp.Diff(want, f.nicknames(t)); diff != "" {
			t.Fatalf("people after a delta (-want +got):\n%s", diff)
		}
		reads := dir.readLog()
		if last := reads[len(reads)-1]; last.from != "3" || !slices.Equal(last.uids, []string{"2", "4"}) {
			t.Fatalf("the delta read %+v, want from watermark 3 the uids 2 and 4", last)
		}
		st = syncState(t, db, "dir")
		if st.Watermark != "5" || st.LastFullAt == nil || !st.LastFullAt.Equal(lastFull) {
			t.Fatalf("state after the delta: %+v, want watermark 5 and LastFullAt still %v", st, lastFull)
		}

		// A record the source sends as deleted is deleted by a delta.
		dir.markDeleted("1")
		f.pullChangesOK(t, "dir")
		if _, ok := f.nicknames(t)["1"]; ok {
			t.Fatal("uid 1, sent with isDeleted by a delta, is still there")
		}

		failedDeltaThenFull(t, f, dir, lastFull)
	})
}

// failedDeltaThenFull runs a delta that fails, which writes nothing and
// keeps the watermark, then a full run, which reads everything and
// sweeps the uid 3 the source no longer has.
func failedDeltaThenFull(t *testing.T, f *taskFixture, dir *deltaDir, lastFull time.Time) {
	t.Helper()
	dir.set("2", "Again")
	dir.failNext(fmt.Errorf("deltadir: the connection dropped: %w", ErrIncomplete))
	id, err := f.m.PullChanges(context.Background(), "dir")
	if err != nil {
		t.Fatal(err)
	}
	if task := f.wait(t, id); task.Status != TaskFailed {
		t.Fatalf("failing delta: task %+v, want failed", task)
	}
	if got := f.nicknames(t)["2"]; got != "Changed" {
		t.Fatalf("nickname of 2 after a failed delta: %q, want Changed", got)
	}
	if st := syncState(t, f.db, "dir"); st.Watermark != "6" {
		t.Fatalf("watermark after a failed delta: %q, want 6 (unchanged)", st.Watermark)
	}
	f.fullPullOK(t, "dir")
	want := map[string]string{"2": "Again", "4": "N4"}
	if diff := cmp.Diff(want, f.nicknames(t)); diff != "" {
		t.Fatalf("people after the next full run (-want +got):\n%s", diff)
	}
	if st := syncState(t, f.db, "dir"); st.Watermark != "7" || !st.LastFullAt.After(lastFull) {
		t.Fatalf("state after the second full run: %+v, want watermark 7 and a later LastFullAt", st)
	}
}

func TestPullChangesRefusesSourcesWithoutDeltas(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		row := staticRow(t, "static", staticOptions{Data: []UserData{userData(Record{"uid": "1", "nickname": "N1"})}})
		if err := f.m.AddSource(context.Background(), row); err != nil {
			t.Fatal(err)
		}
		f.fullPullOK(t, "static")
		if _, err := f.m.PullChanges(context.Background(), "static"); !errors.Is(err, ErrInvalidSource) {
			t.Fatalf("PullChanges of a plain Source: error %v, want ErrInvalidSource", err)
		}
		if _, err := f.m.PullChanges(context.Background(), "nobody"); !errors.Is(err, ErrSourceNotFound) {
			t.Fatalf("PullChanges of a missing source: error %v, want ErrSourceNotFound", err)
		}
		// A plain source's full runs keep no watermark.
		st, err := loadSyncState(context.Background(), db, "static")
		if err != nil || (st != nil && (st.Watermark != "" || st.LastFullAt != nil)) {
			t.Fatalf("state of a plain source: %+v, %v; want no watermark", st, err)
		}
	})
}

// TestSchedulerDeltasAndFullRuns schedules deltas every 100 ms and full
// runs every 450 ms: the first run is full (no watermark yet), the next
// ones deltas from the watermark, and a full run again once 450 ms passed
// since the last one.
func TestSchedulerDeltasAndFullRuns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		both := newDeltaDir("1", "2")
		bothRow := addDeltaSource(t, f.m, "both", both, map[string]any{
			"schedule":     map[string]any{"every": "100ms"},
			"fullSchedule": map[string]any{"every": "450ms"},
		})
		plain := newDeltaDir("a")
		plainRow := addDeltaSource(t, f.m, "plain", plain, map[string]any{"schedule": map[string]any{"every": "100ms"}})
		stop := runScheduler(t, NewScheduler(f.m, SchedulerOptions{Tick: 10 * time.Millisecond}))
		time.Sleep(1300 * time.Millisecond)
		stop()
		settledTasks(t, f.m, bothRow.ID)
		settledTasks(t, f.m, plainRow.ID)

		reads := both.readLog()
		if len(reads) < 5 || reads[0].from != "" {
			t.Fatalf("reads of the delta source: %+v, want at least 5, the first full", reads)
		}
		var fulls []time.Time
		for _, r := range reads {
			if r.from == "" {
				fulls = append(fulls, r.at)
			} else if r.from != "2" {
				t.Fatalf("a delta started from watermark %q, want 2", r.from)
			}
		}
		if len(fulls) < 2 || len(fulls) > 4 || len(reads)-len(fulls) < 3 {
			t.Fatalf("%d full runs and %d deltas in 1.3 s, want 2 to 4 full runs and 3 or more deltas: %+v", len(fulls), len(reads)-len(fulls), reads)
		}
		for i := 1; i < len(fulls); i++ {
			if gap := fulls[i].Sub(fulls[i-1]); gap < 450*time.Millisecond {
				t.Fatalf("full runs %d and %d %v apart, want at least 450ms", i-1, i, gap)
			}
		}
		// Without fullSchedule, every scheduled run is full.
		for _, r := range plain.readLog() {
			if r.from != "" {
				t.Fatalf("a source without fullSchedule ran a delta from %q", r.from)
			}
		}
		if n := len(plain.readLog()); n < 3 {
			t.Fatalf("the source without fullSchedule ran %d times in 1.3 s every 100 ms, want 3 or more", n)
		}
	})
}

func TestParseFullSchedule(t *testing.T) {
	_, _, err := parseRunPlan(map[string]any{"schedule": map[string]any{}, "fullSchedule": map[string]any{"cron": "0 3 * *"}})
	if !errors.Is(err, ErrInvalidSource) || err.Error() != "datasync: invalid source: fullSchedule.cron: expected exactly 5 fields, found 4: [0 3 * *]" {
		t.Fatalf("a bad fullSchedule: error %v, want ErrInvalidSource naming fullSchedule.cron", err)
	}
	plan, ok, err := parseRunPlan(map[string]any{"fullSchedule": map[string]any{"every": "1h"}})
	if err != nil || ok {
		t.Fatalf("fullSchedule without schedule: %+v, %v, %v; want not scheduled", plan, ok, err)
	}
	plan, ok, err = parseRunPlan(map[string]any{"schedule": map[string]any{"every": "10m"}, "fullSchedule": map[string]any{"every": "24h"}})
	if err != nil || !ok || plan.full == nil || plan.full.every != 24*time.Hour || plan.sched.every != 10*time.Minute {
		t.Fatalf("both schedules: %+v, %v, %v", plan, ok, err)
	}
}

// TestRunPlanNext checks when a source with deltas every 10 minutes and
// full runs every 6 hours runs next, and whether that run is full.
func TestRunPlanNext(t *testing.T) {
	plan, _, err := parseRunPlan(map[string]any{"schedule": map[string]any{"every": "10m"}, "fullSchedule": map[string]any{"every": "6h"}})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.Local)
	at := func(d time.Duration) time.Time { return base.Add(d) }
	task := func(d time.Duration) *SyncTask { return &SyncTask{CreatedAt: at(d)} }
	state := func(full time.Duration) *SyncState {
		t := at(full)
		return &SyncState{Watermark: "w", LastFullAt: &t}
	}
	cases := []struct {
		name string
		plan runPlan
		last *SyncTask
		st   *SyncState
		want time.Time
		full bool
	}{
		{"never ran", plan, nil, nil, at(0), true},
		{"no watermark yet: full by schedule", plan, task(0), nil, at(10 * time.Minute), true},
		{"a delta after a recent full run", plan, task(time.Hour), state(0), at(time.Hour + 10*time.Minute), false},
		{"the full run comes due before the next delta", plan, task(5*time.Hour + 55*time.Minute), state(0), at(6 * time.Hour), true},
		{"a failed full run is tried again by schedule", plan, task(6 * time.Hour), state(0), at(6*time.Hour + 10*time.Minute), true},
		{"without fullSchedule every run is full", runPlan{sched: plan.sched}, task(time.Hour), state(0), at(time.Hour + 10*time.Minute), true},
	}
	for _, tc := range cases {
		got, fullFrom := tc.plan.next(tc.last, tc.st, at(0))
		if full := !got.Before(fullFrom); !got.Equal(tc.want) || full != tc.full {
			t.Errorf("%s: next at %v (full from %v), want %v, full %v", tc.name, got, fullFrom, tc.want, tc.full)
		}
	}
}
