package filterop

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// bigRow has int64 keys past 2^53, where a float64 would round
// 9007199254740993 to 9007199254740992.
type bigRow struct {
	bun.BaseModel `bun:"table:big_rows,alias:big_rows"`
	ID            int64   `bun:"id,pk"`
	Name          string  `bun:"name"`
	Score         float64 `bun:"score"`
	Small         int8    `bun:"small"`
	Nums          []int64 `bun:"nums,array"`
	Labels        []any   `bun:"labels"`
}

const (
	big2p53  = 9007199254740992 // 2^53
	big2p53a = 9007199254740993 // 2^53+1: no float64 holds it
	big2p53b = 9007199254740994
)

func seedBigRows(t *testing.T, db *bun.DB) *Schema {
	t.Helper()
	ctx := context.Background()
	if _, err := db.NewCreateTable().Model((*bigRow)(nil)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	rows := []*bigRow{
		{ID: big2p53, Name: "9007199254740992", Score: 1, Nums: []int64{big2p53}, Labels: []any{int64(big2p53)}},
		{ID: big2p53a, Name: "9007199254740993", Score: 1.5, Nums: []int64{big2p53a}, Labels: []any{int64(big2p53a)}},
		{ID: big2p53b, Name: "x", Score: 2, Small: -3, Nums: []int64{1}, Labels: []any{"9007199254740993"}},
		{ID: math.MaxInt64, Name: "max", Score: -1e300, Nums: []int64{math.MinInt64}},
	}
	if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := SchemaFor(db, (*bigRow)(nil))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestExactIntegers: a JSON number reaches SQL exactly for an int64
// column, in every operator that takes numbers.
func TestExactIntegers(t *testing.T) {
	runModelCases(t, seedBigRows, []filterCase{
		{"2^53+1", `{"id":9007199254740993}`, []int64{big2p53a}},
		{"2^53", `{"id":9007199254740992}`, []int64{big2p53}},
		{"as a string", `{"id":"9007199254740993"}`, []int64{big2p53a}},
		{"with a zero fraction", `{"id":9007199254740993.000}`, []int64{big2p53a}},
		{"with an exponent", `{"id":90071992547409930e-1}`, []int64{big2p53a}},
		{"$eq", `{"id":{"$eq":9007199254740993}}`, []int64{big2p53a}},
		{"$ne", `{"id":{"$ne":9007199254740993}}`, []int64{big2p53, big2p53b, math.MaxInt64}},
		{"$gt", `{"id":{"$gt":9007199254740993}}`, []int64{big2p53b, math.MaxInt64}},
		{"$lte", `{"id":{"$lte":9007199254740993}}`, []int64{big2p53, big2p53a}},
		{"$in", `{"id":{"$in":[9007199254740993,9223372036854775807]}}`, []int64{big2p53a, math.MaxInt64}},
		{"bare list", `{"id":[9007199254740993,"9007199254740994"]}`, []int64{big2p53a, big2p53b}},
		{"$notIn", `{"id":{"$notIn":[9007199254740993,9223372036854775807]}}`, []int64{big2p53, big2p53b}},
		{"$between", `{"id":{"$between":[9007199254740993,9007199254740993]}}`, []int64{big2p53a}},
		{"max int64", `{"id":9223372036854775807}`, []int64{math.MaxInt64}},
		{"string column gets the digits", `{"name":9007199254740993}`, []int64{big2p53a}},
		{"string column, $in", `{"name":{"$in":[9007199254740992]}}`, []int64{big2p53}},
		{"$includes gets the digits", `{"name":{"$includes":9007199254740993}}`, []int64{big2p53a}},
		{"float column", `{"score":{"$in":[1.5,2]}}`, []int64{big2p53a, big2p53b}},
		{"float column, -1e300", `{"score":{"$lt":-1e299}}`, []int64{math.MaxInt64}},
		{"int8 column", `{"small":-3}`, []int64{big2p53b}},
		{"array $anyOf", `{"nums":{"$anyOf":[9007199254740993]}}`, []int64{big2p53a}},
		{"array $anyOf of a numeric string", `{"nums":{"$anyOf":"9007199254740993"}}`, []int64{big2p53a}},
		{"array $anyOf min int64", `{"nums":{"$anyOf":-9223372036854775808}}`, []int64{math.MaxInt64}},
		{"array $match", `{"nums":{"$match":[9007199254740993]}}`, []int64{big2p53a}},
		{"array $noneOf", `{"nums":{"$noneOf":[9007199254740993, 1]}}`, []int64{big2p53, math.MaxInt64}},
		{"JSON array $anyOf", `{"labels":{"$anyOf":9007199254740993}}`, []int64{big2p53a, big2p53b}},
		{"JSON array $match", `{"labels":{"$match":[9007199254740993]}}`, []int64{big2p53a}},
	})
}

// TestExactIntegersFromGo: the same through Go values, as a host or a
// variable gives them: json.Number, int64 and uint64.
func TestExactIntegersFromGo(t *testing.T) {
	ctx := WithVariables(context.Background(), func(path string) (any, bool) {
		if path == "$id" {
			return uint64(big2p53a), true
		}
		return nil, false
	})
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := seedBigRows(t, db)
		for _, filter := range []map[string]any{
			{"id": json.Number("9007199254740993")},
			{"id": int64(big2p53a)},
			{"id": map[string]any{"$in": []any{json.Number("9007199254740993")}}},
			{"id": "{{ $id }}"},
		} {
			var got []int64
			q, err := Apply(ctx, db.NewSelect().Model((*bigRow)(nil)).Column("id"), s, filter)
			if err != nil {
				t.Errorf("%v: %v", filter, err)
				continue
			}
			if err := q.Scan(ctx, &got); err != nil {
				t.Fatalf("%v: %v", filter, err)
			}
			if diff := cmp.Diff([]int64{big2p53a}, got); diff != "" {
				t.Errorf("%v: (-want +got)\n%s", filter, diff)
			}
		}
	})
}

