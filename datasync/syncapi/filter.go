package syncapi

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// eqFilter is what the lists understand of NocoBase's filter: a
// conjunction of equalities, field → the values it must equal (all of
// them, so two different ones select nothing). A permission layer's
// filter is ANDed into the request's ({"$and": [...]}), and is read the
// same way; a filter the lists cannot apply is refused (400) rather than
// ignored, since ignoring a data scope would widen it.
type eqFilter map[string][]string

// parseFilter reads filter: {"sourceId": 1}, {"sourceId": {"$eq": 1}},
// {"sourceId.$eq": 1} and {"$and": [...]} of those, on the allowed fields.
func parseFilter(filter any, allowed []string) (eqFilter, error) {
	f := eqFilter{}
	return f, f.add(filter, allowed)
}

func (f eqFilter) add(filter any, allowed []string) error {
	if filter == nil {
		return nil
	}
	m, ok := filter.(map[string]any)
	if !ok {
		return badRequest("filter must be an object, got %s", show(filter))
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := f.addKey(k, m[k], allowed); err != nil {
			return err
		}
	}
	return nil
}

func (f eqFilter) addKey(k string, v any, allowed []string) error {
	if k == "$and" {
		list, ok := v.([]any)
		if !ok {
			return badRequest("filter.$and must be a list, got %s", show(v))
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
		return badRequest("filter.%.64s: this list filters only by equality on %s", k, strings.Join(allowed, ", "))
	}
	if op, ok := v.(map[string]any); ok && field == k {
		eq, has := op["$eq"]
		if len(op) != 1 || !has {
			return badRequest("filter.%s: only $eq is supported", k)
		}
		v = eq
	}
	s, ok := canonical(v)
	if !ok {
		return badRequest("filter.%s must be a string, number or boolean, got %s", k, show(v))
	}
	f[field] = append(f[field], s)
	return nil
}

// canonical is a filter value as the text it compares by, so that 1 and
// "1" select the same id, as they do in NocoBase's SQL.
func canonical(v any) (string, bool) {
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

// match reports whether value meets every condition on field.
func (f eqFilter) match(field, value string) bool {
	for _, want := range f[field] {
		if want != value {
			return false
		}
	}
	return true
}

// one returns the single value field must equal; ok is false when there
// is no condition on it, and none is true when conditions contradict
// each other (nothing matches).
func (f eqFilter) one(field string) (value string, ok, none bool) {
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

func (f eqFilter) matchSource(s *datasync.SyncSource) bool {
	return f.match("id", strconv.FormatInt(s.ID, 10)) &&
		f.match("name", s.Name) &&
		f.match("sourceType", s.SourceType) &&
		f.match("enabled", strconv.FormatBool(s.Enabled))
}
