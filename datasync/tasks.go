package datasync

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// Task returns the task with that id, or an error matching ErrTaskNotFound.
func (m *Manager) Task(ctx context.Context, id int64) (*SyncTask, error) {
	task := new(SyncTask)
	err := m.db.NewSelect().Model(task).Where("? = ?", bun.Ident("id"), id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, taskNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("datasync: load task %d: %w", id, err)
	}
	return task, nil
}

// Tasks returns the tasks of the source with that id, newest first.
func (m *Manager) Tasks(ctx context.Context, sourceID int64) ([]*SyncTask, error) {
	var tasks []*SyncTask
	err := m.db.NewSelect().Model(&tasks).
		Where("? = ?", bun.Ident("sourceId"), sourceID).
		OrderExpr("? DESC", bun.Ident("id")).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("datasync: list tasks of source %d: %w", sourceID, err)
	}
	return tasks, nil
}

func taskNotFound(id int64) error {
	return &referenceError{msg: "Task [" + strconv.FormatInt(id, 10) + "] is not found.", kind: ErrTaskNotFound}
}

// taskStateError is NocoBase's "Task [id] is not <status>.".
func taskStateError(id int64, want string) error {
	return &referenceError{msg: "Task [" + strconv.FormatInt(id, 10) + "] is not " + want + ".", kind: ErrTaskState}
}

// newTask creates an init task for the source (NocoBase's newTask). Its
// batch is the time to the second and six random digits.
func (m *Manager) newTask(ctx context.Context, sourceID int64) (*SyncTask, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(900000))
	if err != nil {
		return nil, fmt.Errorf("datasync: task batch: %w", err)
	}
	now := time.Now()
	task := &SyncTask{
		Batch:     now.Format("20060102150405") + strconv.FormatInt(100000+n.Int64(), 10),
		SourceID:  sourceID,
		Status:    TaskInit,
		CreatedAt: now,
		UpdatedAt: now,
	}
	if _, err := m.db.NewInsert().Model(task).Exec(ctx); err != nil {
		return nil, fmt.Errorf("datasync: create a task for source %d: %w", sourceID, err)
	}
	return task, nil
}

// taskMove is a task state change: from one status to another, with the
// columns that change with it.
type taskMove struct {
	from, to string
	cost     *int64
	message  *string
	// approval, when set, is the task's new Plan and Fingerprint (both
	// NULL for an empty one): set on pendingApproval, cleared on leaving
	// it.
	approval *taskApproval
	// fingerprint, when not empty, is a condition: the task still awaits
	// the approval of exactly these deletions.
	fingerprint string
}

// taskApproval is what a pendingApproval task keeps.
type taskApproval struct {
	plan        []*Plan
	fingerprint string
}

// beginTask moves an init task to processing.
func (m *Manager) beginTask(ctx context.Context, id int64) error {
	return m.moveTask(ctx, id, taskMove{from: TaskInit, to: TaskProcessing})
}

// endTask moves a processing task to success or failed, with the run's
// cost in milliseconds and its message.
func (m *Manager) endTask(ctx context.Context, id int64, success bool, cost int64, message string) error {
	to := TaskFailed
	if success {
		to = TaskSuccess
	}
	return m.moveTask(ctx, id, taskMove{from: TaskProcessing, to: to, cost: &cost, message: &message})
}

// pendTask moves a processing task to pendingApproval, with the refused
// run's cost, message, plans and fingerprint.
func (m *Manager) pendTask(ctx context.Context, id, cost int64, refused *DeletionLimitError) error {
	return m.moveTask(ctx, id, taskMove{
		from: TaskProcessing, to: TaskPendingApproval, cost: &cost, message: &refused.Message,
		approval: &taskApproval{plan: refused.Plans, fingerprint: refused.Fingerprint},
	})
}

// approveTask moves a pendingApproval task awaiting fingerprint back to
// processing, clearing its message, plan and fingerprint.
func (m *Manager) approveTask(ctx context.Context, id int64, fingerprint string) error {
	empty := ""
	return m.moveTask(ctx, id, taskMove{
		from: TaskPendingApproval, to: TaskProcessing, message: &empty,
		approval: &taskApproval{}, fingerprint: fingerprint,
	})
}

// retryTask moves a failed task back to processing and clears its message.
func (m *Manager) retryTask(ctx context.Context, id int64) error {
	empty := ""
	return m.moveTask(ctx, id, taskMove{from: TaskFailed, to: TaskProcessing, message: &empty})
}

// setApproval sets a task's plan and fingerprint, NULL when empty. The
// plan goes in as its JSON text, which both databases take for a JSON
// column.
func setApproval(q *bun.UpdateQuery, a *taskApproval) (*bun.UpdateQuery, error) {
	if len(a.plan) == 0 {
		q = q.Set("? = NULL", bun.Ident("plan"))
	} else {
		raw, err := json.Marshal(a.plan)
		if err != nil {
			return nil, fmt.Errorf("encode the plan awaiting approval: %w", err)
		}
		q = q.Set("? = ?", bun.Ident("plan"), string(raw))
	}
	if a.fingerprint == "" {
		return q.Set("? = NULL", bun.Ident("fingerprint")), nil
	}
	return q.Set("? = ?", bun.Ident("fingerprint"), a.fingerprint), nil
}

// moveTask applies mv to the task if it is in status mv.from. It is one
// conditional UPDATE, so of two instances moving the same task only one
// succeeds; the other gets ErrTaskState (or ErrTaskNotFound).
func (m *Manager) moveTask(ctx context.Context, id int64, mv taskMove) error {
	q := m.db.NewUpdate().Model((*SyncTask)(nil)).
		Set("? = ?", bun.Ident("status"), mv.to).
		Set("? = ?", bun.Ident("updatedAt"), time.Now()).
		Where("? = ?", bun.Ident("id"), id).
		Where("? = ?", bun.Ident("status"), mv.from)
	if mv.cost != nil {
		q = q.Set("? = ?", bun.Ident("cost"), *mv.cost)
	}
	if mv.message != nil {
		q = q.Set("? = ?", bun.Ident("message"), *mv.message)
	}
	if mv.approval != nil {
		var err error
		if q, err = setApproval(q, mv.approval); err != nil {
			return fmt.Errorf("datasync: task %d: %w", id, err)
		}
	}
	if mv.fingerprint != "" {
		q = q.Where("? = ?", bun.Ident("fingerprint"), mv.fingerprint)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return fmt.Errorf("datasync: task %d: %s → %s: %w", id, mv.from, mv.to, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("datasync: task %d: %w", id, err)
	} else if n == 1 {
		return nil
	}
	exists, err := m.db.NewSelect().Model((*SyncTask)(nil)).Where("? = ?", bun.Ident("id"), id).Exists(ctx)
	if err != nil {
		return fmt.Errorf("datasync: task %d: %w", id, err)
	}
	if !exists {
		return taskNotFound(id)
	}
	return taskStateError(id, mv.from)
}
