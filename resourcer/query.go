package resourcer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// QueryError reports a query parameter whose value the reference rejects.
// Only a `filter` given as a string that is not valid JSON does: the
// reference's JSON.parse throws, and NocoBase answers the request with an
// error instead of running the action.
type QueryError struct {
	Param string // the parameter, e.g. "filter"
	Err   error  // what is wrong with its value
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("invalid JSON in query parameter %q: %v", e.Param, e.Err)
}

// Unwrap returns the underlying error.
func (e *QueryError) Unwrap() error { return e.Err }

// ParseQuery parses a raw query string (without the leading '?') exactly as
// NocoBase's parseQuery does: qs.parse with strictNullHandling and an
// arrayLimit of 100 (qs 6.17: depth 5, parameterLimit 1000, duplicate keys
// combined, Object.prototype names dropped), then a string `filter` is
// JSON-parsed and `filterByTk` is "smart-parsed": a string starting with '{'
// or '[' that is a JSON object or array becomes that value, and an object
// whose keys are all digits becomes an array ordered by those numbers.
//
// Values are JSON-shaped: map[string]any, []any, string, json.Number, bool
// and nil. A key given without '=' is nil, "a=" is "". Percent escapes are
// decoded and '+' is a space; a key or value holding an escape that is not
// valid UTF-8 keeps all its escapes as written. Numbers in the JSON of
// `filter` and `filterByTk` stay json.Number, with the digits the client
// sent, where the reference's JSON.parse rounds them to doubles: an id
// past 2^53 must still name its own row. A JSON number too large for a
// float64 becomes nil (the reference holds Infinity, which JSON writes as
// null). The only error is a *QueryError for a malformed `filter`.
func ParseQuery(rawQuery string) (Params, error) {
	root := qsParse(rawQuery)
	params := make(Params, len(root.entries))
	for _, e := range root.entries {
		params[e.key] = jsToGo(e.val)
	}
	if s, ok := params["filter"].(string); ok {
		v, _, err := parseJSON(s, false)
		if err != nil {
			return nil, &QueryError{Param: "filter", Err: err}
		}
		params["filter"] = v
	}
	switch tk := params["filterByTk"].(type) {
	case string:
		params["filterByTk"] = smartParse(tk)
	case map[string]any:
		// qs built this object, so its key order (which breaks ties such as
		// "0" and "00") is the order of the internal object.
		if obj, ok := root.get("filterByTk"); ok {
			params["filterByTk"] = indexedToArray(obj.(*jsObject).orderedKeys(), tk)
		}
	}
	return params, nil
}

// smartParse is the reference's filterByTk parsing of a string: JSON only
// when the trimmed string starts with '{' or '[', and only an object or
// array result replaces the string; anything that fails stays a string.
func smartParse(str string) any {
	s := jsTrim(str)
	if s == "" || (s[0] != '{' && s[0] != '[') {
		return str
	}
	v, keys, err := parseJSON(s, true)
	if err != nil {
		return str
	}
	if m, ok := v.(map[string]any); ok {
		return indexedToArray(jsOrder(keys), m)
	}
	return v
}

// indexedToArray is normalizeIndexedObjectToArray: a non-empty object whose
// keys (given in JS property order) all match /^\d+$/ becomes the array of
// its values sorted by Number(key). The sort is stable, so equal numbers
// ("1" and "01") keep the property order. Any other object is returned as is.
func indexedToArray(keys []string, m map[string]any) any {
	if len(keys) == 0 {
		return m
	}
	nums := make([]float64, len(keys))
	for i, k := range keys {
		if !allDigits(k) {
			return m
		}
		// Huge keys parse to +Inf with ErrRange, which is JS's Number(k) too.
		nums[i], _ = strconv.ParseFloat(k, 64)
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return nums[order[a]] < nums[order[b]] })
	out := make([]any, len(keys))
	for i, j := range order {
		out[i] = m[keys[j]]
	}
	return out
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseJSON parses s as JSON.parse does, into JSON-shaped values with
// numbers as json.Number (exact, unlike JSON.parse's doubles), and returns
// the top-level object's keys in order of first appearance (JSON.parse
// keeps a repeated key at its first position), for callers that need JS
// property order. A number outside the float64 range becomes nil (JSON.parse
// gives Infinity, which JSON writes as null). encoding/json refuses nesting
// deeper than 10,000 levels, which JSON.parse would accept: such a filter is
// an error here.
func parseJSON(s string, wantKeys bool) (any, []string, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, err
	}
	if strings.TrimLeft(s[dec.InputOffset():], " \t\r\n") != "" {
		return nil, nil, errors.New("unexpected data after the JSON value")
	}
	v = dropInfiniteNumbers(v)
	if _, isObject := v.(map[string]any); !isObject || !wantKeys {
		return v, nil, nil
	}
	return v, objectKeyOrder(s), nil
}

// dropInfiniteNumbers replaces the json.Numbers no float64 holds (1e400)
// with nil, what the reference's Infinity becomes in JSON; the others are
// kept as they are.
func dropInfiniteNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := strconv.ParseFloat(string(x), 64); err != nil && math.IsInf(f, 0) {
			return nil
		}
	case map[string]any:
		for k, e := range x {
			x[k] = dropInfiniteNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = dropInfiniteNumbers(e)
		}
	}
	return v
}

// decodeJSONBody decodes a request's JSON body with numbers as
// json.Number, so that an int64 past 2^53 keeps its digits on its way to
// the database.
func decodeJSONBody(raw []byte) (any, error) {
	var body any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return nil, fmt.Errorf("%w: body is not valid JSON: %v", ErrBadRequest, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: body has data after its JSON value", ErrBadRequest)
	}
	if path, ok := infiniteNumber(body, "body"); ok {
		return nil, fmt.Errorf("%w: %s: number out of range", ErrBadRequest, path)
	}
	return body, nil
}

// infiniteNumber finds a number in a decoded body that no float64 holds
// (1e400): JSON bodies were refused for one before numbers were decoded
// as json.Number, and still are, so that every number a handler gets can
// be compared and converted.
func infiniteNumber(v any, path string) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return path, err != nil && math.IsInf(f, 0)
	case map[string]any:
		for k, e := range x {
			if p, ok := infiniteNumber(e, path+"."+k); ok {
				return p, true
			}
		}
	case []any:
		for i, e := range x {
			if p, ok := infiniteNumber(e, path+"."+strconv.Itoa(i)); ok {
				return p, true
			}
		}
	}
	return "", false
}

// objectKeyOrder lists the keys of the JSON object s in order of first
// appearance; s is known to be valid.
func objectKeyOrder(s string) []string {
	dec := json.NewDecoder(strings.NewReader(s))
	if _, err := dec.Token(); err != nil { // '{'
		return nil
	}
	var keys []string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := tok.(string)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}
