package datasync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// DeltaSource is a [Source] that can also read only what changed since a
// point it names itself, the watermark: an LDAP directory's highest
// modifyTimestamp, a table's latest "updated at" value. The manager keeps
// the watermark in userDataSyncState ([SyncState]) between runs; to the
// manager it is opaque text.
//
// Every complete run of a DeltaSource is a call of PullChanges with ""
// (so the manager learns the watermark a full read ends at): it emits
// everything, and the records the source synced before and did not emit
// are then dealt with as after any complete read (see onMissing). A delta
// run ([Manager.PullChanges], or a "schedule" beside a "fullSchedule")
// calls PullChanges with the stored watermark and deletes nothing:
// records the source emits with isDeleted still delete, but a delta read
// cannot tell that something is gone by not seeing it, so entries removed
// from the source disappear at the next full run.
type DeltaSource interface {
	Source
	// PullChanges emits what changed since watermark ("" = everything, a
	// complete read that may be swept) and returns the watermark the next
	// delta starts from. It may emit a record again that did not change
	// (a watermark is rarely exact to the change): the manager finds it
	// unchanged. An empty returned watermark makes the next run full.
	// Errors follow Pull's rules: a short read wraps ErrIncomplete, emit's
	// error is returned unchanged.
	PullChanges(ctx context.Context, watermark string, emit func(UserData) error) (string, error)
}

// ErrNoWatermark is wrapped by the error of a delta run of a source that
// has no watermark yet: it never ran in full, or its last full read
// returned none. Run a full pull first; the Scheduler does so itself.
var ErrNoWatermark = errors.New("datasync: the source has no watermark: run a full pull first")

// PullChanges runs a delta of the enabled source named sourceName as a new
// task, in the background as [Manager.Pull] does, and returns the task's
// id: the source's type must be a [DeltaSource], which emits only what
// changed since its stored watermark; nothing is deleted for not being
// seen. A source whose type cannot run deltas is an error matching
// ErrInvalidSource; one that has no watermark yet, ErrNoWatermark (pull it
// in full first).
func (m *Manager) PullChanges(ctx context.Context, sourceName string) (int64, error) {
	return m.pullSource(ctx, sourceName, true)
}

// deltaReady refuses a delta run of a source whose type cannot run one
// (ErrInvalidSource) or that has no watermark yet (ErrNoWatermark).
func (m *Manager) deltaReady(ctx context.Context, row *SyncSource, src Source) error {
	if _, ok := src.(DeltaSource); !ok {
		return notDeltaError(row.Name)
	}
	_, err := storedWatermark(ctx, m.db, row.Name)
	return err
}

func notDeltaError(name string) error {
	return fmt.Errorf("%w: source %q: its type cannot run deltas (it is not a DeltaSource)", ErrInvalidSource, name)
}

// pullDelta reads only what changed since the source's watermark and
// saves the watermark the read ends at, in the run's transaction: a run
// that fails keeps the old one.
func (m *Manager) pullDelta(ctx context.Context, tx bun.Tx, pr *pullRun, emit func(UserData) error) error {
	ds, ok := pr.src.(DeltaSource)
	if !ok {
		return notDeltaError(pr.name)
	}
	watermark, err := storedWatermark(ctx, tx, pr.name)
	if err != nil {
		return err
	}
	next, err := ds.PullChanges(ctx, watermark, emit)
	if err := watchRead(pr, err); err != nil {
		return err
	}
	return saveSyncState(ctx, tx, pr.name, next, nil)
}

// fullPull reads the whole source. A DeltaSource reads through
// PullChanges(""), and the watermark it returns is saved with the time the
// read completed (LastFullAt), in the run's transaction.
func (m *Manager) fullPull(ctx context.Context, tx bun.Tx, pr *pullRun, emit func(UserData) error) error {
	ds, ok := pr.src.(DeltaSource)
	if !ok {
		return watchRead(pr, pr.src.Pull(ctx, emit))
	}
	next, err := ds.PullChanges(ctx, "", emit)
	if err := watchRead(pr, err); err != nil {
		return err
	}
	now := time.Now()
	return saveSyncState(ctx, tx, pr.name, next, &now)
}

// storedWatermark returns the source's stored watermark, or an error
// wrapping ErrNoWatermark when it has none.
func storedWatermark(ctx context.Context, db bun.IDB, name string) (string, error) {
	st, err := loadSyncState(ctx, db, name)
	if err != nil {
		return "", err
	}
	if st == nil || st.Watermark == "" {
		return "", fmt.Errorf("datasync: source %q: %w", name, ErrNoWatermark)
	}
	return st.Watermark, nil
}

// loadSyncState returns the source's state row, or nil when it has none.
func loadSyncState(ctx context.Context, db bun.IDB, name string) (*SyncState, error) {
	st := new(SyncState)
	err := db.NewSelect().Model(st).Where("? = ?", bun.Ident("sourceName"), name).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("datasync: read the state of source %q: %w", name, err)
	}
	return st, nil
}

// saveSyncState upserts the source's watermark and, when fullAt is set,
// the time of its last full run, leaving the row's other columns as they
// are. ON CONFLICT … DO UPDATE is the same on PostgreSQL and SQLite.
func saveSyncState(ctx context.Context, db bun.IDB, name, watermark string, fullAt *time.Time) error {
	st := &SyncState{SourceName: name, Watermark: watermark, LastFullAt: fullAt, UpdatedAt: time.Now().UTC()}
	q := db.NewInsert().Model(st).Column("sourceName", "watermark", "lastFullAt", "updatedAt").
		On("CONFLICT (?) DO UPDATE", bun.Ident("sourceName")).
		Set("? = EXCLUDED.?", bun.Ident("watermark"), bun.Ident("watermark")).
		Set("? = EXCLUDED.?", bun.Ident("updatedAt"), bun.Ident("updatedAt"))
	if fullAt != nil {
		q = q.Set("? = EXCLUDED.?", bun.Ident("lastFullAt"), bun.Ident("lastFullAt"))
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("datasync: save the watermark of source %q: %w", name, err)
	}
	return nil
}

// runWatch is how the read of a scheduled run's source ended: the
// Scheduler reads it once the task ended (the run's goroutine writes it,
// hence the lock).
type runWatch struct {
	mu  sync.Mutex
	err error
}

func (w *runWatch) set(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.err = err
}

// transient reports whether the last read failed for a reason that may
// pass.
func (w *runWatch) transient() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return transient(w.err)
}

// watchRead tells the scheduled run's watch, if pr has one, how its
// source's read ended, and returns err.
func watchRead(pr *pullRun, err error) error {
	if pr.watch != nil {
		pr.watch.set(err)
	}
	return err
}

// transient reports whether a source's error may pass by itself: the
// outside system failed (ErrSourceAPI) or the read stopped short
// (ErrIncomplete), but not because the run's context ended.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return errors.Is(err, ErrSourceAPI) || errors.Is(err, ErrIncomplete)
}
