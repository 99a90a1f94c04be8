package users

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// FillServerColumns fills the server's columns of model for the write
// query runs: every [Audit] and [Timestamps] model embeds, at any depth (a
// users.User a host extends included). model is a pointer to a struct, or
// a slice of structs or of pointers to them (or a pointer to such a
// slice).
//
// Audit's and Timestamps' own hooks call it for the model the query
// writes, so a model that embeds them needs nothing more. Go promotes a
// hook only when no other method of that name sits at the same depth, so
// a model that defines its own BeforeAppendModel (or embeds two structs
// that do, side by side) hides them; such a hook calls FillServerColumns
// with its receiver:
//
//	func (p *Post) BeforeAppendModel(ctx context.Context, q bun.Query) error {
//		if err := users.FillServerColumns(ctx, q, p); err != nil {
//			return err
//		}
//		p.Slug = slugify(p.Title)
//		return nil
//	}
//
// [CheckModel] tells whether a model's hook fills its columns.
func FillServerColumns(ctx context.Context, query bun.Query, model any) error {
	v := reflect.ValueOf(model)
	if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Slice {
		v = v.Elem()
	}
	switch {
	case v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct:
		fillStruct(ctx, query, v.Elem(), time.Now().UTC())
	case v.Kind() == reflect.Slice && structType(v.Type().Elem()) != nil:
		fillSlice(ctx, query, v)
	default:
		return fmt.Errorf("users: FillServerColumns: want a pointer to a struct or a slice of structs, got %T", model)
	}
	return nil
}

// serverFields are the index paths of the Audit and Timestamps structs a
// model type embeds.
type serverFields struct {
	audits, timestamps [][]int
}

func (sf *serverFields) empty() bool { return len(sf.audits)+len(sf.timestamps) == 0 }

var (
	auditType      = reflect.TypeFor[Audit]()
	timestampsType = reflect.TypeFor[Timestamps]()
	// serverFieldsByType caches serverFieldsOf: hooks run on every write.
	serverFieldsByType sync.Map // reflect.Type -> *serverFields
)

// serverFieldsOf finds the Audit and Timestamps a struct type embeds,
// through embedded structs (bun inlines those, so their columns are the
// model's).
func serverFieldsOf(t reflect.Type) *serverFields {
	if sf, ok := serverFieldsByType.Load(t); ok {
		return sf.(*serverFields)
	}
	sf := &serverFields{}
	collectServerFields(t, nil, sf)
	actual, _ := serverFieldsByType.LoadOrStore(t, sf)
	return actual.(*serverFields)
}

func collectServerFields(t reflect.Type, prefix []int, sf *serverFields) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.Anonymous || f.Type.Kind() != reflect.Struct {
			continue
		}
		index := append(slices.Clone(prefix), i)
		switch f.Type {
		case auditType:
			sf.audits = append(sf.audits, index)
		case timestampsType:
			sf.timestamps = append(sf.timestamps, index)
		default:
			collectServerFields(f.Type, index, sf)
		}
	}
}

// fillStruct fills the Audit and Timestamps embedded in v, an addressable
// struct.
func fillStruct(ctx context.Context, query bun.Query, v reflect.Value, now time.Time) {
	sf := serverFieldsOf(v.Type())
	for _, index := range sf.audits {
		v.FieldByIndex(index).Addr().Interface().(*Audit).fill(ctx, query)
	}
	for _, index := range sf.timestamps {
		v.FieldByIndex(index).Addr().Interface().(*Timestamps).fill(ctx, query, now)
	}
}

// fillSlice fills every struct of a slice, all with the same time.
func fillSlice(ctx context.Context, query bun.Query, v reflect.Value) {
	now := time.Now().UTC()
	for i := range v.Len() {
		if e, ok := addressableStruct(v.Index(i)); ok {
			fillStruct(ctx, query, e, now)
		}
	}
}

// fillQueryModel fills the model query writes when self (the receiver of
// a promoted hook: an *Audit or a *timestampHooks) belongs to it, and
// reports whether it did. bun calls the hook of a slice's structs one by
// one; the first call fills them all and the others report false (an
// Audit then sets its own columns again, to the same values), so a bulk
// write costs one pass rather than one per struct.
func fillQueryModel(ctx context.Context, query bun.Query, self any) bool {
	m := query.GetModel()
	if m == nil {
		return false
	}
	v := reflect.ValueOf(m.Value())
	if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Slice {
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice {
		if v.Len() == 0 {
			return false
		}
		first, ok := addressableStruct(v.Index(0))
		if !ok {
			return false
		}
		if !holds(first, self) {
			// A later struct of the slice, which the first one's hook
			// filled, or one the query does not write.
			return false
		}
		fillSlice(ctx, query, v)
		return true
	}
	s, ok := addressableStruct(v)
	if !ok || !holds(s, self) {
		return false
	}
	fillStruct(ctx, query, s, time.Now().UTC())
	return true
}

// holds reports whether self is an Audit, or the hooks of a Timestamps,
// that the struct v embeds.
func holds(v reflect.Value, self any) bool {
	sf := serverFieldsOf(v.Type())
	switch p := self.(type) {
	case *Audit:
		for _, index := range sf.audits {
			if v.FieldByIndex(index).Addr().Interface().(*Audit) == p {
				return true
			}
		}
	case *timestampHooks:
		for _, index := range sf.timestamps {
			if &v.FieldByIndex(index).Addr().Interface().(*Timestamps).timestampHooks == p {
				return true
			}
		}
	}
	return false
}

// addressableStruct returns the struct v is or points to, when it can be
// written.
func addressableStruct(v reflect.Value) (reflect.Value, bool) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	return v, v.Kind() == reflect.Struct && v.CanAddr()
}

