package syncapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// sentinelStatus are the statuses of datasync's sentinels for errors that
// carry none of their own (an HTTPStatus method wins: see apiError).
var sentinelStatus = []struct {
	err    error
	status int
}{
	{datasync.ErrSourceNotFound, http.StatusNotFound},
	{datasync.ErrTaskNotFound, http.StatusNotFound},
	{datasync.ErrInvalidSource, http.StatusBadRequest},
	{datasync.ErrSourceTypeNotFound, http.StatusBadRequest},
	{datasync.ErrInvalidData, http.StatusBadRequest},
	{datasync.ErrTaskState, http.StatusConflict},
	{datasync.ErrNotScheduled, http.StatusConflict},
	{datasync.ErrNoWatermark, http.StatusConflict},
	{datasync.ErrDeletionLimit, http.StatusConflict},
	{datasync.ErrStalePlan, http.StatusConflict},
	{datasync.ErrSourceExists, http.StatusConflict},
	{datasync.ErrSourceInUse, http.StatusConflict},
	{datasync.ErrRecordsFailed, http.StatusUnprocessableEntity},
}

// apiError gives err the status a client should see. datasync's typed
// errors know theirs (HTTPStatus); errors that only wrap a sentinel get
// it from sentinelStatus, so that no client mistake answers 500. A
// cancelled context while the request's own is alive means the manager
// was closed (it stops its runs that way): 503, since another instance
// or a restart will serve it. Anything else stays a 500, logged by
// resourcer and not shown.
func apiError(r *http.Request, err error) error {
	var withStatus interface{ HTTPStatus() int }
	if errors.As(err, &withStatus) {
		return err
	}
	for _, s := range sentinelStatus {
		if errors.Is(err, s.err) {
			return &resourcer.StatusError{Status: s.status, Message: err.Error(), Err: err}
		}
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() == nil {
		return &resourcer.StatusError{Status: http.StatusServiceUnavailable, Message: "The sync manager is shutting down; try again", Err: err}
	}
	return err
}

// handler adapts an action to resourcer, mapping its errors (apiError).
func handler(f func(r *http.Request, ac *resourcer.ActionContext) (any, error)) resourcer.HandlerFunc {
	return func(r *http.Request, ac *resourcer.ActionContext) (any, error) {
		out, err := f(r, ac)
		if err != nil {
			return nil, apiError(r, err)
		}
		return out, nil
	}
}
