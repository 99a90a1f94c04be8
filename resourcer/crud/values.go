package crud

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// ServerColumns is implemented by models, or structs they embed, whose
// columns belong to the server: audit and timestamp columns that a hook
// fills. crud ignores a client's values for these columns on every write,
// silently, as NocoBase overwrites createdById with the current user; the
// names are column names, JSON keys or association names. crud asks the
// model and each struct it embeds (see modelParts), and unites the answers.
type ServerColumns interface {
	ServerColumns(ctx context.Context) []string
}

// assignment is values decoded onto a new model: the model and the
// columns that were set.
type assignment struct {
	model   reflect.Value // *T
	columns []string
	nulls   []string // columns set to null: written as SQL NULL, not the Go zero value
}

// empty reports whether the assignment writes nothing.
func (a *assignment) empty() bool { return len(a.columns)+len(a.nulls) == 0 }

// writeScope is which fields a write may set. Each list matches a field by
// its JSON key or its column. A nil list does not limit.
type writeScope struct {
	whitelist []string // the params' whitelist: only these
	fields    []string // the params' fields, on a writing action a second whitelist
	blacklist []string // never these
	server    []string // the model's ServerColumns
}

func listed(l []string, f *filterop.Field) bool {
	return slices.Contains(l, f.Key) || slices.Contains(l, f.Column)
}

// allows reports whether a client value for f may be written: it must be
// on both whitelists (when given), and on neither the blacklist nor the
// server's columns. An empty whitelist allows nothing: a grant and a
// request whose lists do not meet never widen to "anything".
func (w *writeScope) allows(f *filterop.Field) bool {
	if w.whitelist != nil && !listed(w.whitelist, f) {
		return false
	}
	if w.fields != nil && !listed(w.fields, f) {
		return false
	}
	return !listed(w.blacklist, f) && !listed(w.server, f)
}

// readWriteScope reads whitelist, fields and blacklist from the params and
// the server's columns from the model. whitelist given as null or "" still
// limits (to nothing); fields absent, null or "" does not limit, and an
// explicit empty fields list is a 400, as on reads.
func (r *Resource) readWriteScope(ctx context.Context, p resourcer.Params, model reflect.Value) (*writeScope, error) {
	w := &writeScope{}
	var err error
	if w.whitelist, err = resourcer.NameList(p, "whitelist"); err != nil {
		return nil, err
	}
	if _, given := p["whitelist"]; given && w.whitelist == nil {
		w.whitelist = []string{}
	}
	if w.fields, err = resourcer.NameList(p, "fields"); err != nil {
		return nil, err
	}
	if w.fields != nil && len(w.fields) == 0 {
		return nil, badRequest("fields: no field to write")
	}
	if w.blacklist, err = resourcer.NameList(p, "blacklist"); err != nil {
		return nil, err
	}
	for _, part := range r.modelParts(model) {
		if sc, ok := part.(ServerColumns); ok {
			w.server = appendNew(w.server, sc.ServerColumns(ctx)...)
		}
	}
	return w, nil
}

// modelParts returns what crud asks for ServerColumns and HookColumns: the
// model (a *T), and every struct it embeds through exported fields, at any
// depth. Asking the embedded structs too keeps them working side by side:
// Go promotes neither of two methods of one name at the same depth, and a
// shallower one hides a deeper one (users.Audit's next to users.Timestamps').
func (r *Resource) modelParts(model reflect.Value) []any {
	parts := make([]any, 0, 1+len(r.embeds))
	parts = append(parts, model.Interface())
	for _, path := range r.embeds {
		parts = append(parts, model.Elem().FieldByIndex(path).Addr().Interface())
	}
	return parts
}

