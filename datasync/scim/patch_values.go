package scim

import (
	"encoding/json"
	"strconv"
	"strings"
)

// asMap returns v when it is an object, else a new empty one.
func asMap(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

// equalJSON reports whether a and b encode to the same JSON (object keys
// are sorted by encoding/json, so key order does not matter).
func equalJSON(a, b any) bool {
	return jsonKey(a) == jsonKey(b)
}

func jsonKey(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s) // as distinct as JSON's quoting, and cheaper: members are ids
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "\x00" // never equal to an encoding
	}
	return string(b)
}

// valueKey identifies a value of the multi-valued attribute a when
// adding: a member is its "value" (the member's id; RFC 7643 §4.2 makes it
// immutable, so two elements with one value are one member), any other
// value is the whole of it, so that an identical address is not added
// twice but the same address as "home" and "work" is kept.
func valueKey(a *Attribute) func(v any) string {
	if vs := a.Sub("value"); vs != nil && vs.Mutability == mutImmutable {
		return func(v any) string {
			if m, ok := v.(map[string]any); ok {
				return jsonKey(m[vs.Name])
			}
			return jsonKey(v)
		}
	}
	return jsonKey
}

// appendUnique appends to old the added values it does not hold yet, in
// one pass over each through a set: adding 1,000 members to a group of
// 1,000 is 2,000 key computations, not a million comparisons.
func appendUnique(a *Attribute, old, added []any) []any {
	key := valueKey(a)
	seen := make(map[string]struct{}, len(old)+len(added))
	for _, v := range old {
		seen[key(v)] = struct{}{}
	}
	out := make([]any, len(old), len(old)+len(added))
	copy(out, old)
	for _, v := range added {
		k := key(v)
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, v)
	}
	return out
}

// removeValues removes from the multi-valued attribute a in c the values
// v lists: Entra removes members as {"op": "Remove", "path": "members",
// "value": [{"value": "<id>"}]}. Values are matched by their "value"
// sub-attribute when they have one (Entra sends nothing else), else whole.
func removeValues(c map[string]any, a *Attribute, v any) {
	key := jsonKey
	if vs := a.Sub("value"); vs != nil {
		key = func(e any) string {
			m, ok := e.(map[string]any)
			if !ok {
				return jsonKey(e)
			}
			for k, sv := range m {
				if strings.EqualFold(k, vs.Name) {
					return valueString(sv, vs.CaseExact)
				}
			}
			return jsonKey(m)
		}
	}
	drop := make(map[string]struct{})
	for _, e := range asList(v) {
		drop[key(e)] = struct{}{}
	}
	var kept []any
	for _, e := range asList(c[a.Name]) {
		if _, gone := drop[key(e)]; !gone {
			kept = append(kept, e)
		}
	}
	setOrDelete(c, a.Name, kept)
}

// valueString keys a "value" for removal, folding case where the
// attribute is not caseExact.
func valueString(v any, caseExact bool) string {
	if s, ok := v.(string); ok && !caseExact {
		return jsonKey(strings.ToLower(s))
	}
	return jsonKey(v)
}

// keepPrimary enforces RFC 7643 §2.4, "primary" true for at most one
// value: when one of the values at the changed indexes is primary (the
// last such one wins), every other value stops being primary.
func keepPrimary(list []any, changed []int) {
	winner := -1
	for _, i := range changed {
		if m, ok := list[i].(map[string]any); ok && m["primary"] == true {
			winner = i
		}
	}
	if winner < 0 {
		return
	}
	for i, e := range list {
		if m, ok := e.(map[string]any); ok && i != winner && m["primary"] == true {
			m["primary"] = false // m is the patcher's copy
		}
	}
}

// indexes lists from, from+1, … to (exclusive).
func indexes(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
