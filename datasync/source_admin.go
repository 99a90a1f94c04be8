package datasync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

var (
	// ErrSourceExists: another source already has that name (names are
	// unique: sync records are keyed by them). It answers 409.
	ErrSourceExists = errors.New("datasync: a source with that name exists")
	// ErrSourceInUse: the source still owns synced data, or a task of it
	// is running, so it cannot be deleted or renamed yet: [Manager.Clear]
	// it first, or wait for the task. It answers 409.
	ErrSourceInUse = errors.New("datasync: the source is in use")
)

// statusError gives an error of this file the HTTP status an admin API
// answers it with, keeping its sentinel for errors.Is.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }

func (e *statusError) Unwrap() error { return e.err }

// HTTPStatus is 400 for a source that cannot be saved as given, 409 for
// one that conflicts with what is stored.
func (e *statusError) HTTPStatus() int { return e.status }

func invalidSource(err error) error {
	return &statusError{status: http.StatusBadRequest, err: err}
}

func sourceConflict(kind error, format string, args ...any) error {
	return &statusError{status: http.StatusConflict, err: fmt.Errorf("%w: "+format, append([]any{kind}, args...)...)}
}

// ValidateSource checks a source row before it is saved, so that a typo
// in its options is an error at save time rather than a failed task at
// 3 a.m.: a name, a registered type, the options the manager reads itself
// ([ParsePolicy]; "schedule" and "fullSchedule" as [ParseSchedule] reads
// them), and the options its type reads, by
// building the source with the type's New (which must not do I/O). Every
// error wraps ErrInvalidSource (or ErrSourceTypeNotFound), names the
// option when one is at fault, and answers 400 (HTTPStatus).
func (m *Manager) ValidateSource(s *SyncSource) error {
	if s == nil || s.Name == "" {
		return invalidSource(fmt.Errorf("%w: a source needs a name", ErrInvalidSource))
	}
	if s.SourceType == "" {
		return invalidSource(fmt.Errorf("%w: source %q: sourceType is required", ErrInvalidSource, s.Name))
	}
	if _, ok := m.sourceType(s.SourceType); !ok {
		return fmt.Errorf("datasync: source %q: %w", s.Name, sourceTypeNotFound(s.SourceType))
	}
	if _, err := ParsePolicy(s.Options); err != nil {
		return invalidSource(fmt.Errorf("datasync: source %q: %w", s.Name, err))
	}
	for _, key := range []string{"schedule", "fullSchedule"} {
		if _, _, err := parseSchedule(s.Options, key); err != nil {
			return invalidSource(fmt.Errorf("datasync: source %q: %w", s.Name, err))
		}
	}
	if _, err := m.newSource(s); err != nil {
		return invalidSource(err)
	}
	return nil
}

// Sources returns every source row, enabled or not, by sort then id: what
// an administrator lists. Running uses only enabled ones
// ([Manager.SourceByName]).
func (m *Manager) Sources(ctx context.Context) ([]*SyncSource, error) {
	var rows []*SyncSource
	err := m.db.NewSelect().Model(&rows).
		OrderExpr("? ASC, ? ASC", bun.Ident("sort"), bun.Ident("id")).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("datasync: list sources: %w", err)
	}
	return rows, nil
}

// Source returns the source with that id, enabled or not, or an error
// matching ErrSourceNotFound (404) with NocoBase's message.
func (m *Manager) Source(ctx context.Context, id int64) (*SyncSource, error) {
	return m.sourceIn(ctx, m.db, id)
}

func (m *Manager) sourceIn(ctx context.Context, db bun.IDB, id int64) (*SyncSource, error) {
	s := new(SyncSource)
	err := db.NewSelect().Model(s).Where("? = ?", bun.Ident("id"), id).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &referenceError{msg: "SyncSource [" + strconv.FormatInt(id, 10) + "] is not found.", kind: ErrSourceNotFound}
	}
	if err != nil {
		return nil, fmt.Errorf("datasync: load source %d: %w", id, err)
	}
	return s, nil
}

// CreateSource validates s ([Manager.ValidateSource]) and inserts it, as
// [Manager.AddSource] does (s.ID and its timestamps are filled in). A
// name another source has is an error matching ErrSourceExists (409).
func (m *Manager) CreateSource(ctx context.Context, s *SyncSource) error {
	if err := m.ValidateSource(s); err != nil {
		return err
	}
	if err := m.checkNameFree(ctx, m.db, s.Name, 0); err != nil {
		return err
	}
	return m.AddSource(ctx, s)
}

// UpdateSource saves s over the row with s.ID: its name, type, display
// name, enabled flag, options, sort and updatedById, validated as
// [Manager.ValidateSource] does. A missing row is ErrSourceNotFound (404),
// a name another source has ErrSourceExists (409). Renaming a source that
// owns sync records is ErrSourceInUse (409): the records are keyed by the
// name, so the renamed source would no longer know what it synced. Clear
// it first, or keep the name.
func (m *Manager) UpdateSource(ctx context.Context, s *SyncSource) error {
	if err := m.ValidateSource(s); err != nil {
		return err
	}
	return m.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		old, err := m.sourceIn(ctx, tx, s.ID)
		if err != nil {
			return err
		}
		if old.Name != s.Name {
			if err := m.checkNameFree(ctx, tx, s.Name, s.ID); err != nil {
				return err
			}
			if n, err := syncRecordCount(ctx, tx, old.Name); err != nil {
				return err
			} else if n > 0 {
				return sourceConflict(ErrSourceInUse, "source %q owns %d sync records, which are keyed by its name: clear it before renaming it", old.Name, n)
			}
		}
		if s.Options == nil {
			s.Options = map[string]any{}
		}
		s.CreatedAt, s.CreatedByID = old.CreatedAt, old.CreatedByID
		s.UpdatedAt = time.Now()
		_, err = tx.NewUpdate().Model(s).
			Column("name", "sourceType", "displayName", "enabled", "options", "sort", "updatedAt", "updatedById").
			WherePK().
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("datasync: update source %d: %w", s.ID, err)
		}
		return nil
	})
}

