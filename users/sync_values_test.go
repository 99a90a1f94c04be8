package users

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

type syncLevel string

// syncValuesModel has a column of every kind a sync converts to.
type syncValuesModel struct {
	bun.BaseModel `bun:"table:syncValues"`
	ID            int64          `bun:"id,pk,autoincrement"`
	Name          string         `bun:"name"`
	Code          *string        `bun:"code,unique"`
	Login         string         `bun:"login,unique:login_idx"`
	PairA         string         `bun:"pairA,unique:pair"`
	PairB         string         `bun:"pairB,unique:pair"`
	Age           int64          `bun:"age"`
	Small         int8           `bun:"small"`
	Count         uint16         `bun:"count"`
	Score         float64        `bun:"score"`
	Ratio         float32        `bun:"ratio"`
	Active        bool           `bun:"active"`
	Opt           *bool          `bun:"opt"`
	Born          time.Time      `bun:"born"`
	Seen          *time.Time     `bun:"seen"`
	Meta          map[string]any `bun:"meta,type:json"`
	Tags          []string       `bun:"tags"`
	Level         syncLevel      `bun:"level"`
	Raw           any            `bun:"raw,type:json"`
	Secret        string         `bun:"secret" gatehouse:"hidden"`
	Skip          string         `bun:"skip"`
	OwnerID       *int64         `bun:"ownerId"`
	Owner         *User          `bun:"rel:belongs-to,join:ownerId=id"`
}

func newTestSyncFields(t *testing.T) *syncFields {
	t.Helper()
	return newSyncFields(dbtest.SQLite(t), (*syncValuesModel)(nil), "skip")
}

func ptr[T any](v T) *T { return &v }

func TestSyncFieldsColumns(t *testing.T) {
	f := newTestSyncFields(t)
	want := []string{"active", "age", "born", "code", "count", "level", "login", "meta", "name", "opt", "ownerId",
		"pairA", "pairB", "ratio", "raw", "score", "seen", "small", "tags"}
	if diff := cmp.Diff(want, slices.Sorted(maps.Keys(f.writable))); diff != "" {
		t.Errorf("writable columns (-want +got):\n%s", diff)
	}
	var unique []string
	for _, fl := range f.unique {
		unique = append(unique, fl.Name)
	}
	if diff := cmp.Diff([]string{"code", "login"}, unique); diff != "" {
		t.Errorf("unique columns (-want +got):\n%s", diff)
	}

	_, ignored, err := f.convert(datasync.Record{"id": 5, "secret": "x", "skip": "y", "owner": 1, "nope": 2, "name": "a"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"id", "nope", "owner", "secret"}, ignored); diff != "" {
		t.Errorf("ignored (-want +got):\n%s", diff)
	}
}

// employee is a host's extended user model.
type employee struct {
	User       `bun:",extend"`
	EmployeeNo string `bun:"employeeNo"`
}

func TestSyncFieldsExtendedModel(t *testing.T) {
	db := dbtest.SQLite(t)
	RegisterModels(db)
	f := newSyncFields(db, (*employee)(nil), usersSyncOmit...)
	vals, ignored, err := f.convert(datasync.Record{"uid": "1", "nickname": "ann", "employeeNo": json.Number("42"),
		"password": "secret", "enabled": false, "departments": []any{"1"}, "roles": []any{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"nickname": "ann", "employeeNo": "42", "enabled": false}, vals); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string(nil), ignored); diff != "" {
		t.Errorf("ignored (-want +got):\n%s", diff)
	}
	var unique []string
	for _, fl := range f.unique {
		unique = append(unique, fl.Name)
	}
	if diff := cmp.Diff([]string{"email", "phone", "username"}, unique); diff != "" {
		t.Errorf("unique columns of the extended model (-want +got):\n%s", diff)
	}
	models := f.newModels(2)
	e := models.Elem().Index(1).Elem()
	f.set(e, vals)
	got := models.Elem().Index(1).Interface().(*employee)
	if got.Nickname != "ann" || got.EmployeeNo != "42" {
		t.Errorf("set: %+v", got)
	}
	if models.Elem().Index(0).Interface().(*employee) == got {
		t.Error("newModels shares one struct")
	}
}

type convertCase struct {
	field string
	in    any
	want  any
	err   string // the error message, "" for none
}

