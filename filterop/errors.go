package filterop

import (
	"errors"
	"fmt"
	"net/http"
)

var (
	// ErrInvalidFilter is wrapped by every *Error.
	ErrInvalidFilter = errors.New("filterop: invalid filter")
	// ErrUnknownField: the filter names a field or association the model
	// does not have.
	ErrUnknownField = errors.New("unknown field")
	// ErrUnknownOperator: the filter uses an operator nobody registered.
	ErrUnknownOperator = errors.New("unknown operator")
	// ErrInvalidValue: an operator got a value it cannot use.
	ErrInvalidValue = errors.New("invalid value")
	// ErrTooComplex: the filter is nested too deep or has too many
	// conditions or values.
	ErrTooComplex = errors.New("filter too complex")
	// ErrUnknownVariable: a {{ }} template names a variable that is not set.
	ErrUnknownVariable = errors.New("unknown variable")
)

// Error reports what is wrong with a filter and where: Path is the dotted
// path to the offending key ("$and.1.title.$includes").
type Error struct {
	Path   string
	Reason string
	Kind   error // ErrUnknownField, ErrUnknownOperator, ...
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "filter: " + e.Reason
	}
	return fmt.Sprintf("filter: %s: %s", e.Path, e.Reason)
}

// Unwrap lets errors.Is match both ErrInvalidFilter and the kind.
func (e *Error) Unwrap() []error { return []error{ErrInvalidFilter, e.Kind} }

// HTTPStatus makes a filter error a 400 for the resourcer.
func (e *Error) HTTPStatus() int { return http.StatusBadRequest }

func errorf(path string, kind error, format string, args ...any) *Error {
	return &Error{Path: path, Kind: kind, Reason: fmt.Sprintf(format, args...)}
}
