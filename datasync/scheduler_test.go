package datasync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

// schedSource is a real Source for scheduled runs: it emits one user
// record per uid in its options' "people" and fails at the end when
// "fail" is set. It ignores its other options, "schedule" among them.
type schedSource struct {
	people []string
	fail   bool
}

func (s schedSource) Pull(_ context.Context, emit func(UserData) error) error {
	records := make([]Record, len(s.people))
	for i, uid := range s.people {
		records[i] = Record{"uid": uid, "nickname": "N " + uid}
	}
	if err := emit(UserData{DataType: DataTypeUser, Records: records}); err != nil {
		return err
	}
	if s.fail {
		return errors.New("sched: the export broke")
	}
	return nil
}

var schedSourceType = SourceType{Title: "Scheduled test source", New: func(cfg SourceConfig) (Source, error) {
	var s schedSource
	if list, ok := cfg.Options["people"].([]any); ok {
		for _, uid := range list {
			s.people = append(s.people, fmt.Sprint(uid))
		}
	}
	s.fail, _ = cfg.Options["fail"].(bool)
	return s, nil
}}

// newSchedFixture is a task fixture that also knows the "sched" source
// type.
func newSchedFixture(t *testing.T, db *bun.DB) *taskFixture {
	t.Helper()
	f := newTaskFixture(t, db)
	if err := f.m.RegisterSourceType("sched", schedSourceType); err != nil {
		t.Fatal(err)
	}
	return f
}

// addSched adds an enabled sched source; schedule nil means none.
func addSched(t *testing.T, m *Manager, name string, schedule map[string]any, fail bool) *SyncSource {
	t.Helper()
	opts := map[string]any{"people": []any{name + "-1", name + "-2"}, "fail": fail}
	if schedule != nil {
		opts["schedule"] = schedule
	}
	row := &SyncSource{Name: name, SourceType: "sched", Enabled: true, Options: opts}
	if err := m.AddSource(context.Background(), row); err != nil {
		t.Fatal(err)
	}
	return row
}

// runScheduler runs s until stop is called, which cancels it and fails
// the test unless Run returns nil within 5 s.
func runScheduler(t *testing.T, s *Scheduler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run returned %v, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return within 5 s of its context ending")
		}
	}
}

// settledTasks waits (up to 30 s) until none of the source's tasks is
// running and returns them, oldest first.
func settledTasks(t *testing.T, m *Manager, sourceID int64) []*SyncTask {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		tasks, err := m.Tasks(context.Background(), sourceID)
		if err != nil {
			t.Fatal(err)
		}
		running := false
		for _, task := range tasks {
			running = running || task.Status == TaskInit || task.Status == TaskProcessing
		}
		if !running {
			for i, j := 0, len(tasks)-1; i < j; i, j = i+1, j-1 {
				tasks[i], tasks[j] = tasks[j], tasks[i]
			}
			return tasks
		}
		if time.Now().After(deadline) {
			t.Fatalf("source %d: tasks still running after 30 s", sourceID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNextRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newSchedFixture(t, db)
		ctx := context.Background()
		addSched(t, f.m, "hourly", map[string]any{"every": "1h"}, false)
		addSched(t, f.m, "manual", nil, false)
		addSched(t, f.m, "broken", map[string]any{"cron": "every day"}, false)

		before := time.Now()
		next, err := f.m.NextRun(ctx, "hourly")
		if err != nil {
			t.Fatal(err)
		}
		if next.Before(before) || next.After(time.Now()) {
			t.Fatalf("NextRun before any run = %v, want now (%v)", next, before)
		}

		task := f.pullAndWait(t, "hourly")
		next, err = f.m.NextRun(ctx, "hourly")
		if err != nil {
			t.Fatal(err)
		}
		if want := task.CreatedAt.Add(time.Hour); !next.Equal(want) {
			t.Fatalf("NextRun after a run = %v, want its start + 1h = %v", next, want)
		}

		// Cron times are the host's: 03:00 local after the run's start.
		addSched(t, f.m, "nightly", map[string]any{"cron": "0 3 * * *"}, false)
		nightly := f.pullAndWait(t, "nightly")
		next, err = f.m.NextRun(ctx, "nightly")
		if err != nil {
			t.Fatal(err)
		}
		started := nightly.CreatedAt.In(time.Local)
		want := time.Date(started.Year(), started.Month(), started.Day(), 3, 0, 0, 0, time.Local)
		if !want.After(started) {
			want = want.AddDate(0, 0, 1)
		}
		if !next.Equal(want) || next.Location() != time.Local {
			t.Fatalf("NextRun(nightly) = %v, want %v local", next, want)
		}

		if _, err := f.m.NextRun(ctx, "manual"); !errors.Is(err, ErrNotScheduled) {
			t.Fatalf("NextRun(manual) error = %v, want ErrNotScheduled", err)
		}
		if _, err := f.m.NextRun(ctx, "broken"); !errors.Is(err, ErrInvalidSource) {
			t.Fatalf("NextRun(broken) error = %v, want ErrInvalidSource", err)
		}
		if _, err := f.m.NextRun(ctx, "nobody"); !errors.Is(err, ErrSourceNotFound) {
			t.Fatalf("NextRun(nobody) error = %v, want ErrSourceNotFound", err)
		}
	})
}

func TestSchedulerRunsDueSourceOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newSchedFixture(t, db)
		hourly := addSched(t, f.m, "hourly", map[string]any{"every": "1h"}, false)
		manual := addSched(t, f.m, "manual", nil, false)
		stop := runScheduler(t, NewScheduler(f.m, SchedulerOptions{Tick: 10 * time.Millisecond}))
		time.Sleep(500 * time.Millisecond)
		stop()

		tasks := settledTasks(t, f.m, hourly.ID)
		if len(tasks) != 1 || tasks[0].Status != TaskSuccess {
			t.Fatalf("hourly source: %d tasks (%+v), want one successful run", len(tasks), tasks)
		}
		if got := settledTasks(t, f.m, manual.ID); len(got) != 0 {
			t.Fatalf("unscheduled source ran %d times, want 0", len(got))
		}
		if n := len(f.nicknames(t)); n != 2 {
			t.Fatalf("people synced: %d, want 2", n)
		}
		var leases []SyncLease
		if err := db.NewSelect().Model(&leases).Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(leases) != 0 {
			t.Fatalf("leases left after the run: %+v, want none", leases)
		}
	})
}

func TestSchedulerRunsAgainWhenDue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newSchedFixture(t, db)
		const every = 300 * time.Millisecond
		src := addSched(t, f.m, "often", map[string]any{"every": every.String()}, false)
		stop := runScheduler(t, NewScheduler(f.m, SchedulerOptions{Tick: 10 * time.Millisecond}))
		time.Sleep(1200 * time.Millisecond)
		stop()

		tasks := settledTasks(t, f.m, src.ID)
		if len(tasks) < 2 || len(tasks) > 5 {
			t.Fatalf("%d runs in 1.2 s every %v, want 2 to 5", len(tasks), every)
		}
		for i := 1; i < len(tasks); i++ {
			if gap := tasks[i].CreatedAt.Sub(tasks[i-1].CreatedAt); gap < every {
				t.Fatalf("runs %d and %d started %v apart, want at least %v", i-1, i, gap, every)
			}
		}
	})
}

