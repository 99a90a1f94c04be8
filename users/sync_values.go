package users

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// syncFields knows which columns of a bun model a sync may write and
// converts record values to them.
//
// Values are held as the column's Go type, except that a pointer column's
// value is its element (or nil for NULL): plans then read as plain JSON
// and compare without pointer identity.
type syncFields struct {
	table    *schema.Table
	pk       *schema.Field            // the first primary key
	writable map[string]*schema.Field // by column name
	// columns are the primary key and the writable columns: what a sync
	// reads of a row.
	columns []string
	omit    map[string]bool
	// unique are the writable columns with a unique constraint of their own
	// (composite unique groups are left to the database), by name.
	unique []*schema.Field
}

// newSyncFields describes model (e.g. (*User)(nil) or a host's extended
// model) in db; omit are record keys stripped silently (system fields);
// relation names, hidden fields (gatehouse:"hidden"), primary keys and
// non-columns are never written.
func newSyncFields(db bun.IDB, model any, omit ...string) *syncFields {
	table := db.Dialect().Tables().Get(typeOf(model))
	f := &syncFields{table: table, writable: map[string]*schema.Field{}, omit: map[string]bool{}}
	for _, name := range omit {
		f.omit[name] = true
	}
	for _, fl := range table.Fields {
		// A primary key is the row's own: a source never picks it.
		if fl.IsPK || isHidden(fl.StructField) || f.omit[fl.Name] {
			continue
		}
		f.writable[fl.Name] = fl
		f.columns = append(f.columns, fl.Name)
	}
	if len(table.PKs) > 0 {
		f.pk = table.PKs[0]
		f.columns = append([]string{f.pk.Name}, f.columns...)
	}
	seen := map[string]bool{}
	for group, fields := range table.Unique {
		for _, fl := range fields {
			// bun puts every bare `unique` column in group "": each is unique
			// on its own.
			w := f.writable[fl.Name]
			if (group == "" || len(fields) == 1) && w != nil && !seen[fl.Name] {
				seen[fl.Name] = true
				f.unique = append(f.unique, w)
			}
		}
	}
	slices.SortFunc(f.unique, func(a, b *schema.Field) int { return cmp.Compare(a.Name, b.Name) })
	return f
}

// pkOf returns the integer primary key of the model struct v.
func (f *syncFields) pkOf(v reflect.Value) int64 {
	return f.pk.Value(v).Int()
}

// setPK sets the integer primary key of the model struct v.
func (f *syncFields) setPK(v reflect.Value, pk int64) {
	f.pk.Value(v).SetInt(pk)
}

// valueKey is a column value as a map key for uniqueness checks; ok is
// false for a value stored as NULL (nil, or the zero value of a nullzero
// column), which never clashes.
func valueKey(fl *schema.Field, v any) (key string, ok bool) {
	if v == nil || (fl.NullZero && reflect.ValueOf(v).IsZero()) {
		return "", false
	}
	switch v := v.(type) {
	case string:
		return v, true
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano), true
	}
	return fmt.Sprint(v), true
}

// valueError is a record value that does not fit its column. It names the
// field and the kinds of value, never the value (it may be personal data).
type valueError struct {
	Field string
	Want  string
	Got   string
}

func (e *valueError) Error() string {
	return fmt.Sprintf("field %q: want %s, got %s", e.Field, e.Want, e.Got)
}

// Unwrap makes a valueError match datasync.ErrInvalidData.
func (e *valueError) Unwrap() error { return datasync.ErrInvalidData }

// convert returns the record's writable fields as values of the columns'
// Go types, keyed by column name; ignored lists (sorted) record keys that
// are not writable columns and not omitted. A value of the wrong type is
// an error naming the field: `field "age": want a whole number, got a
// string`.
func (f *syncFields) convert(rec datasync.Record) (vals map[string]any, ignored []string, err error) {
	vals = make(map[string]any, len(rec))
	for key, raw := range rec {
		if f.omit[key] {
			continue
		}
		fl, ok := f.writable[key]
		if !ok {
			ignored = append(ignored, key)
			continue
		}
		v, err := convertValue(fl, raw)
		if err != nil {
			return nil, nil, err
		}
		vals[key] = v
	}
	slices.Sort(ignored)
	return vals, ignored, nil
}

var timeType = reflect.TypeFor[time.Time]()