func TestSyncConvert(t *testing.T) {
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	at := time.Date(2024, 3, 1, 12, 30, 5, 123456000, time.FixedZone("", 2*3600))
	cases := []convertCase{
		{"name", "ann", "ann", ""},
		{"name", json.Number("13800138000"), "13800138000", ""},
		{"name", 13800138000.0, "13800138000", ""},
		{"name", 42, "42", ""},
		{"name", uint8(7), "7", ""},
		{"name", nil, "", ""},
		{"name", true, nil, `field "name": want a string, got a boolean`},
		{"name", []any{"a"}, nil, `field "name": want a string, got a list`},
		{"code", "c1", "c1", ""},
		{"code", nil, nil, ""},
		{"code", map[string]any{}, nil, `field "code": want a string, got an object`},
		{"level", "gold", syncLevel("gold"), ""},
		{"age", json.Number("41"), int64(41), ""},
		{"age", json.Number("4e1"), int64(40), ""},
		{"age", json.Number("-9223372036854775808"), int64(-9223372036854775808), ""},
		{"age", 41.0, int64(41), ""},
		{"age", int32(41), int64(41), ""},
		{"age", nil, int64(0), ""},
		{"age", "41", nil, `field "age": want a whole number, got a string`},
		{"age", json.Number("41.5"), nil, `field "age": want a whole number, got a number with a fraction`},
		{"age", 41.5, nil, `field "age": want a whole number, got a number with a fraction`},
		{"age", json.Number("9223372036854775808"), nil, `field "age": want a whole number that fits int64, got one out of range`},
		{"age", 1e19, nil, `field "age": want a whole number that fits int64, got one out of range`},
		{"age", uint64(1 << 63), nil, `field "age": want a whole number that fits int64, got one out of range`},
		{"age", json.Number("1e999"), nil, `field "age": want a whole number, got a number`},
		{"age", json.Number("x"), nil, `field "age": want a whole number, got a number`},
		{"small", json.Number("127"), int8(127), ""},
		{"small", json.Number("128"), nil, `field "small": want a whole number that fits int8, got one out of range`},
		{"count", json.Number("65535"), uint16(65535), ""},
		{"count", json.Number("-1"), nil, `field "count": want a whole number that fits uint16, got one out of range`},
		{"count", 65536.0, nil, `field "count": want a whole number that fits uint16, got one out of range`},
		{"ownerId", json.Number("7"), int64(7), ""},
		{"ownerId", nil, nil, ""},
		{"score", json.Number("2.5"), 2.5, ""},
		{"score", 2.5, 2.5, ""},
		{"score", 3, 3.0, ""},
		{"score", float32(0.5), 0.5, ""},
		{"score", false, nil, `field "score": want a number, got a boolean`},
		{"ratio", json.Number("0.25"), float32(0.25), ""},
		{"ratio", json.Number("1e39"), nil, `field "ratio": want a number that fits float32, got one out of range`},
		{"active", true, true, ""},
		{"active", nil, false, ""},
		{"active", "true", nil, `field "active": want a boolean, got a string`},
		{"active", json.Number("1"), nil, `field "active": want a boolean, got a number`},
		{"opt", false, false, ""},
		{"opt", nil, nil, ""},
		{"born", "2024-03-01", day, ""},
		{"born", "2024-03-01T12:30:05.123456789+02:00", at, ""},
		{"born", at, at, ""},
		{"born", nil, time.Time{}, ""},
		{"born", "01/03/2024", nil, `field "born": want a time (RFC 3339 or 2006-01-02), got a string`},
		{"born", json.Number("1709251200"), nil, `field "born": want a time (RFC 3339 or 2006-01-02), got a number`},
		{"seen", "2024-03-01", day, ""},
		{"seen", nil, nil, ""},
		{"meta", map[string]any{"a": json.Number("1")}, map[string]any{"a": json.Number("1")}, ""},
		{"meta", nil, map[string]any(nil), ""},
		{"meta", []any{"a"}, nil, `field "meta": want an object, got a list`},
		{"meta", "a", nil, `field "meta": want an object, got a string`},
		{"tags", []any{"a", "b"}, []string{"a", "b"}, ""},
		{"tags", []any{"a", json.Number("1")}, nil, `field "tags": want a list that fits []string, got a list`},
		{"tags", map[string]any{}, nil, `field "tags": want a list, got an object`},
		{"raw", []any{json.Number("1"), "x"}, []any{json.Number("1"), "x"}, ""},
		{"raw", "s", "s", ""},
	}
	f := newTestSyncFields(t)
	for _, c := range cases {
		runConvertCase(t, f, c)
	}
}

func runConvertCase(t *testing.T, f *syncFields, c convertCase) {
	t.Helper()
	vals, _, err := f.convert(datasync.Record{c.field: c.in})
	if c.err != "" {
		if err == nil || err.Error() != c.err {
			t.Errorf("%s ← %#v: error %v, want %q", c.field, c.in, err, c.err)
		}
		if !errors.Is(err, datasync.ErrInvalidData) {
			t.Errorf("%s ← %#v: error does not match ErrInvalidData", c.field, c.in)
		}
		return
	}
	if err != nil {
		t.Errorf("%s ← %#v: %v", c.field, c.in, err)
		return
	}
	got, ok := vals[c.field]
	if !ok {
		t.Errorf("%s ← %#v: no value", c.field, c.in)
		return
	}
	if tm, isTime := c.want.(time.Time); isTime {
		if gt, _ := got.(time.Time); !gt.Equal(tm) {
			t.Errorf("%s ← %#v = %v, want %v", c.field, c.in, got, tm)
		}
		return
	}
	if !reflect.DeepEqual(got, c.want) || reflect.TypeOf(got) != reflect.TypeOf(c.want) {
		t.Errorf("%s ← %#v = %#v (%T), want %#v (%T)", c.field, c.in, got, got, c.want, c.want)
	}
}

