package aclstore

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// apiFilter is what the lists understand of NocoBase's filter: a
// conjunction of equalities, field → the values it must equal (all of
// them, so two different ones select nothing). A permission layer's
// filter is ANDed into the request's ({"$and": [...]}) and is read the
// same way; a filter the lists cannot apply is refused (400) rather than
// ignored, since ignoring a data scope would widen it.
type apiFilter map[string][]string

// apiParseFilter reads filter: {"name": "admin"}, {"name": {"$eq": "admin"}},
// {"name.$eq": "admin"} and {"$and": [...]} of those, on the allowed
// fields.
func apiParseFilter(filter any, allowed []string) (apiFilter, error) {
	f := apiFilter{}
	return f, f.add(filter, allowed)
}

func (f apiFilter) add(filter any, allowed []string) error {
	if filter == nil {
		return nil
	}
	m, ok := filter.(map[string]any)
	if !ok {
		return apiBadRequest("filter must be an object, got %s", apiShow(filter))
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := f.addKey(k, m[k], allowed); err != nil {
			return err
		}
	}
	return nil
}

func (f apiFilter) addKey(k string, v any, allowed []string) error {
	if k == "$and" {
		list, ok := v.([]any)
		if !ok {
			return apiBadRequest("filter.$and must be a list, got %s", apiShow(v))
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
		return apiBadRequest("filter.%.64s: this list filters only by equality on %s", k, strings.Join(allowed, ", "))
	}
	if op, ok := v.(map[string]any); ok && field == k {
		eq, has := op["$eq"]
		if len(op) != 1 || !has {
			return apiBadRequest("filter.%s: only $eq is supported", k)
		}
		v = eq
	}
	s, ok := apiCanonical(v)
	if !ok {
		return apiBadRequest("filter.%s must be a string, number or boolean, got %s", k, apiShow(v))
	}
	f[field] = append(f[field], s)
	return nil
}

// apiCanonical is a filter value as the text it compares by, so that true
// and "true" select the same rows, as they do in NocoBase's SQL.
func apiCanonical(v any) (string, bool) {
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
func (f apiFilter) match(field, value string) bool {
	for _, want := range f[field] {
		if want != value {
			return false
		}
	}
	return true
}

func (f apiFilter) matchRole(r *Role) bool {
	return f.match("name", r.Name) && f.match("title", r.Title) && f.match("hidden", strconv.FormatBool(r.Hidden))
}

func (f apiFilter) matchScope(s *RoleResourceScope) bool {
	return f.match("key", s.Key)
}
