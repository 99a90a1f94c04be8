package jsonval

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	type named map[string]any
	type point struct {
		X int `json:"x"`
	}
	in := map[string]any{
		"ints":    []int{1, 2},
		"strings": []string{"a"},
		"named":   named{"k": int64(3)},
		"struct":  point{X: 4},
		"nested":  map[string]string{"s": "t"},
		"ptr":     (*point)(nil),
	}
	got, err := Normalize(in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"ints":    []any{json.Number("1"), json.Number("2")},
		"strings": []any{"a"},
		"named":   map[string]any{"k": json.Number("3")},
		"struct":  map[string]any{"x": json.Number("4")},
		"nested":  map[string]any{"s": "t"},
		"ptr":     nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	for _, bad := range []any{make(chan int), func() {}, map[string]any{"x": []any{1, make(chan int)}}} {
		if _, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%T) accepted", bad)
		}
	}
}

func TestTypeName(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{nil, "null"}, {"x", "a string"}, {true, "a boolean"}, {json.Number("1.5"), "a number"},
		{3.0, "a number"}, {int64(3), "a number"}, {uint8(3), "a number"},
		{[]any{1}, "a list"}, {map[string]any{}, "an object"}, {struct{}{}, "a struct {}"},
	} {
		if got := TypeName(c.v); got != c.want {
			t.Errorf("TypeName(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}
