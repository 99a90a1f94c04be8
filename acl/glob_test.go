package acl

import (
	"encoding/json"
	"os"
	"testing"
)

// testdata/minimatch.json holds [pattern, path, match] triples answered by
// minimatch 5.1.9, the matcher NocoBase uses for snippets.
func TestGlobMatchesMinimatch(t *testing.T) {
	raw, err := os.ReadFile("testdata/minimatch.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Pattern, Path string
		Match         bool
	}
	var triples [][3]any
	if err := json.Unmarshal(raw, &triples); err != nil {
		t.Fatal(err)
	}
	for _, c := range triples {
		cases = append(cases, struct {
			Pattern, Path string
			Match         bool
		}{c[0].(string), c[1].(string), c[2].(bool)})
	}
	for _, c := range cases {
		g, err := compileGlob(c.Pattern)
		if err != nil {
			t.Errorf("compileGlob(%q): %v", c.Pattern, err)
			continue
		}
		if got := g.match(c.Path); got != c.Match {
			t.Errorf("%q matches %q = %v, minimatch says %v", c.Pattern, c.Path, got, c.Match)
		}
	}
}