func TestSchedulerFailingSourceDoesNotStopOthers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newSchedFixture(t, db)
		failing := addSched(t, f.m, "failing", map[string]any{"every": "1h"}, true)
		badSchedule := addSched(t, f.m, "bad-schedule", map[string]any{"cron": "0 3 * *"}, false)
		unbuildable := &SyncSource{Name: "unbuildable", SourceType: "sched", Enabled: true, Options: map[string]any{"schedule": map[string]any{}}}
		if err := f.m.AddSource(context.Background(), unbuildable); err != nil {
			t.Fatal(err)
		}
		// An unregistered type: the source cannot start at all.
		if _, err := db.NewUpdate().Model((*SyncSource)(nil)).Set("? = ?", bun.Ident("sourceType"), "gone").
			Where("? = ?", bun.Ident("id"), unbuildable.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		good := addSched(t, f.m, "good", map[string]any{"every": "1h"}, false)
		stop := runScheduler(t, NewScheduler(f.m, SchedulerOptions{Tick: 10 * time.Millisecond}))
		time.Sleep(500 * time.Millisecond)
		stop()

		if tasks := settledTasks(t, f.m, failing.ID); len(tasks) != 1 || tasks[0].Status != TaskFailed {
			t.Fatalf("failing source: %+v, want one failed task", tasks)
		}
		if tasks := settledTasks(t, f.m, good.ID); len(tasks) != 1 || tasks[0].Status != TaskSuccess {
			t.Fatalf("good source: %+v, want one successful task", tasks)
		}
		if tasks := settledTasks(t, f.m, badSchedule.ID); len(tasks) != 0 {
			t.Fatalf("source with a bad schedule ran %d times, want 0", len(tasks))
		}
		logs := f.logs.String()
		for _, want := range []string{"schedule.cron: expected exactly 5 fields", `SyncSourceType [gone] is not found.`} {
			if strings.Count(logs, want) != 1 {
				t.Fatalf("logs mention %q other than once (not once per tick):\n%s", want, logs)
			}
		}
	})
}

func TestSchedulerSkipsLeasedSourceAndTakesOverExpired(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newSchedFixture(t, db)
		ctx := context.Background()
		held := addSched(t, f.m, "held", map[string]any{"every": "1h"}, false)
		orphan := addSched(t, f.m, "orphan", map[string]any{"every": "1h"}, false)
		leases := []*SyncLease{
			{SourceName: "held", Holder: "alive-elsewhere", ExpiresAt: time.Now().Add(time.Hour)},
			{SourceName: "orphan", Holder: "crashed", ExpiresAt: time.Now().Add(-time.Second)},
		}
		if _, err := db.NewInsert().Model(&leases).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		stop := runScheduler(t, NewScheduler(f.m, SchedulerOptions{Tick: 10 * time.Millisecond, Holder: "survivor"}))
		time.Sleep(500 * time.Millisecond)
		stop()

		if tasks := settledTasks(t, f.m, held.ID); len(tasks) != 0 {
			t.Fatalf("source leased by a live holder ran %d times here, want 0", len(tasks))
		}
		if tasks := settledTasks(t, f.m, orphan.ID); len(tasks) != 1 || tasks[0].Status != TaskSuccess {
			t.Fatalf("source of a crashed holder: %+v, want one successful run", tasks)
		}
		var left []SyncLease
		if err := db.NewSelect().Model(&left).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(left) != 1 || left[0].Holder != "alive-elsewhere" {
			t.Fatalf("leases after the run: %+v, want only alive-elsewhere's", left)
		}
	})
}

// fleetPools opens two independent pools on one database.
func fleetPools(t *testing.T, dialect string) (*bun.DB, *bun.DB) {
	t.Helper()
	ctx := context.Background()
	if dialect == "sqlite" {
		path := filepath.Join(t.TempDir(), "fleet.db")
		var dbs [2]*bun.DB
		for i := range dbs {
			db, err := sqlitedb.Open(ctx, path, sqlitedb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs[i] = db
		}
		return dbs[0], dbs[1]
	}
	first := dbtest.Postgres(t)
	var schema string
	if err := first.NewRaw("SELECT current_schema()").Scan(ctx, &schema); err != nil {
		t.Fatal(err)
	}
	second := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(
		pgdriver.WithDSN(dbtest.PostgresDSN()),
		pgdriver.WithConnParams(map[string]any{"search_path": schema}),
	)), pgdialect.New())
	t.Cleanup(func() { second.Close() })
	return first, second
}

// TestSchedulerFleet starts two schedulers on two independent pools of
// one database at the same moment: every due source runs exactly once.
func TestSchedulerFleet(t *testing.T) {
	for _, dialect := range []string{"sqlite", "pg"} {
		t.Run(dialect, func(t *testing.T) {
			db1, db2 := fleetPools(t, dialect)
			f1 := newSchedFixture(t, db1)
			f2 := newSchedFixture(t, db2)
			var sources []*SyncSource
			for i := range 5 {
				sources = append(sources, addSched(t, f1.m, fmt.Sprintf("fleet-%d", i), map[string]any{"every": "1h"}, false))
			}
			schedulers := []*Scheduler{
				NewScheduler(f1.m, SchedulerOptions{Tick: 10 * time.Millisecond, Holder: "instance-1"}),
				NewScheduler(f2.m, SchedulerOptions{Tick: 10 * time.Millisecond, Holder: "instance-2"}),
			}
			ctx, cancel := context.WithCancel(context.Background())
			start := make(chan struct{})
			var wg sync.WaitGroup
			for _, s := range schedulers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					if err := s.Run(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			close(start)
			time.Sleep(time.Second)
			cancel()
			wg.Wait()

			for _, src := range sources {
				tasks := settledTasks(t, f1.m, src.ID)
				if len(tasks) != 1 || tasks[0].Status != TaskSuccess {
					t.Fatalf("source %s: %d tasks (%+v), want exactly one successful run", src.Name, len(tasks), tasks)
				}
			}
			if n := len(f1.nicknames(t)); n != 2*len(sources) {
				t.Fatalf("people synced: %d, want %d", n, 2*len(sources))
			}
		})
	}
}

// TestSchedulerSlowSource runs a source that blocks until released next
// to a quick one, with two schedulers and a lease much shorter than the
// run (PostgreSQL only: on SQLite a run holds the one write lock, so
// every other run waits for it there).
func TestSchedulerSlowSource(t *testing.T) {
	db := dbtest.Postgres(t)
	f := newSchedFixture(t, db)
	release := make(chan struct{})
	slowType := SourceType{Title: "Slow", New: func(SourceConfig) (Source, error) {
		return slowSource{release: release}, nil
	}}
	if err := f.m.RegisterSourceType("slow", slowType); err != nil {
		t.Fatal(err)
	}
	slow := &SyncSource{Name: "slow", SourceType: "slow", Enabled: true, Options: map[string]any{"schedule": map[string]any{"every": "100ms"}}}
	if err := f.m.AddSource(context.Background(), slow); err != nil {
		t.Fatal(err)
	}
	quick := addSched(t, f.m, "quick", map[string]any{"every": "1h"}, false)

	// The slow run outlasts the lease many times over: only renewal keeps
	// the second scheduler from taking it and starting the source again.
	// The lease is long enough that renewal (every third of it) keeps up
	// on a loaded CI machine under -race.
	opts := SchedulerOptions{Tick: 10 * time.Millisecond, LeaseTTL: 1500 * time.Millisecond}
	opts.Holder = "one"
	stopOne := runScheduler(t, NewScheduler(f.m, opts))
	opts.Holder = "two"
	stopTwo := runScheduler(t, NewScheduler(f.m, opts))
	time.Sleep(4 * time.Second)
	stopOne()
	stopTwo()

	if tasks := settledTasks(t, f.m, quick.ID); len(tasks) != 1 || tasks[0].Status != TaskSuccess {
		t.Fatalf("quick source next to a slow one: %+v, want one successful run", tasks)
	}
	tasks, err := f.m.Tasks(context.Background(), slow.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 || tasks[0].Status != TaskProcessing {
		t.Fatalf("slow source after 4 s: %d tasks, want one still processing", len(tasks))
	}
	close(release)
	if tasks := settledTasks(t, f.m, slow.ID); len(tasks) != 1 || tasks[0].Status != TaskSuccess {
		t.Fatalf("slow source once released: %+v, want one successful run", tasks)
	}
}

// slowSource emits one user once release is closed.
type slowSource struct{ release <-chan struct{} }

func (s slowSource) Pull(ctx context.Context, emit func(UserData) error) error {
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return emit(UserData{DataType: DataTypeUser, Records: []Record{{"uid": "slow-1", "nickname": "Slow"}}})
}