// convertValue converts a record value (JSON-shaped: string, json.Number
// or float64, bool, nil, []any, map[string]any; Go numbers from a host are
// accepted too) to the type of the column fl.
func convertValue(fl *schema.Field, raw any) (any, error) {
	t := fl.IndirectType
	if raw == nil {
		if fl.IsPtr {
			return nil, nil
		}
		return reflect.Zero(t).Interface(), nil
	}
	var (
		v    any
		want string
		ok   bool
	)
	switch {
	case t == timeType:
		v, ok = toTime(raw)
		want = "a time (RFC 3339 or 2006-01-02)"
	case isJSONColumn(fl):
		return toJSON(fl, raw)
	case t.Kind() == reflect.String:
		var s string
		s, ok = toString(raw)
		v = reflect.ValueOf(s).Convert(t).Interface()
		want = "a string"
	case t.Kind() == reflect.Bool:
		var b bool
		b, ok = raw.(bool)
		v = reflect.ValueOf(b).Convert(t).Interface()
		want = "a boolean"
	case isNumberKind(t.Kind()):
		return toNumber(fl, raw)
	default:
		return nil, &valueError{Field: fl.Name, Want: "a column type a sync can write (" + t.String() + ")", Got: jsonval.TypeName(raw)}
	}
	if !ok {
		return nil, &valueError{Field: fl.Name, Want: want, Got: jsonval.TypeName(raw)}
	}
	return v, nil
}

// isJSONColumn reports whether the column holds JSON: declared so, or of a
// Go type that only JSON can hold.
func isJSONColumn(fl *schema.Field) bool {
	switch strings.ToLower(fl.UserSQLType) {
	case "json", "jsonb":
		return true
	}
	switch fl.IndirectType.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Interface:
		return true
	}
	return false
}

func isNumberKind(k reflect.Kind) bool {
	return reflect.Int <= k && k <= reflect.Float64 && k != reflect.Uintptr
}

// toString accepts a string, or a number as its text: HR systems send
// phone numbers and employee numbers as numbers.
func toString(raw any) (string, bool) {
	switch v := raw.(type) {
	case string:
		return v, true
	case json.Number:
		return string(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	rv := reflect.ValueOf(raw)
	switch {
	case rv.CanInt():
		return strconv.FormatInt(rv.Int(), 10), true
	case rv.CanUint():
		return strconv.FormatUint(rv.Uint(), 10), true
	}
	return "", false
}

// toTime accepts an RFC 3339 time or a date, and a time.Time from a host.
// Times keep microseconds, as PostgreSQL does, so that a value read back
// compares equal to the one written, and are in UTC, so that two
// conversions of one value are deeply equal (a parsed offset is a new
// *time.Location each time).
func toTime(raw any) (time.Time, bool) {
	switch v := raw.(type) {
	case time.Time:
		return v.UTC().Truncate(time.Microsecond), true
	case string:
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t.UTC().Truncate(time.Microsecond), true
		}
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// toJSON accepts any JSON value that fits the column's Go type: as it is
// when it already has that type, else through encoding/json.
func toJSON(fl *schema.Field, raw any) (any, error) {
	t := fl.IndirectType
	if reflect.TypeOf(raw).AssignableTo(t) {
		return raw, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, &valueError{Field: fl.Name, Want: "a JSON value", Got: jsonval.TypeName(raw)}
	}
	p := reflect.New(t)
	if err := json.Unmarshal(b, p.Interface()); err != nil {
		want, got := jsonWant(t), jsonval.TypeName(raw)
		if want == got {
			// The right shape with the wrong contents: name the Go type.
			want += " that fits " + t.String()
		}
		return nil, &valueError{Field: fl.Name, Want: want, Got: got}
	}
	return p.Elem().Interface(), nil
}

func jsonWant(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "JSON that fits " + t.String()
}

// toNumber converts a number to an integer or float column: json.Number,
// float64 or a Go number. An integer column takes only whole numbers that
// fit it.
func toNumber(fl *schema.Field, raw any) (any, error) {
	t := fl.IndirectType
	n, isFloat, ok := parseNumber(raw)
	if !ok {
		return nil, &valueError{Field: fl.Name, Want: numberWant(t), Got: jsonval.TypeName(raw)}
	}
	out := reflect.New(t).Elem()
	switch {
	case out.CanFloat():
		if out.OverflowFloat(n.f) {
			return nil, &valueError{Field: fl.Name, Want: "a number that fits " + t.String(), Got: "one out of range"}
		}
		out.SetFloat(n.f)
	case isFloat && n.f != math.Trunc(n.f):
		return nil, &valueError{Field: fl.Name, Want: "a whole number", Got: "a number with a fraction"}
	case out.CanInt():
		if !n.intOK || out.OverflowInt(n.i) {
			return nil, &valueError{Field: fl.Name, Want: "a whole number that fits " + t.String(), Got: "one out of range"}
		}
		out.SetInt(n.i)
	default: // unsigned
		if !n.intOK || n.i < 0 || out.OverflowUint(uint64(n.i)) {
			return nil, &valueError{Field: fl.Name, Want: "a whole number that fits " + t.String(), Got: "one out of range"}
		}
		out.SetUint(uint64(n.i))
	}
	return out.Interface(), nil
}

func numberWant(t reflect.Type) string {
	if reflect.New(t).Elem().CanFloat() {
		return "a number"
	}
	return "a whole number"
}

// number is a parsed number: f always, i when it is whole and fits int64.
type number struct {
	f     float64
	i     int64
	intOK bool
}

// parseNumber reads a number; isFloat says whether it may have a fraction
// (it was not written as an integer).
func parseNumber(raw any) (n number, isFloat, ok bool) {
	switch v := raw.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return number{f: float64(i), i: i, intOK: true}, false, true
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			// Out of float64's range, or not a number at all.
			return number{}, false, false
		}
		return wholeNumber(f), true, true
	case float64:
		return wholeNumber(v), true, true
	}
	rv := reflect.ValueOf(raw)
	switch {
	case rv.CanInt():
		return number{f: float64(rv.Int()), i: rv.Int(), intOK: true}, false, true
	case rv.CanUint():
		u := rv.Uint()
		return number{f: float64(u), i: int64(u), intOK: u <= math.MaxInt64}, false, true
	case rv.CanFloat():
		return wholeNumber(rv.Float()), true, true
	}
	return number{}, false, false
}

// wholeNumber is f, with its int64 when it is whole and within range
// (-2^63 ≤ f < 2^63: float64(MaxInt64) rounds up to 2^63).
func wholeNumber(f float64) number {
	n := number{f: f}
	if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		n.i, n.intOK = int64(f), true
	}
	return n
}

