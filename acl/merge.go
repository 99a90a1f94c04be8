package acl

import "maps"

// The merge rules of NocoBase's @nocobase/utils assign() and the ACL's
// param merges, on JSON-shaped values. Every function here leaves its inputs
// untouched and may share parts of them in its result: callers that hand a
// result out clone it first.

// mergeFunc combines the target's value x with the source's value y. The
// booleans say whether each key was present; a false result deletes the key
// (JavaScript's undefined).
type mergeFunc func(x any, xok bool, y any, yok bool) (any, bool)

// assign is NocoBase's assign(target, source, strategies): every key of
// either side with a strategy gets strategy(target[k], source[k]); a key
// without one changes only when source has it, to deepMerge(target[k],
// source[k]). It returns a new map.
func assign(target, source map[string]any, strategies map[string]mergeFunc) map[string]any {
	out := make(map[string]any, len(target)+len(source))
	for k, v := range target {
		out[k] = v
	}
	apply := func(k string) {
		y, yok := source[k]
		f := strategies[k]
		if f == nil {
			if yok {
				out[k] = deepMerge(out[k], y)
			}
			return
		}
		x, xok := target[k]
		if v, ok := f(x, xok, y, yok); ok {
			out[k] = v
		} else {
			delete(out, k)
		}
	}
	eachKey(source, target, apply)
	return out
}

// eachKey calls fn once for every key of a or b, a's keys first.
func eachKey[M ~map[string]any](a, b M, fn func(string)) {
	for k := range a {
		fn(k)
	}
	for k := range b {
		if _, seen := a[k]; !seen {
			fn(k)
		}
	}
}

// deepMerge is the deepmerge package with arrays taken from the source, as
// NocoBase configures it: two plain objects merge key by key, anything else
// is the source value.
func deepMerge(x, y any) any {
	xm, xok := asMap(x)
	ym, yok := asMap(y)
	if !xok || !yok {
		return y
	}
	return mergeObjects(xm, ym)
}

func mergeObjects(x, y map[string]any) map[string]any {
	out := make(map[string]any, len(x)+len(y))
	for k, v := range x {
		out[k] = v
	}
	for k, yv := range y {
		xv, has := x[k]
		if has && isMergeable(yv) {
			out[k] = mergeValues(xv, yv)
		} else {
			out[k] = yv
		}
	}
	return out
}

func mergeValues(x, y any) any {
	_, xArr := x.([]any)
	_, yArr := y.([]any)
	if xArr != yArr || yArr {
		return y
	}
	ym, _ := asMap(y)
	if xm, ok := asMap(x); ok {
		return mergeObjects(xm, ym)
	}
	return mergeObjects(nil, ym)
}

func isMergeable(v any) bool {
	switch v.(type) {
	case map[string]any, Params, []any:
		return true
	}
	return false
}

func andMerge(x any, _ bool, y any, _ bool) (any, bool) { return junction("$and", x, y) }
func orMerge(x any, _ bool, y any, _ bool) (any, bool)  { return junction("$or", x, y) }

func junction(op string, x, y any) (any, bool) {
	switch {
	case !truthy(x) && !truthy(y):
		return nil, false
	case !truthy(x):
		return y, true
	case !truthy(y):
		return x, true
	}
	return map[string]any{op: []any{x, y}}, true
}

// intersect keeps the entries of x that y also has; an empty side yields the
// other side.
func intersect(x any, _ bool, y any, _ bool) (any, bool) {
	xs := strategyList(x)
	ys := strategyList(y)
	var out []any
	switch {
	case len(xs) == 0:
		out = ys
	case len(ys) == 0:
		out = xs
	default:
		for _, v := range xs {
			if containsPrimitive(ys, v) {
				out = append(out, v)
			}
		}
	}
	return compact(out), true
}

func union(x any, _ bool, y any, _ bool) (any, bool) {
	return compact(uniq(append(append([]any(nil), strategyList(x)...), strategyList(y)...))), true
}

func overwrite(x any, xok bool, y any, yok bool) (any, bool) {
	v, ok := y, yok
	if !yok {
		v, ok = x, xok
	}
	if s, isString := v.(string); isString && containsComma(s) {
		l, _ := listValue(s)
		return l, true
	}
	return v, ok
}

