package datasync

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// Scheduler defaults.
const (
	// DefaultSchedulerTick is how often a Scheduler looks for due sources.
	DefaultSchedulerTick = time.Second
	// DefaultLeaseTTL is how long a Scheduler's lease on a source lasts
	// without renewal: how long a crashed scheduler's sources wait before
	// another instance takes them over.
	DefaultLeaseTTL = 10 * time.Minute
)

// DefaultRetryBackoff is the wait before the first retry of a source
// whose "retry" policy gives attempts but no backoff.
const DefaultRetryBackoff = 30 * time.Second

// releaseTimeout bounds giving a lease back, which must happen even when
// the scheduler's context was cancelled.
const releaseTimeout = 10 * time.Second

// SchedulerOptions configure a [Scheduler]; the zero value is the
// defaults.
type SchedulerOptions struct {
	// Tick is how often the scheduler looks for due sources; zero means
	// DefaultSchedulerTick. A source runs up to a Tick after it is due.
	Tick time.Duration
	// LeaseTTL is how long a lease lasts; zero means DefaultLeaseTTL. A
	// running source's lease is renewed every LeaseTTL/3, so only a
	// scheduler that stopped (crashed, or lost its database) loses it.
	LeaseTTL time.Duration
	// Holder names this scheduler in userDataSyncLeases; empty means the
	// host name, the process id and a random suffix. Two schedulers with
	// the same Holder share leases, so give each instance its own.
	Holder string
}

// Scheduler runs sources by their schedules (the "schedule" object of a
// source's options, see [ParseSchedule]) until its context ends, on one
// instance or on a whole fleet sharing a database.
//
//	s := datasync.NewScheduler(m, datasync.SchedulerOptions{})
//	go s.Run(ctx) // returns nil when ctx ends
//
// Every Tick it reads the enabled sources and each one's latest task; a
// source is due when [Schedule.Next] of that task's start has passed, or
// when it never ran ([Manager.NextRun] gives the same answer). A due
// source runs as [Manager.Pull] does, as a task, in a goroutine of its
// own: a slow source does not hold up the others, a failing one only
// fails its task, and a source never runs twice at once in one process.
//
// # One runner per source across a fleet
//
// Before it pulls, a scheduler takes the source's lease, a row of
// userDataSyncLeases, in one conditional statement that exactly one
// instance wins (see [SyncLease]). The winner then reads the source's
// latest task again, because the task another instance just ran makes
// the source no longer due; so instances started at the same moment run
// a due source exactly once. The lease is renewed while the run lasts and
// deleted when it ends; a crashed holder's lease expires after LeaseTTL
// and the next scheduler to find the source due takes it over. It is a
// row rather than a PostgreSQL advisory lock because a session lock lives
// on one pooled connection, which database/sql may close or reuse, and
// does not expire while a hung holder keeps its connection open.
//
// # Deltas and full runs
//
// A source whose options have a "fullSchedule" beside its "schedule" and
// whose type is a [DeltaSource] runs deltas ([Manager.PullChanges]) by
// "schedule" and full runs, which also deal with what the source no
// longer has, by "fullSchedule" after its last full run
// ([SyncState].LastFullAt). Until it has a watermark and a full run, and
// whenever its full run is due, a scheduled run is full; a full run that
// fails is tried again at the next "schedule" time. Without
// "fullSchedule" (or for a type that cannot run deltas) every scheduled
// run is full.
//
// # Retries
//
// A scheduled run that fails for a reason that may pass (its source's
// outside system failed, ErrSourceAPI, or its read stopped short,
// ErrIncomplete) is run again in the same task when the source's policy
// asks for it ("retry": {"attempts": 3, "backoff": "30s"}, see
// [RetryPolicy]): after Backoff (DefaultRetryBackoff when it is not
// given), then twice that, four times… up to Attempts more runs, the
// retry being the same kind of run (delta or full). A success, a failure
// of any other kind, a lost lease or the end of ctx stops retrying; the
// lease is kept (and renewed) while the scheduler waits. Without "retry"
// a failed run waits for the next scheduled time.
//
// A source that cannot start (a bad option, an unregistered type) is
// logged and tried again when its schedule next comes round, not every
// Tick. When ctx ends, Run stops waiting for runs and returns; runs in
// progress go on until they end or [Manager.Close] cancels them.
type Scheduler struct {
	m    *Manager
	opts SchedulerOptions

	mu        sync.Mutex
	running   map[string]bool      // sources this scheduler is running now
	notBefore map[string]time.Time // sources that failed to start: when to try again
	badConfig map[string]string    // the schedule error last logged per source
	runs      sync.WaitGroup
}

// NewScheduler returns a scheduler of m's sources. It panics when m is
// nil: a wiring mistake.
func NewScheduler(m *Manager, opts SchedulerOptions) *Scheduler {
	if m == nil {
		panic("datasync: NewScheduler: nil Manager")
	}
	if opts.Tick <= 0 {
		opts.Tick = DefaultSchedulerTick
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultLeaseTTL
	}
	if opts.Holder == "" {
		opts.Holder = defaultHolder()
	}
	return &Scheduler{
		m: m, opts: opts,
		running:   map[string]bool{},
		notBefore: map[string]time.Time{},
		badConfig: map[string]string{},
	}
}

