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
	return m.rerun(ctx, taskID, TaskPendingApproval)
}
