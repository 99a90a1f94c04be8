package aclstore

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// Sentinels every error of the store wraps, so that callers branch with
// errors.Is and an HTTP API answers with the status HTTPStatus gives.
var (
	// ErrRoleNotFound: no row of roles has the name (404).
	ErrRoleNotFound = errors.New("aclstore: role not found")
	// ErrRoleExists: a role with the name or title exists (409).
	ErrRoleExists = errors.New("aclstore: role exists")
	// ErrRootRole: the root role may not be deleted (400).
	ErrRootRole = errors.New("aclstore: the root role cannot be deleted")
	// ErrGrantNotFound: the role has no such grant or resource
	// configuration to revoke or remove (404).
	ErrGrantNotFound = errors.New("aclstore: grant not found")
	// ErrInvalid: the input, or the role it would produce, is refused:
	// a malformed action path, an unknown param key, a strategy action or
	// snippet rule the ACL does not know (400).
	ErrInvalid = errors.New("aclstore: invalid")
)

// Error is an error of the store naming what it is about. Kind is one of
// the sentinels above; Cause, when set, is the error underneath (the acl's
// refusal, or the database's).
type Error struct {
	Kind     error
	Role     string
	Resource string // a resource or "resource:action" path
	Field    string
	Reason   string
	Cause    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	sep := ": "
	add := func(label, value string) {
		if value != "" {
			b.WriteString(sep + label + " " + strconv.Quote(value))
			sep = ", "
		}
	}
	add("role", e.Role)
	add("resource", e.Resource)
	add("field", e.Field)
	if e.Reason != "" {
		b.WriteString(sep + e.Reason)
		sep = ": "
	}
	if e.Cause != nil {
		b.WriteString(sep + e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel and the cause, so errors.Is finds both
// ErrInvalid and, say, acl.ErrUnknownName.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// HTTPStatus is the status an HTTP API answers the error with.
func (e *Error) HTTPStatus() int {
	switch e.Kind {
	case ErrRoleNotFound, ErrGrantNotFound:
		return http.StatusNotFound
	case ErrRoleExists:
		return http.StatusConflict
	case ErrRootRole, ErrInvalid:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

func roleNotFound(role string) error { return &Error{Kind: ErrRoleNotFound, Role: role} }

func invalid(role, resource, field, format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Role: role, Resource: resource, Field: field, Reason: fmt.Sprintf(format, args...)}
}

var (
	sqliteUnique = regexp.MustCompile(`UNIQUE constraint failed: ([\w."]+)`)
	pgUniqueKey  = regexp.MustCompile(`Key \(([^)]+)\)=`)
)

// uniqueViolation returns the column of a unique constraint err broke,
// on PostgreSQL (SQLSTATE 23505) or SQLite, and whether it was one.
func uniqueViolation(err error) (column string, ok bool) {
	var pgErr interface{ Field(byte) string }
	if errors.As(err, &pgErr) && pgErr.Field('C') == "23505" {
		if m := pgUniqueKey.FindStringSubmatch(pgErr.Field('D')); m != nil {
			return strings.Trim(m[1], `"`), true
		}
		return "", true
	}
	if m := sqliteUnique.FindStringSubmatch(err.Error()); m != nil {
		column := m[1]
		if i := strings.LastIndexByte(column, '.'); i >= 0 {
			column = column[i+1:]
		}
		return strings.Trim(column, `"`), true
	}
	return "", false
}
