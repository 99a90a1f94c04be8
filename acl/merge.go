package acl

import (
	"maps"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// The merge rules of NocoBase's @nocobase/utils assign() and the ACL's
// param merges, on JSON-shaped values. Every function here leaves its inputs
// untouched and may share parts of them in its result: callers that hand a
// result out clone it first.

// fixedParamsStrategies fold fixed params (FixedParamsManager.mergeParams).
var fixedParamsStrategies = map[string]jsonval.Strategy{
	"filter":    jsonval.AndMerge,
	"fields":    jsonval.Intersect,
	"appends":   jsonval.Union,
	"except":    jsonval.Union,
	"whitelist": jsonval.Intersect,
	"blacklist": jsonval.Intersect,
	"sort":      jsonval.Overwrite,
}

// mergeRoleParams is NocoBase's mergeAclActionParams(acc, next): how the
// params of one more role in a union widen the accumulated ones. Anything
// unrestricted on either side stays unrestricted: an empty side, and a
// field list only one side has. The result is a new map whose values may be
// shared with next, and with acc unless accOwned says acc is the caller's
// own; values taken from shared inputs are copied, so the result is
// entirely the caller's.
func mergeRoleParams(acc Params, accOwned bool, next Params) Params {
	if len(acc) == 0 || len(next) == 0 {
		return Params{}
	}
	out := make(Params, len(acc)+len(next))
	merge := func(k string) {
		x, inNext := next[k]
		y, inAcc := acc[k]
		var v any
		switch k {
		case "fields", "whitelist", "appends":
			if inNext != inAcc {
				return // only one side restricts: the union does not
			}
			if k == "appends" || (!jsonval.IsEmpty(x) && !jsonval.IsEmpty(y)) {
				v = unionStrings(x, y)
			} else {
				v = []any{}
			}
		case "own":
			v = y
			if jsonval.Truthy(x) {
				v = x
			} else if !inAcc {
				return
			}
		case "filter":
			v = unionFilter(x, y, accOwned)
		default:
			v = x
			if inAcc {
				v = jsonval.DeepMerge(x, y)
			}
			v = jsonval.Clone(v)
		}
		if !jsonval.IsEmpty(v) {
			out[k] = v
		}
	}
	jsonval.EachKey(acc, next, merge)
	return out
}

// unionFilter ORs two role filters; an empty one means every row. Terms
// from next (x) are copied, terms from acc (y) too unless accOwned.
//
// NocoBase drops the keys that sit next to $or on the side that has it
// ({$or:[A,B], createdById:u} merged with {z:3} gives {$or:[{z:3},A,B]}),
// which widens the union past what either role allows. Here such a side
// enters the $or whole instead, so no restriction is lost.
func unionFilter(x, y any, accOwned bool) any {
	if jsonval.IsEmpty(x) || jsonval.IsEmpty(y) {
		return map[string]any{}
	}
	xs, ys := orTerms(x), orTerms(y)
	out := make([]any, 0, len(xs)+len(ys))
	add := func(t any, owned bool) {
		for _, o := range out {
			if jsonval.Equal(o, t) {
				return
			}
		}
		if !owned {
			t = jsonval.Clone(t)
		}
		out = append(out, t)
	}
	for _, t := range xs {
		add(t, false)
	}
	for _, t := range ys {
		add(t, accOwned)
	}
	return map[string]any{"$or": out}
}

// orTerms splits a filter into the alternatives it allows: the entries of a
// lone $or, or the filter itself.
func orTerms(f any) []any {
	m, ok := jsonval.AsMap(f)
	if !ok {
		return []any{f}
	}
	or, has := m["$or"]
	if !has || len(m) != 1 {
		return []any{f}
	}
	if l, ok := or.([]any); ok {
		return l
	}
	return []any{or}
}

// unionStrings is the union of two lists, new entries first, without
// repeats or falsy entries (lodash uniq(x.concat(y)).filter(Boolean)).
func unionStrings(x, y any) []any {
	xs, ys := jsonval.StrategyList(x), jsonval.StrategyList(y)
	out := make([]any, 0, len(xs)+len(ys))
	for _, l := range [2][]any{xs, ys} {
		for _, v := range l {
			if jsonval.Truthy(v) && !jsonval.ContainsPrimitive(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// requestMergeStrategies merge ACL params into request params (the core
// middleware's mergeActionParams).
var requestMergeStrategies = map[string]jsonval.Strategy{
	"appends": func(x any, _ bool, y any, _ bool) (any, bool) {
		if !jsonval.Truthy(x) {
			return []any{}, true
		}
		if !jsonval.Truthy(y) {
			return x, true
		}
		allowed := jsonval.StrategyList(y)
		var out []any
		for _, v := range jsonval.StrategyList(x) {
			s, _ := v.(string)
			if jsonval.ContainsPrimitive(allowed, firstSegment(s)) {
				out = append(out, v)
			}
		}
		return jsonval.Compact(out), true
	},
	"blacklist": jsonval.Intersect,
	"except":    jsonval.Union,
	"fields":    jsonval.Intersect,
	"filter":    jsonval.AndMerge,
	"sort":      jsonval.Overwrite,
	"whitelist": jsonval.Intersect,
}

func firstSegment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i]
		}
	}
	return s
}

// mergeRequestParams merges the ACL's (template-filled) params into the
// params of a request: filters are ANDed, field lists intersected, appends
// limited to the ones the ACL allows. The result shares values with both.
func mergeRequestParams(request, aclParams Params) Params {
	merged := map[string]any(request)
	if aclAppends, ok := jsonval.List(aclParams["appends"]); ok && jsonval.Truthy(aclParams["appends"]) {
		if fields, ok := jsonval.List(merged["fields"]); ok && jsonval.Truthy(merged["fields"]) {
			var keep, moved []any
			for _, f := range fields {
				if jsonval.ContainsPrimitive(aclAppends, f) {
					moved = append(moved, f)
				} else {
					keep = append(keep, f)
				}
			}
			if len(moved) > 0 {
				merged = maps.Clone(merged) // the request's map stays as it came
				appends, _ := jsonval.List(merged["appends"])
				merged["appends"] = append(append([]any(nil), appends...), moved...)
				if keep == nil {
					keep = []any{}
				}
				merged["fields"] = keep
			}
		}
	}
	fields, isList := merged["fields"].([]any)
	emptyFields := isList && len(fields) == 0
	merged = jsonval.Assign(merged, aclParams, requestMergeStrategies)
	if emptyFields {
		merged["fields"] = []any{}
	}
	return Params(merged)
}
