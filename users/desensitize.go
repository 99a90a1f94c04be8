package users

import (
	"reflect"
	"strings"
)

// Desensitize returns a copy of v, a model or anything holding models
// (pointers, slices, maps, nested structs), with every field tagged
// gatehouse:"hidden" set to its zero value: User's password and reset
// token, and any field a host marks the same way. NocoBase's
// desensitize() does this for users; this works on any model.
//
// JSON output needs no call: hidden fields also carry json:"-", and
// resourcer/crud never returns them. Desensitize is for the other ways a
// value leaves the process: logs, templates, error reports.
func Desensitize[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	out := reflect.New(rv.Type()).Elem()
	out.Set(desensitize(rv, map[uintptr]reflect.Value{}))
	return out.Interface().(T)
}

func desensitize(v reflect.Value, seen map[uintptr]reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		if done, ok := seen[v.Pointer()]; ok {
			return done // shared or cyclic pointers stay shared in the copy
		}
		p := reflect.New(v.Type().Elem())
		seen[v.Pointer()] = p
		p.Elem().Set(desensitize(v.Elem(), seen))
		return p
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(desensitize(v.Elem(), seen))
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if isHidden(f) {
				out.Field(i).SetZero()
				continue
			}
			out.Field(i).Set(desensitize(v.Field(i), seen))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(desensitize(v.Index(i), seen))
		}
		return out
	case reflect.Array:
		out := reflect.New(v.Type()).Elem()
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(desensitize(v.Index(i), seen))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			out.SetMapIndex(iter.Key(), desensitize(iter.Value(), seen))
		}
		return out
	}
	return v
}

func isHidden(f reflect.StructField) bool {
	for _, opt := range strings.Split(f.Tag.Get("gatehouse"), ",") {
		if strings.TrimSpace(opt) == "hidden" {
			return true
		}
	}
	return false
}
