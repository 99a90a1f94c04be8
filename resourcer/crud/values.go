package crud

import (
	"encoding/json"
	"fmt"
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
		if err := setField(a.model.Elem(), f, values[k]); err != nil {
			return nil, badRequest("values.%s: %v", k, err)
		}
		a.columns = append(a.columns, f.Column)
	}
	return a, nil
}

// setField converts a JSON value to the field's Go type through its JSON
// form, so the model's own json and time handling apply.
func setField(model reflect.Value, f *filterop.Field, v any) error {
	bf := f.Bun()
	dst := reflect.New(bf.StructField.Type)
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, dst.Interface()); err != nil {
		var te *json.UnmarshalTypeError
		if errorsAs(err, &te) {
			return fmt.Errorf("want %s, got %s", describe(bf.StructField.Type), te.Value)
		}
		return fmt.Errorf("want %s: %v", describe(bf.StructField.Type), err)
	}
	fv := model.FieldByIndex(bf.Index)
	fv.Set(dst.Elem())
	return nil
}

func describe(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	if t.String() == "time.Time" {
		return "a date-time (RFC 3339)"
	}
	return t.String()
}