// DeleteSource deletes the source with that id with its tasks, its saved
// state (watermark) and its scheduler lease. It refuses, with an error
// matching ErrSourceInUse (409), while the source still owns sync records
// or adopted rows: deleting the row would leave the users it synced owned
// by nothing, never cleared and never updated. [Manager.Clear] it first.
// It also refuses while one of its tasks is running. The change history
// (userDataSyncChanges) stays: it is the audit trail of what the source
// did, searchable by source name. A missing source is ErrSourceNotFound.
func (m *Manager) DeleteSource(ctx context.Context, id int64) error {
	return m.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		s, err := m.sourceIn(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := checkDeletable(ctx, tx, s); err != nil {
			return err
		}
		deletes := []*bun.DeleteQuery{
			tx.NewDelete().Model((*SyncTask)(nil)).Where("? = ?", bun.Ident("sourceId"), id),
			tx.NewDelete().Model((*SyncState)(nil)).Where("? = ?", bun.Ident("sourceName"), s.Name),
			tx.NewDelete().Model((*SyncLease)(nil)).Where("? = ?", bun.Ident("sourceName"), s.Name),
			tx.NewDelete().Model((*SyncSource)(nil)).Where("? = ?", bun.Ident("id"), id),
		}
		for _, q := range deletes {
			if _, err := q.Exec(ctx); err != nil {
				return fmt.Errorf("datasync: delete source %q: %w", s.Name, err)
			}
		}
		return nil
	})
}

// checkDeletable refuses deleting a source that owns data or runs.
func checkDeletable(ctx context.Context, tx bun.IDB, s *SyncSource) error {
	records, err := syncRecordCount(ctx, tx, s.Name)
	if err != nil {
		return err
	}
	adopted, err := tx.NewSelect().Model((*SyncAdoption)(nil)).Where("? = ?", bun.Ident("sourceName"), s.Name).Count(ctx)
	if err != nil {
		return fmt.Errorf("datasync: count the adoptions of source %q: %w", s.Name, err)
	}
	if records+adopted > 0 {
		return sourceConflict(ErrSourceInUse, "source %q still owns %d sync records and %d adopted rows: clear it first (Clear, userData:clear)", s.Name, records, adopted)
	}
	running, err := tx.NewSelect().Model((*SyncTask)(nil)).
		Where("? = ?", bun.Ident("sourceId"), s.ID).
		Where("? IN (?)", bun.Ident("status"), bun.List([]string{TaskInit, TaskProcessing})).
		Count(ctx)
	if err != nil {
		return fmt.Errorf("datasync: count the running tasks of source %q: %w", s.Name, err)
	}
	if running > 0 {
		return sourceConflict(ErrSourceInUse, "source %q has a task running: wait for it to end", s.Name)
	}
	return nil
}

func syncRecordCount(ctx context.Context, db bun.IDB, sourceName string) (int64, error) {
	n, err := db.NewSelect().Model((*SyncRecord)(nil)).Where("? = ?", bun.Ident("sourceName"), sourceName).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("datasync: count the sync records of source %q: %w", sourceName, err)
	}
	return n, nil
}

// checkNameFree refuses a name that a source other than exceptID has. The
// unique index still decides between two saves racing; this only makes
// the usual case a clear 409.
func (m *Manager) checkNameFree(ctx context.Context, db bun.IDB, name string, exceptID int64) error {
	taken, err := db.NewSelect().Model((*SyncSource)(nil)).
		Where("? = ?", bun.Ident("name"), name).
		Where("? <> ?", bun.Ident("id"), exceptID).
		Exists(ctx)
	if err != nil {
		return fmt.Errorf("datasync: check source name %q: %w", name, err)
	}
	if taken {
		return sourceConflict(ErrSourceExists, "source %q", name)
	}
	return nil
}

// TaskQuery selects tasks for [Manager.ListTasks]; zero fields select all.
type TaskQuery struct {
	SourceID int64
	Status   string
	// Offset and Limit page the tasks, newest first; Limit 0 is no limit.
	Offset, Limit int
}

// ListTasks returns a page of the tasks q selects, newest first, and how
// many it selects in all.
func (m *Manager) ListTasks(ctx context.Context, q TaskQuery) ([]*SyncTask, int64, error) {
	tasks := []*SyncTask{}
	sel := m.db.NewSelect().Model(&tasks).OrderExpr("? DESC", bun.Ident("id"))
	if q.SourceID != 0 {
		sel = sel.Where("? = ?", bun.Ident("sourceId"), q.SourceID)
	}
	if q.Status != "" {
		sel = sel.Where("? = ?", bun.Ident("status"), q.Status)
	}
	if q.Offset > 0 {
		sel = sel.Offset(int64(q.Offset))
	}
	if q.Limit > 0 {
		sel = sel.Limit(int64(q.Limit))
	}
	total, err := sel.ScanAndCount(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("datasync: list tasks: %w", err)
	}
	return tasks, total, nil
}
