// Package jsonval works on JSON-shaped Go values (map[string]any, []any,
// string, float64, bool, nil) the way NocoBase's @nocobase/utils does:
// normalising arbitrary Go values into that shape, deep copies, lodash's
// isEmpty/isEqual and JavaScript truthiness, and assign() with its merge
// strategies (andMerge, orMerge, intersect, union, overwrite, deepMerge,
// merge). acl and resourcer both merge params this way.
//
// Merge functions leave their inputs untouched and may share parts of them
// in their results; callers that hand a result out clone it first.
package jsonval

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Normalize converts v into the JSON shape and returns a fresh copy that
// shares nothing with v. Common Go types are converted directly; anything
// else goes through encoding/json. NaN and infinities are errors.
func Normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%v is not a JSON number", x)
		}
		return x, nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case uint:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case uint32:
		return float64(x), nil
	case float32:
		return Normalize(float64(x))
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil, err
		}
		return f, nil
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ne, err := Normalize(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = ne
		}
		return out, nil
	case map[string]any:
		return NormalizeMap(x)
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil, nil
	}
	// Named map types such as acl.Params or resourcer.Params.
	if rv.Type().ConvertibleTo(mapType) {
		return NormalizeMap(rv.Convert(mapType).Interface().(map[string]any))
	}
	// Anything else (structs, typed slices and maps) goes through its JSON form.
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("value of type %T: %w", v, err)
	}
	var decoded any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		return nil, fmt.Errorf("value of type %T: %w", v, err)
	}
	return decoded, nil
}

// NormalizeMap is Normalize for an object.
func NormalizeMap(m map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, e := range m {
		ne, err := Normalize(e)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = ne
	}
	return out, nil
}

// Clone deep-copies a JSON-shaped value.
func Clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		// maps.Clone copies the table whole, cheaper than re-inserting;
		// only nested containers are then replaced.
		out := maps.Clone(x)
		for k, e := range out {
			switch e.(type) {
			case map[string]any, []any:
				out[k] = Clone(e)
			}
		}
		return out
	case []any:
		out := slices.Clone(x)
		for i, e := range out {
			switch e.(type) {
			case map[string]any, []any:
				out[i] = Clone(e)
			}
		}
		return out
	}
	return v
}

// AsMap returns v as a plain object (lodash isPlainObject).
func AsMap(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, true
	}
	return nil, false
}

// IsEmpty is lodash's isEmpty on JSON values: null, booleans, numbers, ""
// and empty arrays and objects are empty.
func IsEmpty(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return true
}

// Truthy is JavaScript truthiness on JSON values.
func Truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	}
	return true
}

// Equal is lodash's isEqual on JSON values.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := AsMap(b)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !Equal(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, Equal)
	}
	return a == b
}

