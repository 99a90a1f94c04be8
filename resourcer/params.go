package resourcer

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// Params are an action's params in NocoBase's JSON shape: filter,
// filterByTk, fields, appends, except, sort, page, pageSize, values, and
// anything a handler reads. Nested values are map[string]any, []any,
// string, json.Number (numbers from JSON, kept exact), float64, bool or nil.
type Params = map[string]any

// NameList reads the list of names p holds at key: ["a","b"] (from JSON,
// or a []string a Go caller set) or "a,b" (from a query string). It
// returns nil when the list is absent, null or "", which sets no limit,
// and a non-nil list when one was given, however empty, so that an empty
// restriction stays one and never reads as "no limit". Anything else is a
// 400 naming key.
//
// Every handler that reads fields, appends, except, sort, whitelist or
// blacklist reads them here, so that they all agree on what a given list
// is.
func NameList(p Params, key string) ([]string, error) {
	switch v := p[key].(type) {
	case nil:
		return nil, nil
	case string:
		if v == "" {
			return nil, nil
		}
		return strings.Split(v, ","), nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, notNames(key)
			}
			out = append(out, s)
		}
		return out, nil
	case []string:
		if v == nil {
			return []string{}, nil
		}
		return v, nil
	}
	return nil, notNames(key)
}

func notNames(key string) error {
	return &StatusError{Status: http.StatusBadRequest, Message: key + " must be a list of names"}
}

// WholeNumber reads a whole number given as a JSON number (json.Number,
// float64), a Go integer, or text ("12", and "12.0" or "1e3", which are
// whole too). ok is false for anything else: a fraction, NaN, an
// infinity, or a number an int64 does not hold exactly. Numbers are read
// by jsonval.NumberOf, so a json.Number past 2^53 stays exact.
func WholeNumber(v any) (int64, bool) {
	if s, ok := v.(string); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		num, err := jsonval.ParseNumber(s)
		return num.Int, err == nil && num.IsInt
	}
	num, ok, err := jsonval.NumberOf(v)
	return num.Int, ok && err == nil && num.IsInt
}

// PositiveParam reads p[key] as a positive whole number (see
// WholeNumber), def when it is absent or null. Anything else is a 400
// naming key, as page and pageSize answer.
func PositiveParam(p Params, key string, def int64) (int64, error) {
	v, ok := p[key]
	if !ok || v == nil {
		return def, nil
	}
	n, ok := WholeNumber(v)
	if !ok || n < 1 {
		return 0, &StatusError{Status: http.StatusBadRequest, Message: key + " must be a positive whole number"}
	}
	return n, nil
}
