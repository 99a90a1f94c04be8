package syncapi

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// userData serves NocoBase's userData resource and the operations this
// package adds to it (approve, clear).
type userData struct {
	api *api
}

// taskStarted is the answer of an action that starts a task in the
// background: 202 with the task's id, to poll with userDataSyncTasks:get.
type taskStarted struct {
	TaskID int64 `json:"taskId"`
}

func started(id int64) *resourcer.Response {
	return &resourcer.Response{Status: http.StatusAccepted, Data: taskStarted{TaskID: id}}
}

func (h userData) listSyncTypes(*http.Request, *resourcer.ActionContext) (any, error) {
	return h.api.m.SourceTypes(), nil
}

// pull runs an enabled source now: its name is filterByTk, name or
// values.name (NocoBase's param is name).
func (h userData) pull(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	name, err := nameParam(ac.Params, "name", "filterByTk")
	if err != nil {
		return nil, err
	}
	id, err := h.api.m.Pull(r.Context(), name)
	if err != nil {
		return nil, err
	}
	return started(id), nil
}

// pullChanges runs a delta of an enabled source now (see
// [datasync.Manager.PullChanges]): named as for pull.
func (h userData) pullChanges(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	name, err := nameParam(ac.Params, "name", "filterByTk")
	if err != nil {
		return nil, err
	}
	id, err := h.api.m.PullChanges(r.Context(), name)
	if err != nil {
		return nil, err
	}
	return started(id), nil
}

// retry runs a failed task again: its id is id, filterByTk or values.id;
// sourceId, when given (NocoBase sends it), must be the task's source.
func (h userData) retry(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	id, err := idParam(ac.Params, "id", "filterByTk")
	if err != nil {
		return nil, err
	}
	sourceID, err := optionalID(ac.Params, "sourceId")
	if err != nil {
		return nil, err
	}
	if sourceID != 0 {
		task, err := h.api.m.Task(r.Context(), id)
		if err != nil {
			return nil, err
		}
		if task.SourceID != sourceID {
			// NocoBase looks the task up among the source's: not found.
			return nil, &resourcer.StatusError{Status: http.StatusNotFound, Message: "Task [" + formatID(id) + "] is not found.", Err: datasync.ErrTaskNotFound}
		}
	}
	id, err = h.api.m.Retry(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return started(id), nil
}

// approve applies what a pendingApproval task was refused (see
// [datasync.Manager.Approve]): its id is id, filterByTk or values.id.
func (h userData) approve(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	id, err := idParam(ac.Params, "id", "filterByTk")
	if err != nil {
		return nil, err
	}
	id, err = h.api.m.Approve(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return started(id), nil
}

// clearView is a datasync.ClearReport as the API answers it.
type clearView struct {
	SourceName string         `json:"sourceName"`
	Totals     []progressView `json:"totals"`
	Unlinked   int            `json:"unlinked"`
}

// progressView is a datasync.Progress with NocoBase's camelCase names.
type progressView struct {
	DataType    datasync.DataType `json:"dataType"`
	Resource    string            `json:"resource"`
	Read        int               `json:"read"`
	Created     int               `json:"created"`
	Updated     int               `json:"updated"`
	Deleted     int               `json:"deleted"`
	Unchanged   int               `json:"unchanged"`
	Failed      int               `json:"failed"`
	Disabled    int               `json:"disabled"`
	Memberships int               `json:"memberships"`
}

// clear removes what a source synced and disables it (see
// [datasync.Manager.Clear]): its name is filterByTk, name or values.name.
func (h userData) clear(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	name, err := nameParam(ac.Params, "name", "filterByTk")
	if err != nil {
		return nil, err
	}
	rep, err := h.api.m.Clear(r.Context(), name)
	if err != nil {
		return nil, err
	}
	out := clearView{SourceName: rep.SourceName, Totals: make([]progressView, 0, len(rep.Totals)), Unlinked: rep.Unlinked}
	for _, p := range rep.Totals {
		out.Totals = append(out.Totals, progressView{
			DataType: p.DataType, Resource: p.Resource, Read: p.Read, Created: p.Created, Updated: p.Updated,
			Deleted: p.Deleted, Unchanged: p.Unchanged, Failed: p.Failed, Disabled: p.Disabled, Memberships: p.Memberships,
		})
	}
	return out, nil
}
