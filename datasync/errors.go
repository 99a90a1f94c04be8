package datasync

import (
	"errors"
	"net/http"
	"strconv"
)

var (
	// ErrInvalidResource is wrapped by RegisterResource's errors: a missing
	// name or accepts, a resource that implements neither interface, a
	// duplicate name, or an ordering that cannot hold.
	ErrInvalidResource = errors.New("datasync: invalid resource")
	// ErrInvalidData is wrapped by the errors of input that cannot be
	// synced as a whole (missing dataType, records without uid, duplicate
	// uids, a parentUid cycle): a *DataError says which.
	ErrInvalidData = errors.New("datasync: invalid data")
	// ErrStalePlan is returned by Apply when the directory changed after
	// the plan was made: nothing was written; plan again.
	ErrStalePlan = errors.New("datasync: the directory changed since the plan was made")
	// ErrRecordsFailed is wrapped by the error of a run that stops because
	// records failed (without Options.SkipFailed): a *FailedError lists them.
	ErrRecordsFailed = errors.New("datasync: records failed")
	// ErrSourceNotFound: no enabled source has that name or id.
	ErrSourceNotFound = errors.New("datasync: source not found")
	// ErrSourceTypeNotFound: a source row names an unregistered type.
	ErrSourceTypeNotFound = errors.New("datasync: source type not found")
	// ErrTaskState: a task is not in the state the operation needs.
	ErrTaskState = errors.New("datasync: task state")
	// ErrTaskNotFound: no task has that id.
	ErrTaskNotFound = errors.New("datasync: task not found")
	// ErrSourceAPI is for sources to wrap when the outside system failed
	// (NocoBase's ExternalAPIError): the task's message then says so
	// without leaking the outside system's answer.
	ErrSourceAPI = errors.New("datasync: the sync source API call failed")
	// ErrIncomplete is for sources to wrap when a read stopped short of
	// the whole source: a size or time limit, a lost connection, a page
	// that did not come. The run then fails and rolls back, so a half-read
	// never looks like "everyone left".
	ErrIncomplete = errors.New("datasync: the source was not read completely")
	// ErrNotScheduled: the source's options have no "schedule", so it runs
	// only when it is pulled.
	ErrNotScheduled = errors.New("datasync: the source is not scheduled")
	// ErrConflict is wrapped by a FailedRecord's Err when the record
	// clashes with an existing row on a unique field (the users resource:
	// a username, email or phone another user has), and so by the
	// *FailedError of a run it stops.
	ErrConflict = errors.New("datasync: conflicts with an existing row")
	// ErrRecordNotFound: the source has no live sync record with that uid
	// (none, one synced as deleted, or one marked missing), as
	// [Editor.Remove] finds.
	ErrRecordNotFound = errors.New("datasync: sync record not found")
)

// ErrInvalidSource is wrapped by the errors of a source type or source row
// that cannot be used: a missing name, a nil constructor, a duplicate type,
// options the type refuses.
var ErrInvalidSource = errors.New("datasync: invalid source")

// DataError is input that cannot be synced, with NocoBase's message where
// it has one. Records lists the indexes of the offending records, when
// there are some.
type DataError struct {
	Message string
	Records []int
}

func (e *DataError) Error() string { return e.Message }

// Unwrap makes a DataError match ErrInvalidData.
func (e *DataError) Unwrap() error { return ErrInvalidData }

// HTTPStatus is 400: the input is wrong.
func (e *DataError) HTTPStatus() int { return http.StatusBadRequest }

// FailedError is a run stopped by failed records: nothing was written.
type FailedError struct {
	Resource string
	Failures []FailedRecord
}

func (e *FailedError) Error() string {
	msg := "datasync: " + e.Resource + ": "
	if len(e.Failures) == 0 {
		return msg + "records failed"
	}
	msg += e.Failures[0].Message
	if n := len(e.Failures) - 1; n > 0 {
		msg += " (and " + strconv.Itoa(n) + " more)"
	}
	return msg
}

// Unwrap makes a FailedError match ErrRecordsFailed and the causes its
// failures carry (FailedRecord.Err), such as ErrConflict.
func (e *FailedError) Unwrap() []error {
	errs := []error{ErrRecordsFailed}
	for _, f := range e.Failures {
		if f.Err != nil {
			errs = append(errs, f.Err)
		}
	}
	return errs
}

// HTTPStatus is 422: the request was well formed but records could not be
// applied.
func (e *FailedError) HTTPStatus() int { return http.StatusUnprocessableEntity }

// referenceError is an error whose text is NocoBase's message and which
// matches one of the package's sentinels.
type referenceError struct {
	msg  string
	kind error
}

func (e *referenceError) Error() string { return e.msg }

func (e *referenceError) Unwrap() error { return e.kind }

// HTTPStatus is 404 for a missing source, task or sync record, 409 for a
// task in the wrong state, else 400.
func (e *referenceError) HTTPStatus() int {
	switch e.kind {
	case ErrSourceNotFound, ErrTaskNotFound, ErrRecordNotFound:
		return http.StatusNotFound
	case ErrTaskState:
		return http.StatusConflict
	}
	return http.StatusBadRequest
}
