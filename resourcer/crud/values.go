package crud

import (
	"reflect"
	"slices"
	"sort"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// assignment is values decoded onto a new model: the model and the
// columns that were set.
type assignment struct {
	model   reflect.Value // *T
	columns []string
	nulls   []string // columns set to null: written as SQL NULL, not the Go zero value
}

// decodeValues applies params.values to a new model, keeping the keys the
// params' whitelist allows and dropping its blacklist (NocoBase drops
// them silently, which is how an ACL whitelist narrows a write). An unknown
// field or a value of the wrong type is a 400 naming the field.
func (r *Resource) decodeValues(p resourcer.Params, forUpdate bool) (*assignment, error) {
	raw, ok := p["values"]
	if !ok || raw == nil {
		raw = map[string]any{}
	}
	values, ok := raw.(map[string]any)
	if !ok {
		return nil, badRequest("values must be an object")
	}
	whitelist, err := stringList(p, "whitelist")
	if err != nil {
		return nil, err
	}
	blacklist, err := stringList(p, "blacklist")
	if err != nil {
		return nil, err
	}
	_, hasWhitelist := p["whitelist"]
	allowed := func(f *filterop.Field) bool {
		listed := func(l []string) bool {
			return slices.Contains(l, f.Key) || slices.Contains(l, f.Column)
		}
		if hasWhitelist && !listed(whitelist) {
			return false
		}
		return !listed(blacklist)
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	a := &assignment{model: reflect.New(r.model)}
	pk := r.schema.PKs()[0]
	for _, k := range keys {
		f, ok := r.schema.Field(k)
		if !ok {
			if _, isRel := r.schema.Relation(k); isRel {
				return nil, badRequest("values.%s: associations cannot be written through %s", k, r.name)
			}
			return nil, badRequest("values.%s: %s has no field %s", k, r.name, k)
		}
		if !allowed(f) {
			continue
		}
		if f.Hidden && (values[k] == nil || values[k] == "") {
			continue // an empty secret keeps the stored one (NocoBase's password field)
		}
		if forUpdate && f == pk {
			return nil, badRequest("values.%s: the primary key cannot be changed", k)
		}
		if slices.Contains(a.columns, f.Column) || slices.Contains(a.nulls, f.Column) {
			continue // a field given by both its names counts once
		}
		if values[k] == nil {
			a.nulls = append(a.nulls, f.Column)
			continue
		}
		if err := f.Set(a.model.Elem(), values[k]); err != nil {
			return nil, badRequest("values.%s: %v", k, err)
		}
		a.columns = append(a.columns, f.Column)
	}
	return a, nil
}
