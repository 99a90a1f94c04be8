package syncapi

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/listapi"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// taskFilterFields are the fields a tasks list may be filtered by.
var taskFilterFields = []string{"sourceId", "status"}

// defaultHistoryPage and maxHistoryPage are datasync.HistoryQuery's
// default and largest Limit.
const (
	defaultHistoryPage = 100
	maxHistoryPage     = 1000
)

// tasks serves userDataSyncTasks and userDataSyncSources.tasks.
type tasks struct {
	api *api
}

// list pages a source's tasks, newest first. The source is the
// association's (/userDataSyncSources/1/tasks), a sourceId param, or the
// filter's; the plan of a pendingApproval task is left out (get shows it).
func (h tasks) list(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	q, none, err := taskQuery(ac)
	if err != nil {
		return nil, err
	}
	pageNo, pageSize, err := listapi.Page(ac.Params, maxPageSize)
	if err != nil {
		return nil, err
	}
	if none {
		return &resourcer.Response{Data: []*datasync.SyncTask{}, Meta: resourcer.PageMeta(0, pageNo, pageSize)}, nil
	}
	q.Offset, q.Limit = (pageNo-1)*pageSize, pageSize
	list, total, err := h.api.m.ListTasks(r.Context(), q)
	if err != nil {
		return nil, err
	}
	for _, t := range list {
		t.Plan = nil
	}
	return &resourcer.Response{Data: list, Meta: resourcer.PageMeta(total, pageNo, pageSize)}, nil
}

// taskQuery reads what a tasks list selects; none is true when its
// conditions contradict each other.
func taskQuery(ac *resourcer.ActionContext) (q datasync.TaskQuery, none bool, err error) {
	f, err := listapi.ParseFilter(ac.Params["filter"], taskFilterFields)
	if err != nil {
		return q, false, err
	}
	if ac.SourceID != "" {
		f["sourceId"] = append(f["sourceId"], ac.SourceID)
	}
	if v, ok := ac.Params["sourceId"]; ok && v != nil {
		s, ok := listapi.Canonical(v)
		if !ok {
			return q, false, listapi.BadRequest("sourceId must be a positive whole number, got %s", listapi.Show(v))
		}
		f["sourceId"] = append(f["sourceId"], s)
	}
	if id, ok, contradict := f.One("sourceId"); contradict {
		return q, true, nil
	} else if ok {
		if q.SourceID, err = toID("sourceId", id); err != nil {
			return q, false, err
		}
	}
	status, _, contradict := f.One("status")
	q.Status = status
	return q, contradict, nil
}

func (h tasks) get(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	id, err := idParam(ac.Params, "filterByTk")
	if err != nil {
		return nil, err
	}
	return h.api.m.Task(r.Context(), id)
}

// history lists what a task changed (filterByTk is the task's id), oldest
// first, a page at a time: afterId is the last id of the page before, and
// meta.nextAfterId, present when the page is full, is the next page's.
func (h tasks) history(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	id, err := idParam(ac.Params, "filterByTk", "taskId")
	if err != nil {
		return nil, err
	}
	if _, err := h.api.m.Task(r.Context(), id); err != nil {
		return nil, err
	}
	return h.historyPage(r, ac, datasync.HistoryQuery{TaskID: id})
}

// searchHistory finds changes by what they changed, across tasks: "why
// was Alice disabled on Tuesday?" is uid (or resource and resourcePk),
// since and until. Every condition is optional; paging is history's.
func (h tasks) searchHistory(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	var q datasync.HistoryQuery
	var err error
	fields := []struct {
		key string
		dst *string
	}{{"sourceName", &q.SourceName}, {"resource", &q.Resource}, {"resourcePk", &q.ResourcePk}, {"uid", &q.UID}}
	for _, f := range fields {
		if *f.dst, err = optionalString(ac.Params, f.key); err != nil {
			return nil, err
		}
	}
	if q.ResourcePk != "" && q.Resource == "" {
		return nil, listapi.BadRequest("resourcePk needs resource: a primary key names a row of one resource")
	}
	if q.TaskID, err = optionalID(ac.Params, "taskId"); err != nil {
		return nil, err
	}
	if q.Since, err = optionalTime(ac.Params, "since"); err != nil {
		return nil, err
	}
	if q.Until, err = optionalTime(ac.Params, "until"); err != nil {
		return nil, err
	}
	return h.historyPage(r, ac, q)
}

func (h tasks) historyPage(r *http.Request, ac *resourcer.ActionContext, q datasync.HistoryQuery) (any, error) {
	after, err := optionalID(ac.Params, "afterId")
	if err != nil {
		return nil, err
	}
	size, err := resourcer.PositiveParam(ac.Params, "pageSize", defaultHistoryPage)
	if err != nil {
		return nil, err
	}
	if size > maxHistoryPage {
		return nil, listapi.BadRequest("pageSize must be at most %d, got %d", maxHistoryPage, size)
	}
	q.AfterID, q.Limit = after, int(size)
	changes, err := h.api.m.History(r.Context(), q)
	if err != nil {
		return nil, err
	}
	if changes == nil {
		changes = []*datasync.SyncChange{}
	}
	meta := map[string]any{"pageSize": size}
	if len(changes) == int(size) {
		meta["nextAfterId"] = changes[len(changes)-1].ID
	}
	return &resourcer.Response{Data: changes, Meta: meta}, nil
}
