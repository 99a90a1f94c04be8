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
	sources, latest, err := s.load(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.m.log.Error("datasync: scheduler: read the sources", "error", err)
		}
		return
	}
	now := time.Now()
	for _, row := range sources {
		sched, ok := s.schedule(row)
		if !ok || !s.due(row, sched, latest[row.ID], now) {
			continue
		}
		s.runs.Add(1)
		go s.run(ctx, row.Name, sched)
	}
}

// load reads the enabled sources and the latest task of each source that
// has one, by source id.
func (s *Scheduler) load(ctx context.Context) ([]*SyncSource, map[int64]*SyncTask, error) {
	var sources []*SyncSource
	err := s.m.db.NewSelect().Model(&sources).
		Where("? = ?", bun.Ident("enabled"), true).
		OrderExpr("?", bun.Ident("id")).
		Scan(ctx)
	if err != nil {
		return nil, nil, err
	}
	newest := s.m.db.NewSelect().Model((*SyncTask)(nil)).
		ColumnExpr("MAX(?)", bun.Ident("id")).
		Group("sourceId")
	var tasks []*SyncTask
	if err := s.m.db.NewSelect().Model(&tasks).Where("? IN (?)", bun.Ident("id"), newest).Scan(ctx); err != nil {
		return nil, nil, err
	}
	latest := make(map[int64]*SyncTask, len(tasks))
	for _, t := range tasks {
		latest[t.SourceID] = t
	}
	return sources, latest, nil
}

// schedule parses a source's schedule, logging a bad one once per
// distinct error rather than every Tick.
func (s *Scheduler) schedule(row *SyncSource) (Schedule, bool) {
	sched, ok, err := ParseSchedule(row.Options)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.badConfig, row.Name)
		return sched, ok
	}
	if s.badConfig[row.Name] != err.Error() {
		s.badConfig[row.Name] = err.Error()
		s.m.log.Error("datasync: scheduler: the source's schedule is invalid; it does not run", "source", row.Name, "error", err)
	}
	return Schedule{}, false
}

// due reports whether the source should start now and, if so, marks it
// running: the caller must then run it.
func (s *Scheduler) due(row *SyncSource, sched Schedule, last *SyncTask, now time.Time) bool {
	if last != nil && sched.nextAfter(last).After(now) {
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

// run takes the source's lease and, if the source is still due, pulls it
// and waits for the task, renewing the lease meanwhile.
func (s *Scheduler) run(ctx context.Context, name string, sched Schedule) {
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
	next, err := s.m.NextRun(ctx, name)
	if err != nil || next.After(time.Now()) {
		if err != nil && ctx.Err() == nil && !errors.Is(err, ErrSourceNotFound) && !errors.Is(err, ErrNotScheduled) {
			log.Error("datasync: scheduler: check the source is due", "error", err)
		}
		return
	}
	taskID, err := s.m.Pull(ctx, name)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("datasync: scheduler: start a scheduled run; next try at its next scheduled time", "error", err)
			s.mu.Lock()
			s.notBefore[name] = sched.Next(time.Now())
			s.mu.Unlock()
		}
		return
	}
	log.Info("datasync: scheduler: started a scheduled run", "task", taskID, "schedule", sched.String())
	s.await(ctx, log, name, taskID)
}

// await waits for the task to end, renewing the lease every LeaseTTL/3 so
// that a run longer than LeaseTTL keeps it.
func (s *Scheduler) await(ctx context.Context, log *slog.Logger, name string, taskID int64) {
	for {
		waitCtx, cancel := context.WithTimeout(ctx, s.opts.LeaseTTL/3)
		_, err := s.m.Wait(waitCtx, taskID)
		cancel()
		if err == nil || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return
		}
		won, err := acquireLease(ctx, s.m.db, name, s.opts.Holder, s.opts.LeaseTTL)
		if err != nil || !won {
			log.Warn("datasync: scheduler: lost the lease of a running source", "task", taskID, "error", err)
			return
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