// newModels returns a pointer to a new slice of n pointers to fresh model
// structs (for bulk inserts).
func (f *syncFields) newModels(n int) reflect.Value {
	st := reflect.SliceOf(reflect.PointerTo(f.table.Type))
	s := reflect.MakeSlice(st, n, n)
	for i := range n {
		s.Index(i).Set(reflect.New(f.table.Type))
	}
	p := reflect.New(st)
	p.Elem().Set(s)
	return p
}

// set assigns vals to the model struct v (a struct Value, addressable).
// Keys that are not writable columns are skipped.
func (f *syncFields) set(v reflect.Value, vals map[string]any) {
	for name, val := range vals {
		fl, ok := f.writable[name]
		if !ok {
			continue
		}
		fv := fl.Value(v)
		switch {
		case val == nil:
			fv.SetZero()
		case fl.IsPtr:
			p := reflect.New(fl.IndirectType)
			p.Elem().Set(reflect.ValueOf(val))
			fv.Set(p)
		default:
			fv.Set(reflect.ValueOf(val))
		}
	}
}

// current returns the column's value in v in the form convert produces
// (times in UTC).
func current(fl *schema.Field, v reflect.Value) any {
	fv := fl.Value(v)
	if fl.IsPtr {
		if fv.IsNil() {
			return nil
		}
		fv = fv.Elem()
	}
	if t, ok := fv.Interface().(time.Time); ok {
		return t.UTC()
	}
	return fv.Interface()
}

// changed returns the vals that differ from v's current values, and v's
// current values for them.
func (f *syncFields) changed(v reflect.Value, vals map[string]any) (changed, previous map[string]any) {
	for name, val := range vals {
		fl, ok := f.writable[name]
		if !ok {
			continue
		}
		cur := current(fl, v)
		if sameValue(fl, cur, val) {
			continue
		}
		if changed == nil {
			changed, previous = map[string]any{}, map[string]any{}
		}
		changed[name], previous[name] = val, cur
	}
	return changed, previous
}

// sameValue compares a column's current and new value: times as instants
// (the database may hand back another location), JSON by its encoding
// (numbers read back as float64 equal the json.Number sent), the rest by
// value.
func sameValue(fl *schema.Field, cur, val any) bool {
	if cur == nil || val == nil {
		return cur == nil && val == nil
	}
	if ct, ok := cur.(time.Time); ok {
		vt, ok := val.(time.Time)
		return ok && ct.Equal(vt)
	}
	if isJSONColumn(fl) {
		a, errA := json.Marshal(cur)
		b, errB := json.Marshal(val)
		return errA == nil && errB == nil && bytes.Equal(a, b)
	}
	return reflect.DeepEqual(cur, val)
}
