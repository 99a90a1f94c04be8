package tree_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tree"
)

// FuzzTreeSource feeds arbitrary did,fid,title rows (`\N` a NULL cell) to
// the source: it never panics, fails only with row errors that name a
// line, and when it succeeds it emits each department once, after its
// parent.
func FuzzTreeSource(f *testing.F) {
	f.Add([]byte("b,a,B\na,\\N,A\nc,b,C"), false)
	f.Add([]byte("a,,A\nb,a,B"), true)
	f.Add([]byte("a,b,A\nb,a,B\nc,c,C"), false)
	f.Add([]byte("a,\\N,A\na,x,A\n,\\N,\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, emptyParentIsRoot bool) {
		table := parseTable("did,fid,title\n" + string(data))
		got, err := pullAll(t, table, tree.Options{Title: "title", EmptyParentIsRoot: emptyParentIsRoot})
		if err != nil {
			for _, e := range rowErrors(t, err) {
				if e.Line < 1 || e.Table != "tree.csv" {
					t.Errorf("row error %v: want a line >= 1 of tree.csv", e)
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range got {
			uid, ok := r.UID()
			if !ok || seen[uid] {
				t.Fatalf("record %v: uid missing or emitted twice", r)
			}
			if p, has := r["parentUid"]; has && !seen[p.(string)] {
				t.Fatalf("record %v emitted before its parent", r)
			}
			seen[uid] = true
		}
		if len(got) != len(table.rows) {
			t.Fatalf("%d rows, %d records", len(table.rows), len(got))
		}
	})
}
