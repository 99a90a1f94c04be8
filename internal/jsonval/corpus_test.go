package jsonval

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// assignCase is one recorded call of @nocobase/utils assign() (made by
// tools/nocobase-oracle/gen/assign_gen.js).
type assignCase struct {
	Name           string
	Target, Source map[string]any
	Strategies     map[string]string
	Expected       map[string]any
}

// The corpus must keep exercising every strategy with both sides set, or a
// swapped or broken strategy could pass unnoticed (as it once did, when a
// broken PRNG left nearly every case empty).
const (
	assignCorpusCases = 600
	assignMinBothSet  = 60 // per strategy, both operands present and non-empty
)

func loadAssignCorpus(t *testing.T, useNumber bool) []assignCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/assign.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if useNumber {
		dec.UseNumber()
	}
	var cases []assignCase
	if err := dec.Decode(&cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestAssignCorpusIsNotDegenerate checks the corpus itself: its size, and
// that every named strategy, the "no strategy" case and an unknown name each
// meet non-empty operands on both sides often enough.
func TestAssignCorpusIsNotDegenerate(t *testing.T) {
	cases := loadAssignCorpus(t, false)
	if len(cases) != assignCorpusCases {
		t.Fatalf("testdata/assign.json has %d cases, want %d", len(cases), assignCorpusCases)
	}
	both := map[string]int{}
	for _, c := range cases {
		for k, x := range c.Target {
			y, ok := c.Source[k]
			if !ok || isBlank(x) || isBlank(y) {
				continue
			}
			name, ok := c.Strategies[k]
			if !ok {
				name = "(none)"
			}
			both[name]++
		}
	}
	for _, name := range []string{"andMerge", "orMerge", "intersect", "union", "overwrite", "deepMerge", "merge", "(none)", "noSuchStrategy"} {
		if both[name] < assignMinBothSet {
			t.Errorf("strategy %s meets two non-empty operands %d times, want at least %d", name, both[name], assignMinBothSet)
		}
	}
	if len(both) != 9 {
		t.Errorf("strategies in the corpus: %v, want the 7 named ones, (none) and noSuchStrategy", both)
	}
}

// isBlank reports whether a JSON value is absent-like: null, false, 0, "",
// [] or {}.
func isBlank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// TestAssignCorpus replays testdata/assign.json against Assign with the
// named strategies (a name Strategies lacks means no strategy, as in
// assign()). The numbers are decoded both as float64 and as json.Number,
// the form request JSON arrives in.
func TestAssignCorpus(t *testing.T) {
	for _, tc := range []struct {
		name      string
		useNumber bool
	}{{"float64", false}, {"json.Number", true}} {
		t.Run(tc.name, func(t *testing.T) {
			cases := loadAssignCorpus(t, tc.useNumber)
			if len(cases) != assignCorpusCases {
				t.Fatalf("testdata/assign.json has %d cases, want %d", len(cases), assignCorpusCases)
			}
			for _, c := range cases {
				runAssignCase(t, c)
			}
		})
	}
}

func runAssignCase(t *testing.T, c assignCase) {
	t.Helper()
	strategies := map[string]Strategy{}
	for k, name := range c.Strategies {
		if s, ok := Strategies[name]; ok {
			strategies[k] = s
		}
	}
	got := Assign(c.Target, c.Source, strategies)
	if diff := cmp.Diff(asFloats(t, c.Expected), asFloats(t, got)); diff != "" {
		t.Errorf("%s: assign(%v, %v, %v) (-reference +got):\n%s", c.Name, c.Target, c.Source, c.Strategies, diff)
	}
}

// asFloats round-trips v through JSON with numbers as float64, so that a
// json.Number and a float64 of the same value compare equal.
func asFloats(t *testing.T, v any) map[string]any {
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
