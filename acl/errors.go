package acl

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

var (
	// ErrNoPermission is returned (wrapped) when no role of the request may
	// run the action, or when the request asks only for fields its grant
	// does not allow (see [FieldsError]). The middleware answers it with 403.
	ErrNoPermission = errors.New("acl: no permissions")
	// ErrInvalidPath is returned for an action path that is not "resource:action".
	ErrInvalidPath = errors.New("acl: invalid action path")
	// ErrInvalidSnippet is returned for a snippet name or pattern NocoBase
	// would refuse or read differently, and (with ErrUnknownName) for a
	// snippet rule that selects no registered snippet.
	ErrInvalidSnippet = errors.New("acl: invalid snippet")
	// ErrUnknownRole is returned when a role handle no longer belongs to its ACL
	// or a name is not defined.
	ErrUnknownRole = errors.New("acl: unknown role")
	// ErrInvalidParams is returned for params that cannot be represented as
	// JSON, and (with ErrUnknownName) for a grant with an unknown param key.
	ErrInvalidParams = errors.New("acl: invalid params")
	// ErrInvalidOptions is returned for options that can never work, such as
	// an empty role name, and (with ErrUnknownName) for an unknown strategy,
	// strategy action or predicate.
	ErrInvalidOptions = errors.New("acl: invalid options")
	// ErrUnknownName is returned (wrapped, as an [*UnknownNameError]) when a
	// configuration names a param key, strategy, strategy action or snippet
	// the ACL does not know. NocoBase accepts such names and ignores them, so
	// that a typo such as "filtr" silently drops a restriction.
	ErrUnknownName = errors.New("acl: unknown name")
)

// UnknownNameError reports a name in a configuration that the ACL does not
// know, with the nearest known name when one is within two edits. It wraps
// ErrUnknownName and the sentinel of what it names: ErrInvalidParams for a
// param key, ErrInvalidSnippet for a snippet rule, ErrInvalidOptions for a
// strategy or a strategy's action.
type UnknownNameError struct {
	Kind       string // "param", "strategy", "action", "predicate" or "snippet"
	Name       string // the name as given
	Where      string // what names it: "posts:list", "role member", "strategy member"
	Suggestion string // the nearest known name, or ""
}

func (e *UnknownNameError) Error() string {
	msg := fmt.Sprintf("acl: unknown %s %q in %s", e.Kind, e.Name, e.Where)
	if e.Suggestion != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", e.Suggestion)
	}
	return msg
}

// Unwrap returns ErrUnknownName and the sentinel of the kind of name.
func (e *UnknownNameError) Unwrap() []error {
	switch e.Kind {
	case "param":
		return []error{ErrUnknownName, ErrInvalidParams}
	case "snippet":
		return []error{ErrUnknownName, ErrInvalidSnippet}
	}
	return []error{ErrUnknownName, ErrInvalidOptions}
}

// HTTPStatus is 400: a configuration sent through an API names something
// that does not exist.
func (e *UnknownNameError) HTTPStatus() int { return http.StatusBadRequest }

// FieldsError is the refusal of a request whose fields the grant does not
// allow at all: the request's fields intersect the grant's in nothing (or
// the grant allows no field). Answering with every granted field instead
// would widen the request, and answering with none would read as "no
// restriction" to a data layer, so the request is refused. It wraps
// ErrNoPermission.
type FieldsError struct {
	Resource string
	// Fields are the requested fields, none of which the grant allows;
	// empty when the grant allows no field whatever the request asks.
	Fields []string
}

func (e *FieldsError) Error() string { return "acl: no permissions: " + e.detail() }

// message is the text the middleware answers with.
func (e *FieldsError) message() string { return "No permissions: " + e.detail() }

// maxNamedFields bounds the fields a FieldsError message names, so that a
// request listing thousands does not get them all echoed back.
const maxNamedFields = 10

func (e *FieldsError) detail() string {
	if len(e.Fields) == 0 {
		return "no field of " + e.Resource + " may be read"
	}
	if len(e.Fields) > maxNamedFields {
		return fmt.Sprintf("fields %s and %d more may not be read", strings.Join(e.Fields[:maxNamedFields], ", "), len(e.Fields)-maxNamedFields)
	}
	return "fields " + strings.Join(e.Fields, ", ") + " may not be read"
}

// Unwrap returns ErrNoPermission.
func (e *FieldsError) Unwrap() error { return ErrNoPermission }

// HTTPStatus is 403.
func (e *FieldsError) HTTPStatus() int { return http.StatusForbidden }

// StatusCode maps an error from this package to the HTTP status a handler
// should answer with: the error's own HTTPStatus when it has one, else by
// the sentinel it wraps.
func StatusCode(err error) int {
	var withStatus interface{ HTTPStatus() int }
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &withStatus):
		return withStatus.HTTPStatus()
	case errors.Is(err, ErrNoPermission):
		return http.StatusForbidden
	case errors.Is(err, ErrInvalidPath), errors.Is(err, ErrInvalidSnippet),
		errors.Is(err, ErrInvalidParams), errors.Is(err, ErrInvalidOptions), errors.Is(err, ErrUnknownRole):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}
