package acl

import "testing"

// testdata/minimatch.json holds [pattern, path, match] triples answered by
// minimatch 5.1.9, the matcher NocoBase uses for snippets.
func TestGlobMatchesMinimatch(t *testing.T) {
	var triples [][3]any
	loadJSON(t, "testdata/minimatch.json", &triples)
	for _, c := range triples {
		pattern, path, want := c[0].(string), c[1].(string), c[2].(bool)
		g, err := compileGlob(pattern)
		if err != nil {
			t.Errorf("compileGlob(%q): %v", pattern, err)
			continue
		}
		if got := g.match(path); got != want {
			t.Errorf("%q matches %q = %v, minimatch says %v", pattern, path, got, want)
		}
	}
}
