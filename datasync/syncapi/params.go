package syncapi

import (
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/listapi"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// maxPageSize bounds pageSize on the lists that page in SQL, so that one
// request cannot ask for a whole table.
const maxPageSize = 1000

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
		return 0, listapi.BadRequest("%s is required", describe(keys))
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
		return 0, listapi.BadRequest("%s must be a positive whole number, got %.64s", name, listapi.Show(v))
	}
	return n, nil
}

// nameParam reads a required non-empty string from the first of keys found.
func nameParam(p resourcer.Params, keys ...string) (string, error) {
	v, name, ok := lookup(p, keys...)
	if !ok {
		return "", listapi.BadRequest("%s is required", describe(keys))
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", listapi.BadRequest("%s must be a non-empty string, got %.64s", name, listapi.Show(v))
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
		return "", listapi.BadRequest("%s must be a string, got %.64s", name, listapi.Show(v))
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
		return time.Time{}, listapi.BadRequest("%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %.64q", key, s)
	}
	return t, nil
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

func formatID(id int64) string { return strconv.FormatInt(id, 10) }
