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
	// ErrFieldNotAllowed: the FieldGuard (WithFieldGuard) refused a field
	// or association the filter names.
	ErrFieldNotAllowed = errors.New("field not allowed")
)

// Error reports what is wrong with a filter and where: Path is the dotted
// path to the offending key ("$and.1.title.$includes").
type Error struct {
	Path   string
	Reason string
	Kind   error // ErrUnknownField, ErrUnknownOperator, ...
	cause  error // the FieldGuard's error, for errors.Is and errors.As
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "filter: " + e.Reason
	}
	return fmt.Sprintf("filter: %s: %s", e.Path, e.Reason)
}

// Unwrap lets errors.Is match ErrInvalidFilter, the kind and, for a
// refusal by a FieldGuard, the guard's own error.
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrInvalidFilter, e.Kind, e.cause}
	}
	return []error{ErrInvalidFilter, e.Kind}
}

// HTTPStatus makes a filter error a 400 for the resourcer.
func (e *Error) HTTPStatus() int { return http.StatusBadRequest }

func errorf(path string, kind error, format string, args ...any) *Error {
	return &Error{Path: path, Kind: kind, Reason: fmt.Sprintf(format, args...)}
}
