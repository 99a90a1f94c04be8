package datasync

import "context"

// pullSource starts a run of the enabled source named sourceName as a new
// task: Pull's, or PullChanges' when delta is set. A delta the source
// cannot run yet (deltaReady) is refused before any task exists.
func (m *Manager) pullSource(ctx context.Context, sourceName string, delta bool) (int64, error) {
	if err := m.closed(); err != nil {
		return 0, err
	}
	row, src, err := m.buildSource(m.SourceByName(ctx, sourceName))
	if err != nil {
		return 0, err
	}
	if delta {
		if err := m.deltaReady(ctx, row, src); err != nil {
			return 0, err
		}
	}
	return m.startRun(ctx, row, src, &pullRun{delta: delta})
}

// rerun runs a task's source (enabled, by the task's sourceId) again in
// the same task, in the background, and returns the task's id: Retry's
// for a failed task, Approve's for a pendingApproval one. A task not in
// status from is an error matching ErrTaskState.
func (m *Manager) rerun(ctx context.Context, taskID int64, from string) (int64, error) {
	if err := m.closed(); err != nil {
		return 0, err
	}
	task, err := m.Task(ctx, taskID)
	if err != nil {
		return 0, err
	}
	if task.Status != from {
		return 0, taskStateError(taskID, from)
	}
	row, src, err := m.buildSource(m.SourceByID(ctx, task.SourceID))
	if err != nil {
		return 0, err
	}
	pr := &pullRun{taskID: taskID}
	if from == TaskPendingApproval {
		// Conditional on the fingerprint read above: of two approvals
		// racing a re-plan, none applies deletions it did not see.
		pr.approved = task.Fingerprint
		err = m.approveTask(ctx, taskID, task.Fingerprint)
	} else {
		err = m.retryTask(ctx, taskID)
	}
	if err != nil {
		return 0, err
	}
	return taskID, m.start(row, src, pr)
}

// buildSource builds the Source of row, a source row just loaded, or
// passes on the error loading it returned: a lookup chains straight into
// it.
func (m *Manager) buildSource(row *SyncSource, err error) (*SyncSource, Source, error) {
	if err != nil {
		return nil, nil, err
	}
	src, err := m.newSource(row)
	if err != nil {
		return nil, nil, err
	}
	return row, src, nil
}

// startRun runs src as the source row describes, as a new task, in the
// background, as pr says (a delta run, a Scheduler's watched run); it
// fills in pr's task.
func (m *Manager) startRun(ctx context.Context, row *SyncSource, src Source, pr *pullRun) (int64, error) {
	task, err := m.newTask(ctx, row.ID)
	if err != nil {
		return 0, err
	}
	// Once the task exists it must not be left init by a caller whose
	// context ends now (a Scheduler stopping): it goes on to processing
	// and start ends it.
	if err := m.beginTask(context.WithoutCancel(ctx), task.ID); err != nil {
		return 0, err
	}
	pr.taskID = task.ID
	return task.ID, m.start(row, src, pr)
}