func containsComma(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return true
		}
	}
	return false
}

// strategyList reads a list operand: arrays as they are, strings split at
// commas, objects as their values (sorted by key, Go maps having no order),
// anything else as no list.
func strategyList(v any) []any {
	if l, ok := listValue(v); ok {
		return l
	}
	if m, ok := asMap(v); ok {
		keys := sortedKeys(m)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = m[k]
		}
		return out
	}
	return nil
}

// compact drops JavaScript-falsy entries; it never returns nil.
func compact(l []any) []any {
	out := make([]any, 0, len(l))
	for _, v := range l {
		if truthy(v) {
			out = append(out, v)
		}
	}
	return out
}

// uniq drops repeated primitives, keeping first occurrences (lodash uniq:
// objects are never equal to each other).
func uniq(l []any) []any {
	out := make([]any, 0, len(l))
	for _, v := range l {
		if !containsPrimitive(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func containsPrimitive(l []any, v any) bool {
	if !isPrimitive(v) {
		return false
	}
	for _, e := range l {
		if isPrimitive(e) && e == v {
			return true
		}
	}
	return false
}

func isPrimitive(v any) bool {
	switch v.(type) {
	case nil, string, float64, bool:
		return true
	}
	return false
}

// fixedParamsStrategies fold fixed params (FixedParamsManager.mergeParams).
var fixedParamsStrategies = map[string]mergeFunc{
	"filter":    andMerge,
	"fields":    intersect,
	"appends":   union,
	"except":    union,
	"whitelist": intersect,
	"blacklist": intersect,
	"sort":      overwrite,
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
			if k == "appends" || (!isEmpty(x) && !isEmpty(y)) {
				v = unionStrings(x, y)
			} else {
				v = []any{}
			}
		case "own":
			v = y
			if truthy(x) {
				v = x
			} else if !inAcc {
				return
			}
		case "filter":
			v = unionFilter(x, y, accOwned)
		default:
			v = x
			if inAcc {
				v = deepMerge(x, y)
			}
			v = cloneValue(v)
		}
		if !isEmpty(v) {
			out[k] = v
		}
	}
	eachKey(acc, next, merge)
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
	if isEmpty(x) || isEmpty(y) {
		return map[string]any{}
	}
	xs, ys := orTerms(x), orTerms(y)
	out := make([]any, 0, len(xs)+len(ys))
	add := func(t any, owned bool) {
		for _, o := range out {
			if jsonEqual(o, t) {
				return
			}
		}
		if !owned {
			t = cloneValue(t)
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
	m, ok := asMap(f)
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
	xs, ys := strategyList(x), strategyList(y)
	out := make([]any, 0, len(xs)+len(ys))
	for _, l := range [2][]any{xs, ys} {
		for _, v := range l {
			if truthy(v) && !containsPrimitive(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// requestMergeStrategies merge ACL params into request params (the core
// middleware's mergeActionParams).
var requestMergeStrategies = map[string]mergeFunc{
	"appends": func(x any, _ bool, y any, _ bool) (any, bool) {
		if !truthy(x) {
			return []any{}, true
		}
		if !truthy(y) {
			return x, true
		}
		allowed := strategyList(y)
		var out []any
		for _, v := range strategyList(x) {
			s, _ := v.(string)
			if containsPrimitive(allowed, firstSegment(s)) {
				out = append(out, v)
			}
		}
		return compact(out), true
	},
	"blacklist": intersect,
	"except":    union,
	"fields":    intersect,
	"filter":    andMerge,
	"sort":      overwrite,
	"whitelist": intersect,
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
	if aclAppends, ok := listValue(aclParams["appends"]); ok && truthy(aclParams["appends"]) {
		if fields, ok := listValue(merged["fields"]); ok && truthy(merged["fields"]) {
			var keep, moved []any
			for _, f := range fields {
				if containsPrimitive(aclAppends, f) {
					moved = append(moved, f)
				} else {
					keep = append(keep, f)
				}
			}
			if len(moved) > 0 {
				merged = maps.Clone(merged) // the request's map stays as it came
				appends, _ := listValue(merged["appends"])
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
	merged = assign(merged, aclParams, requestMergeStrategies)
	if emptyFields {
		merged["fields"] = []any{}
	}
	return Params(merged)
}
