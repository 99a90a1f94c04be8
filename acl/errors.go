package acl

import (
	"errors"
	"net/http"
)

var (
	// ErrNoPermission is returned (wrapped) when no role of the request may
	// run the action. The middleware answers it with 403.
	ErrNoPermission = errors.New("acl: no permissions")
	// ErrInvalidPath is returned for an action path that is not "resource:action".
	ErrInvalidPath = errors.New("acl: invalid action path")
	// ErrInvalidSnippet is returned for a snippet name or pattern NocoBase
	// would refuse or read differently.
	ErrInvalidSnippet = errors.New("acl: invalid snippet")
	// ErrUnknownRole is returned when a role handle no longer belongs to its ACL
	// or a name is not defined.
	ErrUnknownRole = errors.New("acl: unknown role")
	// ErrInvalidParams is returned for params that cannot be represented as JSON.
	ErrInvalidParams = errors.New("acl: invalid params")
	// ErrInvalidOptions is returned for options that can never work, such as
	// an empty role name.
	ErrInvalidOptions = errors.New("acl: invalid options")
)

// StatusCode maps an error from this package to the HTTP status a handler
// should answer with.
func StatusCode(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrNoPermission):
		return http.StatusForbidden
	case errors.Is(err, ErrInvalidPath), errors.Is(err, ErrInvalidSnippet),
		errors.Is(err, ErrInvalidParams), errors.Is(err, ErrInvalidOptions), errors.Is(err, ErrUnknownRole):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}
