package acl

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// Params are action params in NocoBase's JSON shape: filter, fields,
// whitelist, blacklist, appends, except, sort, own and any key a host adds.
//
// Params the ACL hands out are the caller's own deep copy. Inside, values are
// kept in the shape encoding/json decodes into: map[string]any, []any,
// string, json.Number or float64, bool and nil (integers become exact
// json.Numbers). Params given to the ACL may use any value
// that encoding/json can marshal ([]string, int, nested Params, structs);
// they are converted once, when granted.
type Params = map[string]any

// normalizeParams converts p into the JSON shape and returns a fresh copy
// that shares nothing with p.
func normalizeParams(p Params) (Params, error) {
	if p == nil {
		return Params{}, nil
	}
	out := make(Params, len(p))
	for k, v := range p {
		nv, err := jsonval.Normalize(v)
		if err != nil {
			return nil, fmt.Errorf("param %q: %w", k, err)
		}
		out[k] = nv
	}
	return out, nil
}

// cloneParams deep-copies normalized params. nil stays nil.
func cloneParams(p Params) Params {
	if p == nil {
		return nil
	}
	return jsonval.Clone(p).(map[string]any)
}
