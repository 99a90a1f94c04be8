package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// MediaType is the SCIM content type (RFC 7644 §3.1); every response
// carries it.
const MediaType = "application/scim+json"

// ErrorSchemaURN is the schema of an error response (RFC 7644 §3.12).
const ErrorSchemaURN = "urn:ietf:params:scim:api:messages:2.0:Error"

// The scimType values of RFC 7644 §3.12, Table 9. Each tells a client
// which kind of 400 (or 409, 413) it got, so it can fix the request.
const (
	ScimTypeUniqueness    = "uniqueness"
	ScimTypeInvalidFilter = "invalidFilter"
	ScimTypeInvalidSyntax = "invalidSyntax"
	ScimTypeInvalidPath   = "invalidPath"
	ScimTypeInvalidValue  = "invalidValue"
	ScimTypeMutability    = "mutability"
	ScimTypeNoTarget      = "noTarget"
	ScimTypeTooMany       = "tooMany"
	ScimTypeInvalidVers   = "invalidVers"
	ScimTypeSensitive     = "sensitive"
)

// ErrUnknownAttribute: a path names an attribute, sub-attribute or schema
// the resource type does not have. [ResourceType.Resolve] wraps it in an
// error naming the path; callers turn that into an [*Error] with the
// scimType their context calls for (invalidFilter in a filter, invalidPath
// in a PATCH path, invalidValue in an attributes list, invalidSyntax in a
// body).
var ErrUnknownAttribute = errors.New("scim: no such attribute")

// Error is a SCIM error response: Status is the HTTP status, ScimType one
// of the ScimType constants (empty where the RFC names none, as for 404),
// Detail the human-readable text a client shows, and Err the optional
// cause, for errors.Is and errors.As.
type Error struct {
	Status   int
	ScimType string
	Detail   string
	Err      error
}

func (e *Error) Error() string {
	s := "scim: " + strconv.Itoa(e.Status)
	if e.ScimType != "" {
		s += " " + e.ScimType
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the cause, so that errors.Is(err, ErrUnknownAttribute)
// holds for an error built from Resolve's.
func (e *Error) Unwrap() error { return e.Err }

// HTTPStatus is the status the error is served with.
func (e *Error) HTTPStatus() int { return e.Status }

// MarshalJSON writes the RFC 7644 §3.12 form. "status" is a string there,
// not a number: clients written against the RFC parse it as one.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Schemas  []string `json:"schemas"`
		Status   string   `json:"status"`
		ScimType string   `json:"scimType,omitempty"`
		Detail   string   `json:"detail,omitempty"`
	}{[]string{ErrorSchemaURN}, strconv.Itoa(e.Status), e.ScimType, e.Detail})
}

// newError builds an *Error whose Detail is the formatted message. A %w
// verb in format makes that argument the Err cause as well, so detail and
// cause are written once.
func newError(status int, scimType, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Status: status, ScimType: scimType, Detail: err.Error(), Err: errors.Unwrap(err)}
}

// unknownAttrError is the 400 for a path naming no attribute, with the
// scimType the context calls for and Resolve's error as the cause. The
// caller passes the client's part of path through quoteName.
func unknownAttrError(scimType, path string, cause error) *Error {
	return &Error{Status: http.StatusBadRequest, ScimType: scimType,
		Detail: path + ": unknown attribute", Err: cause}
}

// writeError serves err in SCIM form. Only an *Error (found with
// errors.As) says what went wrong; anything else is a bug or a database
// failure whose text may leak internals, so the client gets a bare 500.
func writeError(w http.ResponseWriter, err error) {
	var se *Error
	if !errors.As(err, &se) {
		se = &Error{Status: http.StatusInternalServerError, Detail: "internal error"}
	}
	writeJSON(w, se.Status, se)
}

// writeJSON serves v with the SCIM media type. v is encoded before the
// header is written so that a value that cannot be encoded still gets a
// well-formed 500 instead of a half-written body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(&Error{Status: status, Detail: "internal error"})
	}
	w.Header().Set("Content-Type", MediaType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