// structType is t, or what t points to, when that is a struct.
func structType(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return t
}

// keepStored makes an update of a single model write a column's stored
// value back instead of the model's, when the update writes it at all:
// the server owns the column and a client may have set it on the model.
func keepStored(query *bun.UpdateQuery, column string) {
	if m := query.GetModel(); m == nil || reflect.Indirect(reflect.ValueOf(m.Value())).Kind() != reflect.Struct {
		return
	}
	query.Value(column, "?", bun.Ident(column))
}

// checkUserID is the user CheckModel writes as: no real user has it.
const checkUserID = -1 << 62

// CheckModel reports, with an error wrapping [ErrServerColumnsUnfilled],
// a model type that embeds [Audit] or [Timestamps] but whose
// BeforeAppendModel hook does not fill them all: a hook of the model's own
// that does not call [FillServerColumns], or none at all (two embedded
// hooks side by side, which Go promotes neither of). It runs the hook on
// new zero values of the model, for an insert and for an update, with a
// user in the context; it writes nothing to db, which only builds the
// queries. CreateTables checks the user model.
func CheckModel(db bun.IDB, model any) error {
	t := typeOf(model)
	if t.Kind() != reflect.Struct {
		return fmt.Errorf("users: CheckModel: want a struct model, got %T", model)
	}
	sf := serverFieldsOf(t)
	if sf.empty() {
		return nil
	}
	if _, ok := reflect.New(t).Interface().(bun.BeforeAppendModelHook); !ok {
		return fmt.Errorf("%w: %s has no BeforeAppendModel (two embedded hooks at the same depth hide each other); give it one that calls users.FillServerColumns", ErrServerColumnsUnfilled, t)
	}
	ctx := WithCurrentUser(context.Background(), checkUserID)
	for _, insert := range []bool{true, false} {
		if err := checkHook(ctx, db, t, sf, insert); err != nil {
			return err
		}
	}
	return nil
}

// checkHook runs the model's hook for one kind of write and names the
// columns it left unfilled.
func checkHook(ctx context.Context, db bun.IDB, t reflect.Type, sf *serverFields, insert bool) error {
	v := reflect.New(t)
	var query bun.Query = db.NewUpdate().Model(v.Interface())
	if insert {
		query = db.NewInsert().Model(v.Interface())
	}
	if err := v.Interface().(bun.BeforeAppendModelHook).BeforeAppendModel(ctx, query); err != nil {
		return fmt.Errorf("users: CheckModel: %s: %w", t, err)
	}
	missed := unfilled(v.Elem(), sf, insert)
	if len(missed) == 0 {
		return nil
	}
	op := "an update"
	if insert {
		op = "an insert"
	}
	return fmt.Errorf("%w: %s's BeforeAppendModel leaves %s unset on %s; call users.FillServerColumns from it", ErrServerColumnsUnfilled, t, strings.Join(missed, ", "), op)
}

// unfilled names the server columns of v, a struct CheckModel ran the
// hook on, that the hook left without the check's user or a time.
func unfilled(v reflect.Value, sf *serverFields, insert bool) []string {
	t := v.Type()
	var missed []string
	for _, index := range sf.audits {
		a := v.FieldByIndex(index).Addr().Interface().(*Audit)
		if insert && (a.CreatedByID == nil || *a.CreatedByID != checkUserID) {
			missed = append(missed, fieldPath(t, index)+".CreatedByID")
		}
		if a.UpdatedByID == nil || *a.UpdatedByID != checkUserID {
			missed = append(missed, fieldPath(t, index)+".UpdatedByID")
		}
	}
	for _, index := range sf.timestamps {
		ts := v.FieldByIndex(index).Addr().Interface().(*Timestamps)
		if insert && ts.CreatedAt.IsZero() {
			missed = append(missed, fieldPath(t, index)+".CreatedAt")
		}
		if ts.UpdatedAt.IsZero() {
			missed = append(missed, fieldPath(t, index)+".UpdatedAt")
		}
	}
	return missed
}

// fieldPath names an embedded field by its Go path: "User.Audit".
func fieldPath(t reflect.Type, index []int) string {
	names := make([]string, len(index))
	for i, n := range index {
		f := t.Field(n)
		names[i], t = f.Name, f.Type
	}
	return strings.Join(names, ".")
}
