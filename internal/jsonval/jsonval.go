// Package jsonval works on JSON-shaped Go values (map[string]any, []any,
// string, float64 or json.Number, bool, nil) the way NocoBase's
// @nocobase/utils does:
// normalising arbitrary Go values into that shape, deep copies, lodash's
// isEmpty/isEqual and JavaScript truthiness, and assign() with its merge
// strategies (andMerge, orMerge, intersect, union, overwrite, deepMerge,
// merge). acl and resourcer both merge params this way.
//
// Numbers are float64 or json.Number: request JSON is decoded with
// UseNumber, and Normalize turns Go integers into json.Number, so that
// large integers stay exact. Wherever numbers are compared (Equal, the
// intersect and union strategies) they compare by value, so 1, 1.0 and
// json.Number("1") are one number; Truthy and IsEmpty read json.Number as
// JavaScript reads the number.
//
// Merge functions leave their inputs untouched and may share parts of them
// in their results; callers that hand a result out clone it first.
package jsonval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Normalize converts v into the JSON shape and returns a fresh copy that
// shares nothing with v. Common Go types are converted directly; anything
// else goes through encoding/json. Go integers become json.Number with
// their exact digits; a json.Number is kept once it is checked to be a
// JSON number within float64's range. NaN and infinities are errors.
func Normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%v is not a JSON number", x)
		}
		return x, nil
	case float32:
		return Normalize(float64(x))
	case json.Number:
		if _, err := ParseNumber(string(x)); err != nil {
			return nil, err
		}
		return x, nil
	case int, int64, int32, int16, int8, uint, uint64, uint32, uint16, uint8:
		return json.Number(fmt.Sprint(x)), nil
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, nil
	case []any:
		return normalizeList(x)
	case map[string]any:
		return NormalizeMap(x)
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out, nil
	}
	return normalizeReflect(v)
}

func normalizeList(l []any) ([]any, error) {
	out := make([]any, len(l))
	for i, e := range l {
		ne, err := Normalize(e)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = ne
	}
	return out, nil
}

// normalizeReflect handles named map types (acl.Params, resourcer.Params)
// and, through their JSON form, structs and typed slices and maps.
func normalizeReflect(v any) (any, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil, nil
	}
	if rv.Type().ConvertibleTo(mapType) {
		return NormalizeMap(rv.Convert(mapType).Interface().(map[string]any))
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("value of type %T: %w", v, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // an int64 field keeps its digits
	var decoded any
	if err := dec.Decode(&decoded); err != nil {
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

// IsEmpty is lodash's isEmpty on JSON values: null, booleans, numbers
// (json.Number too), "" and empty arrays and objects are empty.
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
	case json.Number:
		// JavaScript's Number(text): an underflow is 0, an overflow
		// Infinity; text that is no number would be NaN.
		f, err := strconv.ParseFloat(string(x), 64)
		return f != 0 && (err == nil || math.IsInf(f, 0))
	case string:
		return x != ""
	}
	return true
}

// Equal is lodash's isEqual on JSON values; numbers compare by value
// across float64, json.Number and Go integers.
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
	return primitiveEqual(a, b)
}

// primitiveEqual is JavaScript's === on JSON primitives: numbers by value.
func primitiveEqual(a, b any) bool {
	if eq, numbers := numbersEqual(a, b); numbers {
		return eq
	}
	t := reflect.TypeOf(a)
	return t == reflect.TypeOf(b) && (t == nil || t.Comparable()) && a == b
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
		in := containsFunc(ys)
		for _, v := range xs {
			if in(v) {
				out = append(out, v)
			}
		}
	}
	return Compact(out), true
}

// Union is the union strategy: x's entries then y's, without repeats or
// falsy entries. As NocoBase's (x || []).concat(y || []) reads them, a
// string is split at commas, an array gives its entries, a falsy value
// none, and any other value (an object, a number) is one entry.
func Union(x any, _ bool, y any, _ bool) (any, bool) {
	return Compact(Uniq(append(append([]any(nil), unionOperand(x)...), unionOperand(y)...))), true
}

func unionOperand(v any) []any {
	if l, ok := List(v); ok {
		return l
	}
	if !Truthy(v) {
		return nil
	}
	return []any{v}
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
	if len(l) <= shortList {
		for _, v := range l {
			if !ContainsPrimitive(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	seen := make(map[any]bool, len(l))
	for _, v := range l {
		k, ok := primitiveKey(v)
		if ok && seen[k] {
			continue
		}
		if ok {
			seen[k] = true
		}
		out = append(out, v)
	}
	return out
}

// shortList is the length up to which a linear scan beats building a set:
// request lists (fields, appends) may run to thousands of names, and a
// scan per entry would make their merge quadratic.
const shortList = 16

// containsFunc returns ContainsPrimitive(l, ·), through a set when l is long.
func containsFunc(l []any) func(any) bool {
	if len(l) <= shortList {
		return func(v any) bool { return ContainsPrimitive(l, v) }
	}
	set := make(map[any]bool, len(l))
	for _, e := range l {
		if k, ok := primitiveKey(e); ok {
			set[k] = true
		}
	}
	return func(v any) bool {
		k, ok := primitiveKey(v)
		return ok && set[k]
	}
}

// nullKey is null's primitiveKey.
type nullKey struct{}

// primitiveKey returns a map key that two primitives share exactly when
// primitiveEqual calls them equal (numbers by value, whatever their Go
// type); ok is false for anything else, which never equals another value.
func primitiveKey(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nullKey{}, true
	case string, bool:
		return x, true
	}
	n, ok, err := NumberOf(v)
	if !ok || err != nil {
		return nil, false
	}
	if n.IsInt {
		return n.Int, true
	}
	return n.Float, true
}

// ContainsPrimitive reports whether l holds the primitive v; numbers
// compare by value.
func ContainsPrimitive(l []any, v any) bool {
	if !IsPrimitive(v) {
		return false
	}
	for _, e := range l {
		if IsPrimitive(e) && primitiveEqual(e, v) {
			return true
		}
	}
	return false
}

// IsPrimitive reports whether v is a JSON string, number (float64 or
// json.Number), boolean or null.
func IsPrimitive(v any) bool {
	switch v.(type) {
	case nil, string, float64, json.Number, bool:
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

// DeepMergeStrategy is DeepMerge as a Strategy. Like NocoBase's, it
// answers the source's value when the sides are not both objects, so a key
// the source lacks is removed (JavaScript's undefined).
func DeepMergeStrategy(x any, _ bool, y any, yok bool) (any, bool) {
	if !yok {
		return nil, false
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

// TypeName names the JSON kind of a decoded value for an error message:
// "null", "a string", "a boolean", "a number", "a list", "an object".
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	case json.Number:
		return "a number"
	}
	rv := reflect.ValueOf(v)
	if rv.CanInt() || rv.CanUint() || rv.CanFloat() {
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}
