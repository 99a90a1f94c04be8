package listapi

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// Filter is what an in-memory list understands of NocoBase's filter: a
// conjunction of equalities, field → the values it must equal (all of
// them, so two different ones select nothing). A permission layer's
// filter is ANDed into the request's ({"$and": [...]}) and is read the
// same way; a filter the list cannot apply is refused (400) rather than
// ignored, since ignoring a data scope would widen it.
type Filter map[string][]string

// ParseFilter reads a request's filter param on the allowed fields:
// {"name": "admin"}, {"name": {"$eq": "admin"}}, {"name.$eq": "admin"},
// and {"$and": [...]} of those. Nil is no condition. Anything else (another
// operator, $or, a field not allowed, a value that is not a scalar) is a
// 400 naming the key at fault.
func ParseFilter(filter any, allowed []string) (Filter, error) {
	f := Filter{}
	return f, f.add(filter, allowed)
}

func (f Filter) add(filter any, allowed []string) error {
	if filter == nil {
		return nil
	}
	m, ok := filter.(map[string]any)
	if !ok {
		return BadRequest("filter must be an object, got %s", Show(filter))
	}
	// Sorted, so that of two bad keys the same one is always named.
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := f.addKey(k, m[k], allowed); err != nil {
			return err
		}
	}
	return nil
}

func (f Filter) addKey(k string, v any, allowed []string) error {
	if k == "$and" {
		list, ok := v.([]any)
		if !ok {
			return BadRequest("filter.$and must be a list, got %s", Show(v))
		}
		for _, e := range list {
			if err := f.add(e, allowed); err != nil {
				return err
			}
		}
		return nil
	}
	field := strings.TrimSuffix(k, ".$eq")
	if !slices.Contains(allowed, field) {
		return BadRequest("filter.%.64s: this list filters only by equality on %s", k, strings.Join(allowed, ", "))
	}
	if op, ok := v.(map[string]any); ok && field == k {
		eq, has := op["$eq"]
		if len(op) != 1 || !has {
			return BadRequest("filter.%s: only $eq is supported", k)
		}
		v = eq
	}
	s, ok := Canonical(v)
	if !ok {
		return BadRequest("filter.%s must be a string, number or boolean, got %s", k, Show(v))
	}
	f[field] = append(f[field], s)
	return nil
}

// Canonical is a filter value as the text it compares by, so that 1 and
// "1", or true and "true", select the same rows, as they do in NocoBase's
// SQL. ok is false for a value that is not a string, a boolean or a whole
// number.
func Canonical(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	}
	if n, ok := resourcer.WholeNumber(v); ok {
		return strconv.FormatInt(n, 10), true
	}
	return "", false
}

// Match reports whether value, a row's field in its [Canonical] text,
// meets every condition on field; no condition is a match.
func (f Filter) Match(field, value string) bool {
	for _, want := range f[field] {
		if want != value {
			return false
		}
	}
	return true
}

// One returns the single value field must equal, for a list that selects
// by it in SQL rather than matching rows: ok is false when there is no
// condition on field, and none is true when its conditions contradict
// each other (nothing matches).
func (f Filter) One(field string) (value string, ok, none bool) {
	vals := f[field]
	if len(vals) == 0 {
		return "", false, false
	}
	for _, v := range vals[1:] {
		if v != vals[0] {
			return "", true, true
		}
	}
	return vals[0], true, false
}