// defaultHolder names this process: the host tells an operator where it
// runs, the pid which process, and the random part keeps two schedulers
// of one process (or a reused pid) apart.
func defaultHolder() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8])
}

// Run pulls each enabled, scheduled source when it is due, until ctx
// ends; then it waits for its goroutines to stop waiting and returns nil.
func (s *Scheduler) Run(ctx context.Context) error {
	tick := time.NewTicker(s.opts.Tick)
	defer tick.Stop()
	defer s.runs.Wait()
	for {
		s.dispatch(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// dispatch starts a run for every source that is due and not running.
func (s *Scheduler) dispatch(ctx context.Context) {
	sources, latest, states, err := s.load(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.m.log.Error("datasync: scheduler: read the sources", "error", err)
		}
		return
	}
	now := time.Now()
	for _, row := range sources {
		plan, ok := s.plan(row)
		if !ok || !s.due(row, plan, latest[row.ID], states[row.Name], now) {
			continue
		}
		s.runs.Add(1)
		go s.run(ctx, row.Name, plan)
	}
}

// load reads the enabled sources, the latest task of each source that
// has one, by source id, and the sources' states, by name.
func (s *Scheduler) load(ctx context.Context) ([]*SyncSource, map[int64]*SyncTask, map[string]*SyncState, error) {
	var sources []*SyncSource
	err := s.m.db.NewSelect().Model(&sources).
		Where("? = ?", bun.Ident("enabled"), true).
		OrderExpr("?", bun.Ident("id")).
		Scan(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	newest := s.m.db.NewSelect().Model((*SyncTask)(nil)).
		ColumnExpr("MAX(?)", bun.Ident("id")).
		Group("sourceId")
	var tasks []*SyncTask
	if err := s.m.db.NewSelect().Model(&tasks).Where("? IN (?)", bun.Ident("id"), newest).Scan(ctx); err != nil {
		return nil, nil, nil, err
	}
	latest := make(map[int64]*SyncTask, len(tasks))
	for _, t := range tasks {
		latest[t.SourceID] = t
	}
	var rows []*SyncState
	if err := s.m.db.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, nil, nil, err
	}
	states := make(map[string]*SyncState, len(rows))
	for _, st := range rows {
		states[st.SourceName] = st
	}
	return sources, latest, states, nil
}

// plan parses a source's schedules, logging a bad one once per distinct
// error rather than every Tick.
func (s *Scheduler) plan(row *SyncSource) (runPlan, bool) {
	plan, ok, err := parseRunPlan(row.Options)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.badConfig, row.Name)
		return plan, ok
	}
	if s.badConfig[row.Name] != err.Error() {
		s.badConfig[row.Name] = err.Error()
		s.m.log.Error("datasync: scheduler: the source's schedule is invalid; it does not run", "source", row.Name, "error", err)
	}
	return runPlan{}, false
}

// due reports whether the source should start now and, if so, marks it
// running: the caller must then run it.
func (s *Scheduler) due(row *SyncSource, plan runPlan, last *SyncTask, st *SyncState, now time.Time) bool {
	if at, _ := plan.next(last, st, now); at.After(now) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[row.Name] || s.notBefore[row.Name].After(now) {
		return false
	}
	delete(s.notBefore, row.Name)
	s.running[row.Name] = true
	return true
}

// run takes the source's lease and, if the source is still due, runs it
// (a delta or in full, see runPlan.next) and waits for the task, renewing
// the lease meanwhile, then retries it if it failed transiently.
func (s *Scheduler) run(ctx context.Context, name string, plan runPlan) {
	defer s.runs.Done()
	defer func() {
		s.mu.Lock()
		delete(s.running, name)
		s.mu.Unlock()
	}()
	log := s.m.log.With("source", name, "holder", s.opts.Holder)
	won, err := acquireLease(ctx, s.m.db, name, s.opts.Holder, s.opts.LeaseTTL)
	if err != nil || !won {
		if err != nil && ctx.Err() == nil {
			log.Error("datasync: scheduler: take the lease", "error", err)
		}
		return
	}
	defer s.release(ctx, name)
	// Another instance may have run the source between our read and our
	// lease: its task is the latest now, and the source is not due.
	row, at, fullFrom, err := s.m.nextScheduled(ctx, name)
	now := time.Now()
	if err != nil || at.After(now) {
		if err != nil && ctx.Err() == nil && !errors.Is(err, ErrSourceNotFound) && !errors.Is(err, ErrNotScheduled) {
			log.Error("datasync: scheduler: check the source is due", "error", err)
		}
		return
	}
	a := &attempt{row: row, delta: now.Before(fullFrom)}
	taskID, err := s.start(ctx, a)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("datasync: scheduler: start a scheduled run; next try at its next scheduled time", "error", err)
			s.mu.Lock()
			s.notBefore[name] = plan.sched.Next(time.Now())
			s.mu.Unlock()
		}
		return
	}
	log.Info("datasync: scheduler: started a scheduled run", "task", taskID, "delta", a.delta, "schedule", plan.sched.String())
	task := s.await(ctx, log, name, taskID)
	s.retry(ctx, log, a, task)
}

