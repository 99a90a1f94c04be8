package datasync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// sourceAPIMessage is what a task says when its source's outside system
// failed (NocoBase's ExternalAPIError): the real error is only logged.
const sourceAPIMessage = "The sync source API call failed. Please check the logs to troubleshoot the issue."

// closedMessage is what a task says when Close cancelled its run.
const closedMessage = "The sync was cancelled: the sync manager was closed."

// endTaskTimeout bounds recording a task's end, which must happen even when
// the run's context was cancelled.
const endTaskTimeout = 10 * time.Second

// RegisterSourceType registers a kind of source under name (NocoBase's
// registerType). It fails, wrapping ErrInvalidSource, for an empty name, a
// nil New, or a name already registered.
func (m *Manager) RegisterSourceType(name string, t SourceType) error {
	if name == "" {
		return fmt.Errorf("%w: a source type needs a name", ErrInvalidSource)
	}
	if t.New == nil {
		return fmt.Errorf("%w: source type %q has no New", ErrInvalidSource, name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.sourceTypes[name]; dup {
		return fmt.Errorf("%w: source type %q is already registered", ErrInvalidSource, name)
	}
	m.sourceTypes[name] = t
	m.sourceTypeOrder = append(m.sourceTypeOrder, name)
	return nil
}

// SourceTypes lists the registered source types in registration order
// (NocoBase's listTypes).
func (m *Manager) SourceTypes() []SourceTypeInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]SourceTypeInfo, 0, len(m.sourceTypeOrder))
	for _, name := range m.sourceTypeOrder {
		out = append(out, SourceTypeInfo{Name: name, Title: m.sourceTypes[name].Title})
	}
	return out
}

func (m *Manager) sourceType(name string) (SourceType, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.sourceTypes[name]
	return t, ok
}

func sourceTypeNotFound(name string) error {
	return &referenceError{msg: "SyncSourceType [" + name + "] is not found.", kind: ErrSourceTypeNotFound}
}

// AddSource inserts a source row; s.ID and its timestamps are filled in.
// The name must be non-empty (and unique: the table says so) and the type
// registered, else the error wraps ErrInvalidSource or
// ErrSourceTypeNotFound. Only an Enabled source runs.
func (m *Manager) AddSource(ctx context.Context, s *SyncSource) error {
	if s.Name == "" {
		return fmt.Errorf("%w: a source needs a name", ErrInvalidSource)
	}
	if _, ok := m.sourceType(s.SourceType); !ok {
		return fmt.Errorf("datasync: add source %q: %w", s.Name, sourceTypeNotFound(s.SourceType))
	}
	if s.Options == nil {
		s.Options = map[string]any{}
	}
	if _, err := m.db.NewInsert().Model(s).Exec(ctx); err != nil {
		return fmt.Errorf("datasync: add source %q: %w", s.Name, err)
	}
	return nil
}

// SourceByName returns the enabled source named name, or an error
// matching ErrSourceNotFound with NocoBase's message.
func (m *Manager) SourceByName(ctx context.Context, name string) (*SyncSource, error) {
	return m.enabledSource(ctx, bun.Ident("name"), name, name)
}

// SourceByID returns the enabled source with that id, or an error matching
// ErrSourceNotFound with NocoBase's message.
func (m *Manager) SourceByID(ctx context.Context, id int64) (*SyncSource, error) {
	return m.enabledSource(ctx, bun.Ident("id"), id, strconv.FormatInt(id, 10))
}

func (m *Manager) enabledSource(ctx context.Context, column bun.Ident, value any, label string) (*SyncSource, error) {
	s := new(SyncSource)
	err := m.db.NewSelect().Model(s).
		Where("? = ?", column, value).
		Where("? = ?", bun.Ident("enabled"), true).
		Limit(1).
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &referenceError{msg: "SyncSource [" + label + "] is not found.", kind: ErrSourceNotFound}
	}
	if err != nil {
		return nil, fmt.Errorf("datasync: load source %s: %w", label, err)
	}
	return s, nil
}

