package jsonval

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want Num
		err  error
	}{
		{"0", Num{IsInt: true}, nil},
		{"-0", Num{IsInt: true}, nil},
		{"-0.0e5", Num{IsInt: true}, nil},
		{"9007199254740993", Num{Int: 9007199254740993, Float: 9007199254740992, IsInt: true}, nil},
		{"9223372036854775807", Num{Int: math.MaxInt64, Float: 9223372036854775807, IsInt: true}, nil},
		{"-9223372036854775808", Num{Int: math.MinInt64, Float: -9223372036854775808, IsInt: true}, nil},
		{"9223372036854775808", Num{Float: 9223372036854775808}, nil},
		{"1e3", Num{Int: 1000, Float: 1000, IsInt: true}, nil},
		{"1000.000", Num{Int: 1000, Float: 1000, IsInt: true}, nil},
		{"90071992547409930e-1", Num{Int: 9007199254740993, Float: 9007199254740992, IsInt: true}, nil},
		{"9007199254740993.5", Num{Float: 9007199254740994}, nil},
		{"1.5", Num{Float: 1.5}, nil},
		{"1e-400", Num{}, nil},
		{"1e20", Num{Float: 1e20}, nil},
		{"1e99999999999999999999999", Num{}, ErrNumberRange},
		{"1e-99999999999999999999999", Num{}, nil},
		{"1e400", Num{}, ErrNumberRange},
		{"", Num{}, ErrNotNumber},
		{"+1", Num{}, ErrNotNumber},
		{"01", Num{}, ErrNotNumber},
		{".5", Num{}, ErrNotNumber},
		{"5.", Num{}, ErrNotNumber},
		{"1e", Num{}, ErrNotNumber},
		{"1_0", Num{}, ErrNotNumber},
		{"0x10", Num{}, ErrNotNumber},
		{"Infinity", Num{}, ErrNotNumber},
		{"NaN", Num{}, ErrNotNumber},
		{"1 ", Num{}, ErrNotNumber},
	}
	for _, tt := range tests {
		got, err := ParseNumber(tt.in)
		if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("ParseNumber(%q) error = %v, want %v", tt.in, err, tt.err)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("ParseNumber(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeNumbers(t *testing.T) {
	in := []any{int64(9007199254740993), uint64(math.MaxUint64), int8(-3), json.Number("1.50"), 2.5, float32(0.5)}
	got, err := Normalize(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{json.Number("9007199254740993"), json.Number("18446744073709551615"), json.Number("-3"), json.Number("1.50"), 2.5, 0.5}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	type row struct {
		ID int64 `json:"id"`
	}
	got, err = Normalize(row{ID: 9007199254740993})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"id": json.Number("9007199254740993")}, got); diff != "" {
		t.Errorf("a struct's int64 field through JSON: %s", diff)
	}
	for _, bad := range []json.Number{"abc", "1e400", "", "NaN", "0x1"} {
		if v, err := Normalize(map[string]any{"n": bad}); err == nil {
			t.Errorf("Normalize(json.Number(%q)) = %v, want an error", bad, v)
		}
	}
}

func TestNumbersCompareByValue(t *testing.T) {
	tests := []struct {
		a, b any
		want bool
	}{
		{json.Number("1"), 1.0, true},
		{json.Number("1.0"), json.Number("1"), true},
		{json.Number("1e0"), int64(1), true},
		{json.Number("-0"), 0.0, true},
		{json.Number("9007199254740993"), 9007199254740992.0, false},
		{json.Number("9007199254740993"), int64(9007199254740993), true},
		{json.Number("9007199254740993"), json.Number("9007199254740992"), false},
		{json.Number("1.5"), 1.5, true},
		{json.Number("1e20"), 1e20, true},
		{json.Number("1"), "1", false},
		{json.Number("1"), true, false},
		{1, 1.0, true},
		{"a", "a", true},
		{nil, nil, true},
		{[]any{json.Number("2"), "x"}, []any{2.0, "x"}, true},
		{map[string]any{"id": json.Number("7")}, map[string]any{"id": 7.0}, true},
		{map[string]any{"id": json.Number("7")}, map[string]any{"id": 8.0}, false},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := Equal(tt.b, tt.a); got != tt.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
	if Equal([]string{"a"}, []string{"a"}) {
		t.Error("Equal on non-JSON slices must not claim equality (nor panic)")
	}
}

func TestNumberTruthAndEmptiness(t *testing.T) {
	tests := []struct {
		n      json.Number
		truthy bool
	}{
		{"0", false}, {"-0", false}, {"0.0", false}, {"0e10", false}, {"1e-400", false},
		{"1", true}, {"-1", true}, {"0.5", true}, {"1e400", true}, {"9007199254740993", true},
	}
	for _, tt := range tests {
		if got := Truthy(tt.n); got != tt.truthy {
			t.Errorf("Truthy(json.Number(%q)) = %v, want %v (JavaScript's Boolean(%s))", tt.n, got, tt.truthy, tt.n)
		}
		if !IsEmpty(tt.n) {
			t.Errorf("IsEmpty(json.Number(%q)) = false; lodash's isEmpty of any number is true", tt.n)
		}
	}
}

// The list strategies compare numbers by value, so a grant's [1, 2] and a
// request's json.Number ids intersect as the reference's doubles do.
func TestStrategiesCompareNumbersByValue(t *testing.T) {
	x := []any{1.0, 2.0, 3.0}
	y := []any{json.Number("2"), json.Number("3.0"), json.Number("9007199254740993")}
	got, _ := Intersect(x, true, y, true)
	if diff := cmp.Diff([]any{2.0, 3.0}, got); diff != "" {
		t.Errorf("Intersect: %s", diff)
	}
	got, _ = Union(x, true, y, true)
	if diff := cmp.Diff([]any{1.0, 2.0, 3.0, json.Number("9007199254740993")}, got); diff != "" {
		t.Errorf("Union: %s", diff)
	}
	got, _ = Union([]any{json.Number("0"), json.Number("5")}, true, nil, false)
	if diff := cmp.Diff([]any{json.Number("5")}, got); diff != "" {
		t.Errorf("Union drops the falsy json.Number 0: %s", diff)
	}
	if Clone(json.Number("12345678901234567890")) != json.Number("12345678901234567890") {
		t.Error("Clone changed a json.Number")
	}
}