// attempt is a scheduled run of a source: the row it was started with,
// its kind, and how its source's read ended.
type attempt struct {
	row   *SyncSource
	delta bool
	watch *runWatch
}

// start builds the source and runs it as a new task: a delta only when
// its type can run one.
func (s *Scheduler) start(ctx context.Context, a *attempt) (int64, error) {
	if err := s.m.closed(); err != nil {
		return 0, err
	}
	src, err := s.m.newSource(a.row)
	if err != nil {
		return 0, err
	}
	if _, ok := src.(DeltaSource); !ok {
		a.delta = false
	}
	a.watch = &runWatch{}
	return s.m.startRun(ctx, a.row, src, &pullRun{delta: a.delta, watch: a.watch})
}

// retry runs a failed task's source again in the same task while the
// source's policy allows and its failures may pass (see Scheduler).
func (s *Scheduler) retry(ctx context.Context, log *slog.Logger, a *attempt, task *SyncTask) {
	pol, err := ParsePolicy(a.row.Options)
	if err != nil || pol.Retry.Attempts == 0 {
		return
	}
	wait := pol.Retry.Backoff
	if wait <= 0 {
		wait = DefaultRetryBackoff
	}
	for n := 1; n <= pol.Retry.Attempts; n++ {
		if task == nil || task.Status != TaskFailed || !a.watch.transient() {
			return
		}
		log.Warn("datasync: scheduler: a scheduled run failed for a reason that may pass; retrying", "task", task.ID, "attempt", n, "attempts", pol.Retry.Attempts, "after", wait)
		if !s.hold(ctx, a.row.Name, wait) {
			return
		}
		if err := s.restart(ctx, a, task.ID); err != nil {
			if ctx.Err() == nil {
				log.Error("datasync: scheduler: retry a scheduled run", "task", task.ID, "error", err)
			}
			return
		}
		task = s.await(ctx, log, a.row.Name, task.ID)
		wait *= 2
	}
}

// restart runs the failed task's source again in the same task, as
// Manager.Retry does, with the source row as it is now (a source disabled
// meanwhile is not retried).
func (s *Scheduler) restart(ctx context.Context, a *attempt, taskID int64) error {
	if err := s.m.closed(); err != nil {
		return err
	}
	row, src, err := s.m.buildSource(s.m.SourceByName(ctx, a.row.Name))
	if err != nil {
		return err
	}
	if _, ok := src.(DeltaSource); !ok {
		a.delta = false
	}
	if err := s.m.retryTask(ctx, taskID); err != nil {
		return err
	}
	a.row, a.watch = row, &runWatch{}
	return s.m.start(row, src, &pullRun{taskID: taskID, delta: a.delta, watch: a.watch})
}

// hold waits d while keeping the source's lease, renewed every
// LeaseTTL/3; it is false when ctx ended or the lease was lost.
func (s *Scheduler) hold(ctx context.Context, name string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return true
		}
		timer := time.NewTimer(min(left, s.opts.LeaseTTL/3))
		select {
		case <-ctx.Done():
			timer.Stop()
			return false
		case <-timer.C:
		}
		won, err := acquireLease(ctx, s.m.db, name, s.opts.Holder, s.opts.LeaseTTL)
		if err != nil || !won {
			s.m.log.Warn("datasync: scheduler: lost the lease while waiting to retry", "source", name, "holder", s.opts.Holder, "error", err)
			return false
		}
	}
}

// await waits for the task to end and returns it (nil when ctx ended, the
// wait failed or the lease was lost), renewing the lease every LeaseTTL/3
// so that a run longer than LeaseTTL keeps it.
func (s *Scheduler) await(ctx context.Context, log *slog.Logger, name string, taskID int64) *SyncTask {
	for {
		waitCtx, cancel := context.WithTimeout(ctx, s.opts.LeaseTTL/3)
		task, err := s.m.Wait(waitCtx, taskID)
		cancel()
		if err == nil {
			return task
		}
		if ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return nil
		}
		won, err := acquireLease(ctx, s.m.db, name, s.opts.Holder, s.opts.LeaseTTL)
		if err != nil || !won {
			log.Warn("datasync: scheduler: lost the lease of a running source", "task", taskID, "error", err)
			return nil
		}
	}
}

// release gives the lease back, even when ctx was cancelled, so the next
// due run need not wait for it to expire.
func (s *Scheduler) release(ctx context.Context, name string) {
	relCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := releaseLease(relCtx, s.m.db, name, s.opts.Holder); err != nil {
		s.m.log.Error("datasync: scheduler: release the lease", "source", name, "error", err)
	}
}
