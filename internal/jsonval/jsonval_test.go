package jsonval

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testdata/assign.json: @nocobase/utils assign() on random params with
// every named strategy, recorded from the reference.
func TestAssignMatchesReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/assign.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name           string
		Target, Source map[string]any
		Strategies     map[string]string
		Expected       map[string]any
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		strategies := map[string]Strategy{}
		for k, name := range c.Strategies {
			strategies[k] = Strategies[name]
		}
		got := Assign(c.Target, c.Source, strategies)
		if diff := cmp.Diff(c.Expected, roundTrip(t, got)); diff != "" {
			t.Errorf("%s: assign(%v, %v, %v) (-reference +got):\n%s", c.Name, c.Target, c.Source, c.Strategies, diff)
		}
	}
}

func roundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

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
		"ints":    []any{1.0, 2.0},
		"strings": []any{"a"},
		"named":   map[string]any{"k": 3.0},
		"struct":  map[string]any{"x": 4.0},
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
