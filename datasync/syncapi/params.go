package syncapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// maxPageSize bounds pageSize on the lists that page in SQL, so that one
// request cannot ask for a whole table.
const maxPageSize = 1000

// defaultPageSize is NocoBase's list default.
const defaultPageSize = 20

// badRequest is a 400 whose message is what the client sees: it names
// the field at fault.
func badRequest(format string, args ...any) error {
	return &resourcer.StatusError{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// values returns the request's "values" (the body), or nil.
func values(p resourcer.Params) map[string]any {
	v, _ := p["values"].(map[string]any)
	return v
}

// lookup finds the first of keys given in the params or, after them, in
// values, and reports the name it was found under (for errors).
func lookup(p resourcer.Params, keys ...string) (v any, name string, ok bool) {
	for _, k := range keys {
		if v, ok := p[k]; ok && v != nil {
			return v, k, true
		}
	}
	vals := values(p)
	for _, k := range keys {
		if v, ok := vals[k]; ok && v != nil {
			return v, "values." + k, true
		}
	}
	return nil, "", false
}

// idParam reads a required id (a positive whole number) from the first of
// keys found (see lookup); its absence names them all.
func idParam(p resourcer.Params, keys ...string) (int64, error) {
	v, name, ok := lookup(p, keys...)
	if !ok {
		return 0, badRequest("%s is required", describe(keys))
	}
	return toID(name, v)
}

// optionalID reads an optional id; 0 when absent.
func optionalID(p resourcer.Params, keys ...string) (int64, error) {
	v, name, ok := lookup(p, keys...)
	if !ok {
		return 0, nil
	}
	return toID(name, v)
}

func toID(name string, v any) (int64, error) {
	n, ok := resourcer.WholeNumber(v)
	if !ok || n < 1 {
		return 0, badRequest("%s must be a positive whole number, got %.64s", name, show(v))
	}
	return n, nil
}

// nameParam reads a required non-empty string from the first of keys found.
func nameParam(p resourcer.Params, keys ...string) (string, error) {
	v, name, ok := lookup(p, keys...)
	if !ok {
		return "", badRequest("%s is required", describe(keys))
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", badRequest("%s must be a non-empty string, got %.64s", name, show(v))
	}
	return s, nil
}

// optionalString reads an optional string; "" when absent.
func optionalString(p resourcer.Params, key string) (string, error) {
	v, name, ok := lookup(p, key)
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", badRequest("%s must be a string, got %.64s", name, show(v))
	}
	return s, nil
}

// optionalTime reads an optional RFC 3339 time; zero when absent.
func optionalTime(p resourcer.Params, key string) (time.Time, error) {
	s, err := optionalString(p, key)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, badRequest("%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %.64q", key, s)
	}
	return t, nil
}

// page reads NocoBase's page and pageSize (1 and 20 by default); limit
// bounds pageSize when positive.
func page(p resourcer.Params, limit int) (pageNo, pageSize int, err error) {
	n, err := resourcer.PositiveParam(p, "page", 1)
	if err != nil {
		return 0, 0, err
	}
	size, err := resourcer.PositiveParam(p, "pageSize", defaultPageSize)
	if err != nil {
		return 0, 0, err
	}
	if limit > 0 && size > int64(limit) {
		return 0, 0, badRequest("pageSize must be at most %d, got %d", limit, size)
	}
	if n > 1<<31 || size > 1<<31 {
		return 0, 0, badRequest("page and pageSize must be below 2^31")
	}
	return int(n), int(size), nil
}

// describe lists the names a value may come under, for "is required".
func describe(keys []string) string {
	out := ""
	for i, k := range keys {
		switch {
		case i == 0:
		case i == len(keys)-1:
			out += " or "
		default:
			out += ", "
		}
		out += k
	}
	return out
}

// show renders a client's value for an error message: its JSON type when
// it is not a scalar, so that no large value is echoed.
func show(v any) string {
	switch v.(type) {
	case map[string]any, []any:
		return jsonval.TypeName(v)
	}
	return fmt.Sprintf("%v", v)
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }
