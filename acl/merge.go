package acl

import "github.com/gatehouse-dev/gatehouse/internal/jsonval"

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
	"blacklist": jsonval.Union, // NocoBase intersects, which unprotects fields; see doc.go
	"sort":      jsonval.Overwrite,
}

// mergeRoleParams is NocoBase's mergeAclActionParams(acc, next): how the
// params of one more role in a union widen the accumulated ones. Anything
// unrestricted on either side stays unrestricted: an empty side, and a
// fields, whitelist or appends list only one side has. Lists both sides
// have are united, and an empty list (nothing allowed) is kept: NocoBase
// drops it, which lifts the restriction. The result is a new map whose
// values may be shared with next, and with acc unless accOwned says acc is
// the caller's own; values taken from shared inputs are copied, so the
// result is entirely the caller's.
func mergeRoleParams(acc Params, accOwned bool, next Params) Params {
	if len(acc) == 0 || len(next) == 0 {
		return Params{}
	}
	out := make(Params, len(acc)+len(next))
	merge := func(k string) {
		x, inNext := next[k]
		y, inAcc := acc[k]
		var v any
		switch {
		case isListRestriction(k):
			if (inNext && x != nil) != (inAcc && y != nil) {
				return // only one side restricts: the union does not
			}
			out[k] = unionStrings(x, y)
			return
		case k == "own":
			v = y
			if jsonval.Truthy(x) {
				v = x
			} else if !inAcc {
				return
			}
		case k == "filter":
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

// isListRestriction reports whether a param key is a list of names that
// restricts to its entries, so that an empty list allows nothing.
func isListRestriction(k string) bool {
	return k == "fields" || k == "whitelist" || k == "appends"
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