func TestNumberErrors(t *testing.T) {
	db := dbtest.SQLite(t)
	s := seedBigRows(t, db)
	for _, tt := range []struct {
		filter string
		path   string
		want   string
	}{
		{`{"id":1.5}`, "id", "not a whole number"},
		{`{"id":9223372036854775808}`, "id", "not a whole number"},
		{`{"id":"9223372036854775808"}`, "id", "not a whole number"},
		{`{"id":{"$in":[1,1e400]}}`, "id.$in", "not a number a database can compare"},
		{`{"id":{"$between":[1,2.5]}}`, "id.$between", "not a whole number"},
		{`{"id":"12abc"}`, "id", "not a number"},
		{`{"score":1e400}`, "score", "not a number a database can compare"},
		{`{"score":"1e400"}`, "score", "not a number"},
		{`{"nums":{"$anyOf":1.5}}`, "nums.$anyOf", "integers"},
		{`{"nums":{"$anyOf":9223372036854775808}}`, "nums.$anyOf", "integers"},
		{`{"small":{"$in":[true]}}`, "small.$in", "use a number"},
	} {
		_, err := Where(context.Background(), s, tt.filter)
		var fe *Error
		if !errors.As(err, &fe) || fe.Kind != ErrInvalidValue || fe.Path != tt.path || !strings.Contains(fe.Reason, tt.want) {
			t.Errorf("%s: error %v, want ErrInvalidValue at %s saying %q", tt.filter, err, tt.path, tt.want)
		}
	}
}

// setTarget has one field of each kind Field.Set converts numbers for.
type setTarget struct {
	bun.BaseModel `bun:"table:set_targets"`
	ID            int64     `bun:"id,pk"`
	Small         int8      `bun:"small"`
	Count         uint16    `bun:"count"`
	Ptr           *int64    `bun:"ptr"`
	Score         float32   `bun:"score"`
	Name          string    `bun:"name"`
	Flag          bool      `bun:"flag"`
	At            time.Time `bun:"at"`
}

func TestFieldSetNumbers(t *testing.T) {
	db := dbtest.SQLite(t)
	s, err := SchemaFor(db, (*setTarget)(nil))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field string
		value any
		want  any    // the field's value after Set
		err   string // or the error it gives
	}{
		{"id", json.Number("9007199254740993"), int64(big2p53a), ""},
		{"id", json.Number("-9223372036854775808"), int64(math.MinInt64), ""},
		{"id", json.Number("1e3"), int64(1000), ""},
		{"id", json.Number("12.000"), int64(12), ""},
		{"id", 7.0, int64(7), ""},
		{"id", uint64(big2p53a), int64(big2p53a), ""},
		{"id", json.Number("1.5"), nil, "want a whole number from -9223372036854775808 to 9223372036854775807"},
		{"id", json.Number("9223372036854775808"), nil, "want a whole number"},
		{"id", json.Number("1e400"), nil, "want a whole number"},
		{"small", json.Number("-128"), int8(-128), ""},
		{"small", json.Number("128"), nil, "want a whole number from -128 to 127"},
		{"count", json.Number("65535"), uint16(65535), ""},
		{"count", json.Number("-1"), nil, "want a whole number from 0 to 65535"},
		{"ptr", json.Number("9007199254740993"), ptr(int64(big2p53a)), ""},
		{"score", json.Number("1.25"), float32(1.25), ""},
		{"score", json.Number("1e39"), nil, "want a number"},
		{"name", json.Number("9007199254740993"), "9007199254740993", ""},
		{"name", json.Number("12.50"), "12.5", ""},
		{"name", 3.0, "3", ""},
		{"name", "text", "text", ""},
		{"flag", json.Number("1"), nil, "want true or false"},
		{"flag", true, true, ""},
		{"at", json.Number("1"), nil, "want a date-time"},
	}
	for _, tt := range tests {
		f, ok := s.Field(tt.field)
		if !ok {
			t.Fatalf("no field %s", tt.field)
		}
		row := reflect.New(reflect.TypeFor[setTarget]()).Elem()
		err := f.Set(row, tt.value)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Set(%s, %#v) error = %v, want %q", tt.field, tt.value, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Set(%s, %#v): %v", tt.field, tt.value, err)
			continue
		}
		if diff := cmp.Diff(tt.want, row.FieldByIndex(f.Bun().Index).Interface()); diff != "" {
			t.Errorf("Set(%s, %#v) (-want +got):\n%s", tt.field, tt.value, diff)
		}
	}
}
