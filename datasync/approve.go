package datasync

import "context"

// Approve lets a pendingApproval task disable or delete the users its
// deletion limits refused. It moves the task to processing and runs its
// source (enabled, by the task's sourceId) again in the same task, in the
// background as [Manager.Retry] does, and returns the task's id.
//
// The run applies the refused deletions regardless of the limits only if
// they are still exactly what the task showed (its Plan, identified by
// its fingerprint): the users the source no longer has are the same, with
// the same fate. If the source's data changed since, the run plans again
// and the limits apply as usual: the task ends success, or pendingApproval
// again with the new plan. Either way its Plan is cleared as it starts.
//
// A task that is not pendingApproval is an error matching ErrTaskState,
// "Task [id] is not pendingApproval.".
func (m *Manager) Approve(ctx context.Context, taskID int64) (int64, error) {
	if err := m.closed(); err != nil {
		return 0, err
	}
	task, err := m.Task(ctx, taskID)
	if err != nil {
		return 0, err
	}
	if task.Status != TaskPendingApproval {
		return 0, taskStateError(taskID, TaskPendingApproval)
	}
	row, err := m.SourceByID(ctx, task.SourceID)
	if err != nil {
		return 0, err
	}
	src, err := m.newSource(row)
	if err != nil {
		return 0, err
	}
	// Conditional on the fingerprint read above: of two approvals racing
	// a re-plan, none applies deletions it did not see.
	if err := m.approveTask(ctx, taskID, task.Fingerprint); err != nil {
		return 0, err
	}
	return taskID, m.start(row, src, &pullRun{taskID: taskID, approved: task.Fingerprint})
}
