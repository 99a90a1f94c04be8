package acl

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
)

// Params are action params in NocoBase's JSON shape: filter, fields,
// whitelist, blacklist, appends, except, sort, own and any key a host adds.
//
// Params the ACL hands out are the caller's own deep copy. Inside, values are
// kept in the shape encoding/json decodes into: map[string]any, []any,
// string, float64, bool and nil. Params given to the ACL may use any value
// that encoding/json can marshal ([]string, int, nested Params, structs);
// they are converted once, when granted.
type Params map[string]any

// normalizeParams converts p into the JSON shape and returns a fresh copy
// that shares nothing with p.
func normalizeParams(p Params) (Params, error) {
	if p == nil {
		return Params{}, nil
	}
	out := make(Params, len(p))
	for k, v := range p {
		nv, err := normalizeValue(v)
		if err != nil {
			return nil, fmt.Errorf("param %q: %w", k, err)
		}
		out[k] = nv
	}
	return out, nil
}

func normalizeValue(v any) (any, error) {
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
		return normalizeValue(float64(x))
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
			ne, err := normalizeValue(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = ne
		}
		return out, nil
	case Params:
		return normalizeMap(x)
	case map[string]any:
		return normalizeMap(x)
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

func normalizeMap(m map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, e := range m {
		ne, err := normalizeValue(e)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = ne
	}
	return out, nil
}

// cloneParams deep-copies normalized params. nil stays nil.
func cloneParams(p Params) Params {
	if p == nil {
		return nil
	}
	out := make(Params, len(p))
	for k, v := range p {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneValue(e)
		}
		return out
	case Params:
		return map[string]any(cloneParams(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}

// asMap returns v as a plain object (lodash isPlainObject).
func asMap(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, true
	case Params:
		return x, true
	}
	return nil, false
}

// isEmpty is lodash's isEmpty on JSON values: null, booleans, numbers, ""
// and empty arrays and objects are empty.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case Params:
		return len(x) == 0
	}
	return true
}

// truthy is JavaScript truthiness on JSON values.
func truthy(v any) bool {
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

// jsonEqual is lodash's isEqual on JSON values.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := asMap(b)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !jsonEqual(xv, yv) {
				return false
			}
		}
		return true
	case Params:
		return jsonEqual(map[string]any(x), b)
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, jsonEqual)
	}
	return a == b
}

// listValue turns a params list value into a list the way NocoBase's merge
// strategies read it: a string is split at commas, an object gives its values.
func listValue(v any) ([]any, bool) {
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
