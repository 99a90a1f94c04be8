package resourcer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

var (
	// ErrNotFound is wrapped by errors for a resource or action that does
	// not exist or is not allowed on its resource; it answers 404.
	ErrNotFound = errors.New("resourcer: not found")
	// ErrBodyTooLarge answers 413.
	ErrBodyTooLarge = errors.New("resourcer: request body too large")
	// ErrBadRequest is wrapped by errors in what the client sent (a body
	// that is not JSON, a malformed path); it answers 400.
	ErrBadRequest = errors.New("resourcer: bad request")
	// ErrInvalidDefinition is returned for a resource or action definition
	// that can never work.
	ErrInvalidDefinition = errors.New("resourcer: invalid definition")
)

// notFound builds NocoBase's messages: "posts resource does not exist",
// "export action does not exist", "export action is not allowed".
func notFound(format string, args ...any) error {
	return &StatusError{Status: http.StatusNotFound, Err: fmt.Errorf("%w: "+format, append([]any{ErrNotFound}, args...)...), Message: fmt.Sprintf(format, args...)}
}

// StatusError carries the HTTP status and the message a client sees.
// Handlers may return one to choose the status of their error response.
type StatusError struct {
	Status  int
	Message string // shown to the client; Err's text when empty
	Err     error
	// Header is added to the response (e.g. Retry-After on a 503).
	Header http.Header
}

func (e *StatusError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

func (e *StatusError) Unwrap() error { return e.Err }

// HTTPStatus reports the status the error answers with.
func (e *StatusError) HTTPStatus() int { return e.Status }

// StatusClientClosedRequest answers a request whose client went away
// before the answer was ready (nginx's 499): nobody reads it, and it is no
// server error.
const StatusClientClosedRequest = 499

// statusOf picks the status for an error: its own HTTPStatus() or
// StatusCode(), 400 for query errors, 413, 404, 499 for a request its
// client cancelled, 503 for work that ran out of time, else 500.
func statusOf(err error) (int, string) {
	var se *StatusError
	if errors.As(err, &se) {
		msg := se.Message
		if msg == "" {
			msg = se.Error()
		}
		return se.Status, msg
	}
	var qe *QueryError
	if errors.As(err, &qe) {
		return http.StatusBadRequest, qe.Error()
	}
	var withStatus interface{ HTTPStatus() int }
	if errors.As(err, &withStatus) {
		return withStatus.HTTPStatus(), err.Error()
	}
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge, "Request body too large"
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, context.Canceled):
		return StatusClientClosedRequest, "Request cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "The request took too long"
	}
	return http.StatusInternalServerError, "Internal server error"
}