// newSource builds the Source a row describes through its registered type
// (NocoBase's SyncSourceManager.create).
func (m *Manager) newSource(row *SyncSource) (Source, error) {
	t, ok := m.sourceType(row.SourceType)
	if !ok {
		return nil, fmt.Errorf("datasync: source %q: %w", row.Name, sourceTypeNotFound(row.SourceType))
	}
	if _, err := ParsePolicy(row.Options); err != nil {
		return nil, fmt.Errorf("datasync: source %q: %w", row.Name, err)
	}
	src, err := t.New(SourceConfig{Name: row.Name, Options: typeOptions(row.Options), Row: row})
	if err != nil {
		return nil, fmt.Errorf("%w: source %q: %w", ErrInvalidSource, row.Name, err)
	}
	if src == nil {
		return nil, fmt.Errorf("%w: source %q: its type built no source", ErrInvalidSource, row.Name)
	}
	return src, nil
}

// managerOptions are the keys of a source's options that the manager
// reads itself, whatever the source's type.
var managerOptions = append([]string{"schedule", "fullSchedule"}, policyOptions...)

// typeOptions are a source's options without managerOptions: what its
// type's constructor is given.
func typeOptions(options map[string]any) map[string]any {
	out := make(map[string]any, len(options))
	for k, v := range options {
		if !slices.Contains(managerOptions, k) {
			out[k] = v
		}
	}
	return out
}

// Pull runs the enabled source named sourceName as a new task and returns
// the task's id at once; the run goes on in the background (until it ends
// or [Manager.Close]), so the caller's ctx bounds only the start. The whole
// pull is one transaction: the task ends success, or failed with the
// reason and nothing written, or pendingApproval when its deletion limits
// refused it (nothing written either; see [Manager.Approve]).
// [Manager.Wait] waits for it.
func (m *Manager) Pull(ctx context.Context, sourceName string) (int64, error) {
	return m.pullSource(ctx, sourceName, false)
}

// Retry runs a failed task's source (enabled, by the task's sourceId)
// again in the same task, in the background as Pull does, and returns the
// task's id. A task that is not failed is an error matching ErrTaskState:
// a pendingApproval task runs again only through [Manager.Approve].
func (m *Manager) Retry(ctx context.Context, taskID int64) (int64, error) {
	return m.rerun(ctx, taskID, TaskFailed)
}

func (m *Manager) closed() error {
	if err := m.stopCtx.Err(); err != nil {
		return fmt.Errorf("datasync: the manager is closed: %w", err)
	}
	return nil
}

// start runs a processing task in the background, unless the manager was
// closed since the task began, in which case the task ends failed. While
// the run lasts, the task has an entry in m.waiters: that is how Wait
// knows the run is local.
func (m *Manager) start(row *SyncSource, src Source, pr *pullRun) error {
	taskID := pr.taskID
	m.mu.Lock()
	err := m.closed()
	if err == nil {
		m.tasks.Add(1)
		m.waiters[taskID] = nil
	}
	m.mu.Unlock()
	if err != nil {
		m.finish(m.stopCtx, row.Name, taskID, 0, err)
		return err
	}
	go func() {
		defer m.tasks.Done()
		start := time.Now()
		err := m.runSource(m.stopCtx, row, src, pr)
		m.finish(m.stopCtx, row.Name, taskID, time.Since(start).Milliseconds(), err)
	}()
	return nil
}

// runSource applies everything src emits in one run transaction (see
// pullInTx), as pr says: pr carries the task and the run's kind (delta,
// approved deletions); runSource fills in the source and its policy.
func (m *Manager) runSource(ctx context.Context, row *SyncSource, src Source, pr *pullRun) error {
	name := row.Name
	pol, err := ParsePolicy(row.Options)
	if err != nil {
		return err
	}
	return m.withRunTx(ctx, name, func(tx bun.Tx) (err error) {
		// A panicking source (or resource) must not take the host down with
		// it: it fails its task, and the transaction rolls back.
		defer func() {
			if p := recover(); p != nil {
				m.log.Error("datasync: source run panicked", "source", name, "panic", p, "stack", string(debug.Stack()))
				err = fmt.Errorf("datasync: source %q panicked: %v", name, p)
			}
		}()
		pr.name, pr.src, pr.policy, pr.row = name, src, pol, row
		pr.dataset = sourceDataset(row, src)
		return m.pullInTx(ctx, tx, pr)
	})
}