// embeddedStructs returns the index paths of the structs t embeds through
// exported fields, at any depth (unexported ones cannot be asked: their
// methods reach crud only by promotion).
func embeddedStructs(t reflect.Type, prefix []int) [][]int {
	var out [][]int
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.Anonymous || !f.IsExported() || f.Type.Kind() != reflect.Struct {
			continue
		}
		path := append(slices.Clone(prefix), i)
		out = append(out, path)
		out = append(out, embeddedStructs(f.Type, path)...)
	}
	return out
}

// appendNew appends the names list does not hold yet.
func appendNew(list []string, names ...string) []string {
	for _, n := range names {
		if !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	return list
}

// decodeValues applies params.values to a new model, keeping only what the
// write scope allows: values outside it are dropped silently (NocoBase),
// which is how an ACL field limit narrows a write and how the server keeps
// its audit columns. An unknown field, a value of the wrong type or a
// string with a NUL byte is a 400 naming the field.
func (r *Resource) decodeValues(ctx context.Context, p resourcer.Params, forUpdate bool) (*assignment, error) {
	values, err := valuesParam(p)
	if err != nil {
		return nil, err
	}
	a := &assignment{model: reflect.New(r.model)}
	scope, err := r.readWriteScope(ctx, p, a.model)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := r.assign(a, scope, k, values[k], forUpdate); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// valuesParam reads params.values: an object, or nothing.
func valuesParam(p resourcer.Params) (map[string]any, error) {
	raw, ok := p["values"]
	if !ok || raw == nil {
		return map[string]any{}, nil
	}
	values, ok := raw.(map[string]any)
	if !ok {
		return nil, badRequest("values must be an object")
	}
	return values, nil
}

// assign writes one value onto the assignment, if the scope allows it.
func (r *Resource) assign(a *assignment, scope *writeScope, k string, v any, forUpdate bool) error {
	f, ok := r.schema.Field(k)
	if !ok {
		return r.notAField(scope, k)
	}
	if !scope.allows(f) || (f.Hidden && (v == nil || v == "")) {
		return nil // outside the scope; or an empty secret, which keeps the stored one (NocoBase's password field)
	}
	if forUpdate && f == r.schema.PKs()[0] {
		return badRequest("values.%s: the primary key cannot be changed", k)
	}
	if slices.Contains(a.columns, f.Column) || slices.Contains(a.nulls, f.Column) {
		return nil // a field given by both its names counts once
	}
	if v == nil {
		a.nulls = append(a.nulls, f.Column)
		return nil
	}
	if hasNUL(v) {
		return badRequest("values.%s: contains a NUL byte", k)
	}
	if err := f.Set(a.model.Elem(), v); err != nil {
		return badRequest("values.%s: %v", k, err)
	}
	a.columns = append(a.columns, f.Column)
	return nil
}

// notAField answers a value for k, which names no field: an association
// the server owns (createdBy) is ignored like its column; another is a
// 400, as is a name the model does not have.
func (r *Resource) notAField(scope *writeScope, k string) error {
	rel, isRel := r.schema.Relation(k)
	switch {
	case !isRel:
		return badRequest("values.%s: %s has no field %s", k, r.name, k)
	case slices.Contains(scope.server, rel.Name) || slices.Contains(scope.server, k):
		return nil
	}
	return badRequest("values.%s: associations cannot be written through %s", k, r.name)
}

// hasNUL reports whether a JSON value holds a NUL byte in a string or an
// object key. No database stores one in text: PostgreSQL refuses it and
// bun cannot quote it for SQLite, so it would otherwise fail as a 500
// that differs between the two.
func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case []any:
		return slices.ContainsFunc(x, hasNUL)
	case map[string]any:
		for k, e := range x {
			if strings.IndexByte(k, 0) >= 0 || hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// clone copies the assignment onto a model of its own.
func (a *assignment) clone() *assignment {
	c := &assignment{model: reflect.New(a.model.Elem().Type()), columns: slices.Clone(a.columns), nulls: slices.Clone(a.nulls)}
	c.model.Elem().Set(a.model.Elem())
	return c
}
