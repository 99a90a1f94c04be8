package crud

import (
	"reflect"

	"github.com/gatehouse-dev/gatehouse/filterop"
)

// record turns a model into the JSON object NocoBase returns: fields by
// their JSON names, loaded associations by name, trimmed by the
// projection (the request's fields and except, and what it may read).
// Hidden fields are never written.
func record(s *filterop.Schema, v reflect.Value, pr *projection) map[string]any {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	out := make(map[string]any, len(s.Fields()))
	for _, f := range s.Fields() {
		if f.Hidden || !pr.wants(f.Key) {
			continue
		}
		out[f.Key] = f.Bun().Value(v).Interface()
	}
	if pr == nil {
		return out
	}
	for _, rel := range pr.appends {
		if !pr.wants(rel.Name) {
			continue
		}
		rv := v.FieldByName(rel.GoName())
		target := pr.targets[rel.Name]
		if rel.ToMany() {
			list := make([]any, 0, rv.Len())
			for i := 0; i < rv.Len(); i++ {
				list = append(list, record(rel.Schema, rv.Index(i), target))
			}
			out[rel.Name] = list
		} else {
			out[rel.Name] = record(rel.Schema, rv, target)
		}
	}
	return out
}

func (pr *projection) wants(key string) bool {
	if pr == nil {
		return true
	}
	if pr.drop[key] {
		return false
	}
	return pr.keep == nil || pr.keep[key]
}

// records turns a slice of models (a reflect.Value of []*T) into objects.
func records(s *filterop.Schema, rows reflect.Value, pr *projection) []any {
	out := make([]any, 0, rows.Len())
	for i := 0; i < rows.Len(); i++ {
		out = append(out, record(s, rows.Index(i), pr))
	}
	return out
}