// finish records a run's end on its task (outside the run's transaction,
// so that a failed run still records why) and wakes its waiters. The
// task's entry in m.waiters goes before the task can be retried, so a
// retry's run never loses its own entry. A run its deletion limits
// refused, when it can be approved, ends pendingApproval (pend).
func (m *Manager) finish(ctx context.Context, name string, taskID, cost int64, runErr error) {
	m.mu.Lock()
	chans := m.waiters[taskID]
	delete(m.waiters, taskID)
	m.mu.Unlock()
	defer func() {
		for _, c := range chans {
			close(c)
		}
	}()
	endCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), endTaskTimeout)
	defer cancel()
	var refused *DeletionLimitError
	if errors.As(runErr, &refused) && refused.Fingerprint != "" && ctx.Err() == nil {
		m.pend(ctx, endCtx, name, taskID, cost, refused)
		return
	}
	msg := ""
	if runErr != nil {
		msg = m.failureMessage(ctx, name, taskID, runErr)
	} else {
		m.log.Info("datasync: task succeeded", "source", name, "task", taskID, "costMs", cost)
	}
	m.remind(ctx, name, taskID, runErr, msg)
	if err := m.endTask(endCtx, taskID, runErr == nil, cost, msg); err != nil {
		m.log.Error("datasync: record the end of a task", "source", name, "task", taskID, "error", err)
	}
}

// pend ends a task pendingApproval and tells the Notifier, every time: an
// approval waits for someone, whatever the failure reminder's state (which
// it leaves as it is). The task is pending before the notice goes, so
// whoever reads the notice can approve at once.
func (m *Manager) pend(ctx, endCtx context.Context, name string, taskID, cost int64, refused *DeletionLimitError) {
	log := m.log.With("source", name, "task", taskID)
	log.Warn("datasync: task awaits approval: its deletion limits refused it", "users", refused.Deleted, "synced", refused.Synced)
	if err := m.pendTask(endCtx, taskID, cost, refused); err != nil {
		log.Error("datasync: record the end of a task", "error", err)
		return
	}
	m.notify(ctx, Notice{Kind: NoticeApproval, SourceName: name, TaskID: taskID, Message: refused.Message, At: time.Now().UTC()})
}

// failureMessage is the message a failed task keeps, and logs the failure.
// Record contents never reach the log: a DataError is logged by its record
// indexes, a FailedError by its counts.
func (m *Manager) failureMessage(ctx context.Context, name string, taskID int64, err error) string {
	log := m.log.With("source", name, "task", taskID)
	var (
		dataErr   *DataError
		failedErr *FailedError
	)
	switch {
	case ctx.Err() != nil:
		// Close cancelled the run; the driver's error for that varies.
		log.Warn("datasync: task cancelled by Close")
		return closedMessage
	case errors.Is(err, ErrSourceAPI):
		log.Error("datasync: task failed: the source's API failed", "error", err)
		return sourceAPIMessage
	case errors.As(err, &dataErr):
		log.Warn("datasync: task failed: invalid data", "records", dataErr.Records)
	case errors.As(err, &failedErr):
		log.Warn("datasync: task failed: records failed", "resource", failedErr.Resource, "failed", len(failedErr.Failures))
	default:
		log.Error("datasync: task failed", "error", err)
	}
	return err.Error()
}

// Wait blocks until the task ends (success, failed or pendingApproval)
// and returns it, or returns ctx's error. A task this manager runs wakes
// it when it ends, without reading the database meanwhile (an in-memory
// SQLite database cannot be read while a run holds its write lock); a
// task run by another instance is polled every 100 ms.
func (m *Manager) Wait(ctx context.Context, taskID int64) (*SyncTask, error) {
	m.mu.Lock()
	chans, local := m.waiters[taskID]
	done := make(chan struct{})
	if local {
		m.waiters[taskID] = append(chans, done)
	}
	m.mu.Unlock()
	if local {
		select {
		case <-done:
		case <-ctx.Done():
			m.dropWaiter(taskID, done)
			return nil, ctx.Err()
		}
	}
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	for {
		task, err := m.Task(ctx, taskID)
		if err != nil {
			return nil, err
		}
		if task.Status == TaskSuccess || task.Status == TaskFailed || task.Status == TaskPendingApproval {
			return task, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-poll.C:
		}
	}
}

func (m *Manager) dropWaiter(taskID int64, done chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if chans, ok := m.waiters[taskID]; ok {
		m.waiters[taskID] = slices.DeleteFunc(chans, func(c chan struct{}) bool { return c == done })
	}
}