// TestSyncConvertTruncatesTimes: a time read back from PostgreSQL has
// microseconds, so a sent time with nanoseconds must not look changed
// forever.
func TestSyncConvertTruncatesTimes(t *testing.T) {
	f := newTestSyncFields(t)
	vals, _, err := f.convert(datasync.Record{"born": "2024-03-01T12:30:05.123456789Z"})
	if err != nil {
		t.Fatal(err)
	}
	if got := vals["born"].(time.Time).Nanosecond(); got != 123456000 {
		t.Errorf("nanoseconds = %d, want 123456000", got)
	}
}

func TestSyncChanged(t *testing.T) {
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	stored := &syncValuesModel{
		Name: "ann", Code: ptr("c1"), Age: 41, Score: 2.5, Active: true, Opt: ptr(false),
		Born: at, Seen: &at, Meta: map[string]any{"a": 1.0, "b": []any{"x"}}, Tags: []string{"a"}, Level: "gold",
	}
	cases := []struct {
		name           string
		rec            datasync.Record
		changed, prior map[string]any
	}{
		{"all the same", datasync.Record{
			"name": "ann", "code": "c1", "age": json.Number("41"), "score": json.Number("2.5"), "active": true,
			"opt": false, "born": "2024-03-01T14:00:00+02:00", "seen": "2024-03-01T12:00:00Z",
			"meta": map[string]any{"b": []any{"x"}, "a": json.Number("1")}, "tags": []any{"a"}, "level": "gold",
			"ownerId": nil, "ratio": nil,
		}, nil, nil},
		{"string", datasync.Record{"name": "bob"}, map[string]any{"name": "bob"}, map[string]any{"name": "ann"}},
		{"string to empty", datasync.Record{"name": nil}, map[string]any{"name": ""}, map[string]any{"name": "ann"}},
		{"pointer to null", datasync.Record{"code": nil}, map[string]any{"code": nil}, map[string]any{"code": "c1"}},
		{"pointer value", datasync.Record{"code": "c2"}, map[string]any{"code": "c2"}, map[string]any{"code": "c1"}},
		{"null pointer set", datasync.Record{"ownerId": json.Number("3")}, map[string]any{"ownerId": int64(3)}, map[string]any{"ownerId": nil}},
		{"integer", datasync.Record{"age": json.Number("42")}, map[string]any{"age": int64(42)}, map[string]any{"age": int64(41)}},
		{"bool pointer", datasync.Record{"opt": true}, map[string]any{"opt": true}, map[string]any{"opt": false}},
		{"time", datasync.Record{"born": "2024-03-02"}, map[string]any{"born": at.Add(12 * time.Hour)}, map[string]any{"born": at}},
		{"json", datasync.Record{"meta": map[string]any{"a": json.Number("2")}},
			map[string]any{"meta": map[string]any{"a": json.Number("2")}}, map[string]any{"meta": map[string]any{"a": 1.0, "b": []any{"x"}}}},
		{"slice", datasync.Record{"tags": []any{}}, map[string]any{"tags": []string{}}, map[string]any{"tags": []string{"a"}}},
		{"named string", datasync.Record{"level": "iron"}, map[string]any{"level": syncLevel("iron")}, map[string]any{"level": syncLevel("gold")}},
	}
	f := newTestSyncFields(t)
	v := reflect.ValueOf(stored).Elem()
	for _, c := range cases {
		vals, _, err := f.convert(c.rec)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		changed, prior := f.changed(v, vals)
		if diff := cmp.Diff(c.changed, changed); diff != "" {
			t.Errorf("%s: changed (-want +got):\n%s", c.name, diff)
		}
		if diff := cmp.Diff(c.prior, prior); diff != "" {
			t.Errorf("%s: previous (-want +got):\n%s", c.name, diff)
		}
	}
}

// TestSyncSetRoundTrip: values set on a model are what changed then
// compares against, pointers and nulls included.
func TestSyncSetRoundTrip(t *testing.T) {
	f := newTestSyncFields(t)
	vals, _, err := f.convert(datasync.Record{"name": "ann", "code": "c1", "opt": true, "seen": "2024-03-01",
		"ownerId": json.Number("9"), "meta": map[string]any{"k": "v"}, "level": "gold", "age": json.Number("3")})
	if err != nil {
		t.Fatal(err)
	}
	m := &syncValuesModel{Code: ptr("old"), Opt: ptr(false)}
	v := reflect.ValueOf(m).Elem()
	f.set(v, vals)
	if m.Name != "ann" || *m.Code != "c1" || !*m.Opt || m.Seen == nil || *m.OwnerID != 9 || m.Level != "gold" || m.Age != 3 {
		t.Errorf("set: %+v", m)
	}
	if changed, _ := f.changed(v, vals); changed != nil {
		t.Errorf("changed after set: %v", changed)
	}
	f.set(v, map[string]any{"code": nil, "ownerId": nil, "name": ""})
	if m.Code != nil || m.OwnerID != nil || m.Name != "" {
		t.Errorf("set nulls: %+v", m)
	}
}
