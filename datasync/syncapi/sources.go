package syncapi

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/listapi"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// sourceFields are the fields a client may write on a source.
var sourceFields = []string{"name", "sourceType", "displayName", "enabled", "options", "sort"}

// readOnlySourceFields are fields a source answers with and a client may
// send back unchanged (a form that read the row): they are ignored.
var readOnlySourceFields = []string{"id", "createdAt", "updatedAt", "createdById", "updatedById"}

// sourceFilterFields are the fields a sources list may be filtered by.
var sourceFilterFields = []string{"id", "name", "sourceType", "enabled"}

// sources serves userDataSyncSources.
type sources struct {
	api *api
}

// view is a source as the API shows it: its options redacted.
func view(s *datasync.SyncSource) *datasync.SyncSource {
	out := *s
	out.Options = redact(s.Options)
	return &out
}

func (h sources) list(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	filter, err := listapi.ParseFilter(ac.Params["filter"], sourceFilterFields)
	if err != nil {
		return nil, err
	}
	pageNo, pageSize, err := listapi.Page(ac.Params, 0)
	if err != nil {
		return nil, err
	}
	rows, err := h.api.m.Sources(r.Context())
	if err != nil {
		return nil, err
	}
	kept := make([]*datasync.SyncSource, 0, len(rows))
	for _, s := range rows {
		if matchSource(filter, s) {
			kept = append(kept, view(s))
		}
	}
	if listapi.Unpaged(ac.Params) {
		return kept, nil
	}
	return listapi.PageOf(kept, pageNo, pageSize), nil
}

// matchSource reports whether s meets filter on sourceFilterFields.
func matchSource(filter listapi.Filter, s *datasync.SyncSource) bool {
	return filter.Match("id", strconv.FormatInt(s.ID, 10)) &&
		filter.Match("name", s.Name) &&
		filter.Match("sourceType", s.SourceType) &&
		filter.Match("enabled", strconv.FormatBool(s.Enabled))
}

// source reads the source the request's filterByTk names.
func (h sources) source(r *http.Request, ac *resourcer.ActionContext) (*datasync.SyncSource, error) {
	id, err := idParam(ac.Params, "filterByTk")
	if err != nil {
		return nil, err
	}
	return h.api.m.Source(r.Context(), id)
}

func (h sources) get(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	s, err := h.source(r, ac)
	if err != nil {
		return nil, err
	}
	return view(s), nil
}

func (h sources) create(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	s := &datasync.SyncSource{Options: map[string]any{}}
	if err := applyValues(s, values(ac.Params)); err != nil {
		return nil, err
	}
	if s.Options != nil {
		if _, err := restoreSecrets(s.Options, nil, "values.options"); err != nil {
			return nil, err
		}
	}
	if id, ok := h.api.userID(r); ok {
		s.CreatedByID, s.UpdatedByID = &id, &id
	}
	now := time.Now()
	s.CreatedAt, s.UpdatedAt = now, now
	if err := h.api.m.CreateSource(r.Context(), s); err != nil {
		return nil, err
	}
	return view(s), nil
}

// update changes the fields the values give (NocoBase's update is
// partial); options are replaced whole, with Redacted secrets kept.
func (h sources) update(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	old, err := h.source(r, ac)
	if err != nil {
		return nil, err
	}
	s := *old
	if err := applyValues(&s, values(ac.Params)); err != nil {
		return nil, err
	}
	if s.Options, err = restoreSecrets(s.Options, old.Options, "values.options"); err != nil {
		return nil, err
	}
	if uid, ok := h.api.userID(r); ok {
		s.UpdatedByID = &uid
	}
	if err := h.api.m.UpdateSource(r.Context(), &s); err != nil {
		return nil, err
	}
	return view(&s), nil
}

func (h sources) destroy(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	id, err := idParam(ac.Params, "filterByTk")
	if err != nil {
		return nil, err
	}
	if err := h.api.m.DeleteSource(r.Context(), id); err != nil {
		return nil, err
	}
	return nil, nil
}

// nextRunView is the answer of userDataSyncSources:nextRun.
type nextRunView struct {
	// Scheduled is false for a source with no schedule, or disabled.
	Scheduled bool       `json:"scheduled"`
	NextRun   *time.Time `json:"nextRun"`
	Schedule  string     `json:"schedule,omitempty"`
}

// nextRun says when a source runs next by its schedule: a disabled or
// unscheduled source answers scheduled false and nextRun null, since
// "it does not run by itself" is an answer, not an error.
func (h sources) nextRun(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	s, err := h.source(r, ac)
	if err != nil {
		return nil, err
	}
	sched, ok, err := datasync.ParseSchedule(s.Options)
	if err != nil {
		return nil, err
	}
	if !ok || !s.Enabled {
		return nextRunView{}, nil
	}
	next, err := h.api.m.NextRun(r.Context(), s.Name)
	switch {
	case errors.Is(err, datasync.ErrNotScheduled), errors.Is(err, datasync.ErrSourceNotFound):
		// Changed since it was read: answer what is true now.
		return nextRunView{}, nil
	case err != nil:
		return nil, err
	}
	return nextRunView{Scheduled: true, NextRun: &next, Schedule: sched.String()}, nil
}

// applyValues sets the fields values gives on s. Unknown fields are an
// error naming them (a typo must not be dropped in silence); the
// read-only fields a source answers with are ignored.
func applyValues(s *datasync.SyncSource, vals map[string]any) error {
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if slices.Contains(readOnlySourceFields, k) {
			continue
		}
		if err := applyValue(s, k, vals[k]); err != nil {
			return err
		}
	}
	return nil
}

func applyValue(s *datasync.SyncSource, k string, v any) error {
	var err error
	switch k {
	case "name":
		s.Name, err = listapi.StringValue("values.name", v)
	case "sourceType":
		s.SourceType, err = listapi.StringValue("values.sourceType", v)
	case "displayName":
		s.DisplayName, err = listapi.StringValue("values.displayName", v)
	case "enabled":
		s.Enabled, err = listapi.BoolValue("values.enabled", v)
	case "options":
		m, ok := v.(map[string]any)
		if !ok && v != nil {
			return listapi.BadRequest("values.options must be an object, got %s", listapi.Show(v))
		}
		if m == nil {
			m = map[string]any{}
		}
		s.Options = m
	case "sort":
		s.Sort, err = listapi.WholeNumberValue("values.sort", v)
	default:
		return listapi.BadRequest("values: unknown field %.64q: want %s", k, strings.Join(sourceFields, ", "))
	}
	return err
}