// List turns a params list value into a list the way NocoBase's merge
// strategies read it: a string is split at commas, an object gives its values.
func List(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case string:
		parts := strings.Split(x, ",")
		out := make([]any, len(parts))
		for i, s := range parts {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

var mapType = reflect.TypeFor[map[string]any]()

// Strategy combines the target's value x with the source's value y. The
// booleans say whether each key was present; a false result deletes the key
// (JavaScript's undefined).
type Strategy func(x any, xok bool, y any, yok bool) (any, bool)

// Assign is NocoBase's assign(target, source, strategies): every key of
// either side with a strategy gets strategy(target[k], source[k]); a key
// without one changes only when source has it, to deepMerge(target[k],
// source[k]). It returns a new map.
func Assign(target, source map[string]any, strategies map[string]Strategy) map[string]any {
	out := make(map[string]any, len(target)+len(source))
	for k, v := range target {
		out[k] = v
	}
	apply := func(k string) {
		y, yok := source[k]
		f := strategies[k]
		if f == nil {
			if yok {
				out[k] = DeepMerge(out[k], y)
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
	EachKey(source, target, apply)
	return out
}

// EachKey calls fn once for every key of a or b, a's keys first.
func EachKey[M ~map[string]any](a, b M, fn func(string)) {
	for k := range a {
		fn(k)
	}
	for k := range b {
		if _, seen := a[k]; !seen {
			fn(k)
		}
	}
}

// DeepMerge is the deepmerge package with arrays taken from the source, as
// NocoBase configures it: two plain objects merge key by key, anything else
// is the source value.
func DeepMerge(x, y any) any {
	xm, xok := AsMap(x)
	ym, yok := AsMap(y)
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
	ym, _ := AsMap(y)
	if xm, ok := AsMap(x); ok {
		return mergeObjects(xm, ym)
	}
	return mergeObjects(nil, ym)
}

func isMergeable(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// AndMerge is the andMerge strategy: {$and: [x, y]}, or the one side that
// is set.
func AndMerge(x any, _ bool, y any, _ bool) (any, bool) { return junction("$and", x, y) }

// OrMerge is the orMerge strategy: {$or: [x, y]}, or the one side that is set.
func OrMerge(x any, _ bool, y any, _ bool) (any, bool) { return junction("$or", x, y) }

func junction(op string, x, y any) (any, bool) {
	switch {
	case !Truthy(x) && !Truthy(y):
		return nil, false
	case !Truthy(x):
		return y, true
	case !Truthy(y):
		return x, true
	}
	return map[string]any{op: []any{x, y}}, true
}

// Intersect keeps the entries of x that y also has; an empty side yields the
// other side.
func Intersect(x any, _ bool, y any, _ bool) (any, bool) {
	xs := StrategyList(x)
	ys := StrategyList(y)
	var out []any
	switch {
	case len(xs) == 0:
		out = ys
	case len(ys) == 0:
		out = xs
	default:
		for _, v := range xs {
			if ContainsPrimitive(ys, v) {
				out = append(out, v)
			}
		}
	}
	return Compact(out), true
}

// Union is the union strategy: x's entries then y's, without repeats or
// falsy entries.
func Union(x any, _ bool, y any, _ bool) (any, bool) {
	return Compact(Uniq(append(append([]any(nil), StrategyList(x)...), StrategyList(y)...))), true
}

// Overwrite is the overwrite strategy: y unless it is absent, comma
// strings split into lists.
func Overwrite(x any, xok bool, y any, yok bool) (any, bool) {
	v, ok := y, yok
	if !yok {
		v, ok = x, xok
	}
	if s, isString := v.(string); isString && containsComma(s) {
		l, _ := List(s)
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

// StrategyList reads a list operand: arrays as they are, strings split at
// commas, objects as their values (sorted by key, Go maps having no order),
// anything else as no list.
func StrategyList(v any) []any {
	if l, ok := List(v); ok {
		return l
	}
	if m, ok := AsMap(v); ok {
		keys := SortedKeys(m)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = m[k]
		}
		return out
	}
	return nil
}

// Compact drops JavaScript-falsy entries; it never returns nil.
func Compact(l []any) []any {
	out := make([]any, 0, len(l))
	for _, v := range l {
		if Truthy(v) {
			out = append(out, v)
		}
	}
	return out
}

// Uniq drops repeated primitives, keeping first occurrences (lodash uniq:
// objects are never equal to each other).
func Uniq(l []any) []any {
	out := make([]any, 0, len(l))
	for _, v := range l {
		if !ContainsPrimitive(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// ContainsPrimitive reports whether l holds the primitive v.
func ContainsPrimitive(l []any, v any) bool {
	if !IsPrimitive(v) {
		return false
	}
	for _, e := range l {
		if IsPrimitive(e) && e == v {
			return true
		}
	}
	return false
}

// IsPrimitive reports whether v is a JSON string, number, boolean or null.
func IsPrimitive(v any) bool {
	switch v.(type) {
	case nil, string, float64, bool:
		return true
	}
	return false
}

// SortedKeys returns the keys of m in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Merge is the "merge" strategy: two plain objects are combined key by key
// (the source's keys win, one level deep); anything else is the source.
func Merge(x any, _ bool, y any, yok bool) (any, bool) {
	xm, xok := AsMap(x)
	ym, ymok := AsMap(y)
	if !xok || !ymok {
		return y, yok
	}
	out := make(map[string]any, len(xm)+len(ym))
	for k, v := range xm {
		out[k] = v
	}
	for k, v := range ym {
		out[k] = v
	}
	return out, true
}

// DeepMergeStrategy is DeepMerge as a Strategy.
func DeepMergeStrategy(x any, _ bool, y any, yok bool) (any, bool) {
	if !yok {
		return x, true
	}
	return DeepMerge(x, y), true
}

// Strategies are the named strategies of NocoBase's mergeStrategies map.
var Strategies = map[string]Strategy{
	"andMerge":  AndMerge,
	"orMerge":   OrMerge,
	"intersect": Intersect,
	"union":     Union,
	"overwrite": Overwrite,
	"deepMerge": DeepMergeStrategy,
	"merge":     Merge,
}
