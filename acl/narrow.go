package acl

import (
	"fmt"
	"maps"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// narrowStrategies merge the keys of a grant's (template-filled) params
// that narrowRequestParams does not handle itself into a request's params,
// as NocoBase's core middleware (mergeActionParams) does: filters ANDed,
// the grant's sort winning, except lists united.
var narrowStrategies = map[string]jsonval.Strategy{
	"except": jsonval.Union,
	"filter": jsonval.AndMerge,
	"sort":   jsonval.Overwrite,
}

// narrowRequestParams merges a grant's (template-filled) params into a
// request's params so that the result can only narrow what the grant
// allows:
//
//   - fields: the request's ∩ the grant's; a request without fields gets
//     the grant's; an empty result is a *FieldsError (403), never "all";
//   - whitelist: the request's ∩ the grant's, an empty result kept as an
//     explicit [] (nothing writable); a request without one gets the grant's;
//   - blacklist: the request's ∪ the grant's;
//   - appends: only those whose first segment the grant allows: its
//     appends if it has them, else the names in its fields;
//   - filter ANDed, except united, the grant's sort winning.
//
// Association names the grant lists in appends move from the request's
// fields to its appends first, as in NocoBase. The result shares values
// with both inputs; neither is changed.
func narrowRequestParams(resource string, request, grant Params) (Params, error) {
	merged := moveAssociations(request, grant)
	rest := grant
	if hasListRestriction(grant) {
		rest = make(Params, len(grant))
		for k, v := range grant {
			if !isListRestriction(k) && k != "blacklist" {
				rest[k] = v
			}
		}
	}
	merged = jsonval.Assign(merged, rest, narrowStrategies)
	if err := narrowFields(resource, merged, grant); err != nil {
		return nil, err
	}
	narrowWhitelist(merged, grant)
	uniteBlacklist(merged, grant)
	boundAppends(merged, grant)
	return Params(merged), nil
}

func hasListRestriction(p Params) bool {
	for _, k := range [...]string{"fields", "whitelist", "appends", "blacklist"} {
		if _, ok := p[k]; ok {
			return true
		}
	}
	return false
}

// moveAssociations moves the request's fields that the grant lists in
// appends (association names) to the request's appends, as NocoBase does.
// The request's map is copied when something moves, never changed.
func moveAssociations(request, grant Params) map[string]any {
	merged := map[string]any(request)
	grantAppends, ok := jsonval.List(grant["appends"])
	if !ok || !jsonval.Truthy(grant["appends"]) {
		return merged
	}
	fields, ok := jsonval.List(merged["fields"])
	if !ok || !jsonval.Truthy(merged["fields"]) {
		return merged
	}
	associations := newNameList(grantAppends)
	var keep, moved []any
	for _, f := range fields {
		if associations.has(f) {
			moved = append(moved, f)
		} else {
			keep = append(keep, f)
		}
	}
	if len(moved) == 0 {
		return merged
	}
	merged = maps.Clone(merged)
	appends, _ := jsonval.List(merged["appends"])
	merged["appends"] = append(append([]any(nil), appends...), moved...)
	if keep == nil {
		keep = []any{}
	}
	merged["fields"] = keep
	return merged
}

// grantList reads a list restriction of a grant: present and not null. A
// value that is not a list of names restricts to the names it holds (none
// for a number or boolean), so a malformed grant fails closed.
func grantList(grant Params, key string) ([]any, bool) {
	v, ok := grant[key]
	if !ok || v == nil {
		return nil, false
	}
	return jsonval.Compact(jsonval.StrategyList(v)), true
}

// requestList reads a request's list param. Absent, null, "" and a list
// without names (such as [] or [""]) set no limit; a scalar is a
// one-entry list.
func requestList(v any) ([]any, bool) {
	var l []any
	switch x := v.(type) {
	case nil:
		return nil, false
	case string, []any, map[string]any:
		l = jsonval.Compact(jsonval.StrategyList(x))
	default:
		l = []any{x}
	}
	return l, len(l) > 0
}

// asList turns a request's list param the grant does not restrict into a
// list, as NocoBase's merge does ("a,b" becomes ["a", "b"]); null and ""
// stay as they are (no limit).
func asList(merged map[string]any, key string) {
	if v, ok := merged[key]; ok && v != nil && v != "" {
		merged[key] = jsonval.Compact(jsonval.StrategyList(v))
	}
}

// narrowFields applies a grant's fields: the request's fields intersected
// with them, or all of them when the request names none. An empty result
// would read as "no restriction" to a data layer, so it is refused.
func narrowFields(resource string, merged map[string]any, grant Params) error {
	allowed, restricted := grantList(grant, "fields")
	if !restricted {
		asList(merged, "fields")
		return nil
	}
	requested, limited := requestList(merged["fields"])
	out := allowed
	if limited {
		out = intersectLists(requested, allowed)
	}
	if len(out) == 0 {
		distinct := newNameList(requested).list
		names := make([]string, len(distinct))
		for i, v := range distinct {
			names[i] = fmt.Sprint(v)
		}
		return &FieldsError{Resource: resource, Fields: names}
	}
	merged["fields"] = out
	return nil
}

// narrowWhitelist applies a grant's write whitelist: the request's
// intersected with it, or all of it when the request names none. An empty
// result stays an explicit [] (nothing writable).
func narrowWhitelist(merged map[string]any, grant Params) {
	allowed, restricted := grantList(grant, "whitelist")
	if !restricted {
		asList(merged, "whitelist")
		return
	}
	if requested, limited := requestList(merged["whitelist"]); limited {
		merged["whitelist"] = intersectLists(requested, allowed)
		return
	}
	merged["whitelist"] = allowed
}

// uniteBlacklist adds the grant's blacklist to the request's. NocoBase
// intersects the two, so a request naming any other column removes the
// grant's blacklist.
func uniteBlacklist(merged map[string]any, grant Params) {
	denied, ok := grantList(grant, "blacklist")
	if !ok {
		asList(merged, "blacklist")
		return
	}
	requested, _ := requestList(merged["blacklist"])
	merged["blacklist"] = unionStrings(requested, denied)
}

// boundAppends keeps the request's appends whose first segment the grant
// allows: its appends when it has them, else the names in its fields. A
// grant with neither leaves appends to the request. NocoBase bounds appends
// only by a grant's appends, so a grant limiting fields still let any
// association be appended.
func boundAppends(merged map[string]any, grant Params) {
	allowed, bounded := grantList(grant, "appends")
	if !bounded {
		allowed, bounded = grantList(grant, "fields")
	}
	if !bounded {
		return
	}
	requested, _ := requestList(merged["appends"])
	if requested == nil {
		if _, has := grant["appends"]; has {
			merged["appends"] = []any{}
		}
		return
	}
	bound := newNameList(allowed)
	var out nameList
	for _, v := range requested {
		if s, ok := v.(string); ok && bound.has(firstSegment(s)) {
			out.add(v)
		}
	}
	merged["appends"] = out.names()
}

func firstSegment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i]
		}
	}
	return s
}
