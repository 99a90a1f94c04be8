package tree_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tree"
)

func TestIDTree(t *testing.T) {
	runCases(t, []pullCase{
		{
			name:  "children before parents come out parents first",
			opts:  tree.Options{Title: "title"},
			table: "did,fid,title\nberlin,emea,Berlin\nemea,sales,EMEA\nsales,\\N,Sales\nrnd,\\N,R&D",
			want: []datasync.Record{
				{"uid": "sales", "title": "Sales"},
				{"uid": "rnd", "title": "R&D"},
				{"uid": "emea", "title": "EMEA", "parentUid": "sales"},
				{"uid": "berlin", "title": "Berlin", "parentUid": "emea"},
			},
		},
		{
			name:  "without a title column the id is the title",
			table: "did,fid\n1,\\N\n2,1",
			want:  []datasync.Record{{"uid": "1", "title": "1"}, {"uid": "2", "title": "2", "parentUid": "1"}},
		},
		{
			name:  "other column names",
			opts:  tree.Options{ID: "id", Parent: "parent"},
			table: "parent,id\n\\N,a\na,b",
			want:  []datasync.Record{{"uid": "a", "title": "a"}, {"uid": "b", "title": "b", "parentUid": "a"}},
		},
		{
			name:  "extra fields: numbers as json.Number, text as text, NULL as nil",
			opts:  tree.Options{Fields: map[string]string{"sort": "ord", "code": "code", "note": "note"}},
			table: "did,fid,ord,code,note\na,\\N,3,007,\\N\nb,a,-1.5e2,x1,",
			want: []datasync.Record{
				{"uid": "a", "title": "a", "sort": json.Number("3"), "code": "007", "note": nil},
				{"uid": "b", "title": "b", "parentUid": "a", "sort": json.Number("-1.5e2"), "code": "x1", "note": ""},
			},
		},
		{
			name:  "EmptyParentIsRoot: an empty parent is the top level",
			opts:  tree.Options{EmptyParentIsRoot: true},
			table: "did,fid\na,\nb,a",
			want:  []datasync.Record{{"uid": "a", "title": "a"}, {"uid": "b", "title": "b", "parentUid": "a"}},
		},
		{
			name:  "an empty parent is an error by default",
			table: "did,fid\na,\\N\nb,",
			errs:  []string{`tree.csv line 3, column "fid": empty parent; the top level's parent is NULL`},
		},
		{
			name:  "empty and NULL ids",
			table: "did,fid\n,\\N\n\\N,\\N",
			errs:  []string{`tree.csv line 2, column "did": empty id`, `tree.csv line 3, column "did": empty id`},
		},
		{
			name:  "empty and NULL titles",
			opts:  tree.Options{Title: "t"},
			table: "did,fid,t\na,\\N,\nb,\\N,\\N",
			errs:  []string{`tree.csv line 2, column "t": empty title`, `tree.csv line 3, column "t": empty title`},
		},
		{
			name:  "a duplicate id with the same parent",
			table: "did,fid\na,\\N\nb,a\nb,a",
			errs:  []string{`tree.csv line 4, column "did": duplicate id, also on line 3`},
		},
		{
			name:  "one id with two parents",
			table: "did,fid\na,\\N\nc,\\N\nb,a\nb,c\na,c",
			errs: []string{
				`tree.csv line 5, column "fid": two parents: line 4 and line 5`,
				`tree.csv line 6, column "fid": two parents: line 2 and line 6`,
			},
		},
		{
			name:  "an unknown parent",
			table: "did,fid\na,\\N\nb,x",
			errs:  []string{`tree.csv line 3, column "fid": unknown parent`},
		},
		{
			name:  "a row with an error is still a parent: no cascade",
			table: "did,fid\na,\nb,a",
			errs:  []string{`tree.csv line 2, column "fid": empty parent; the top level's parent is NULL`},
		},
		{
			name:  "cycles, a node its own parent included, with what hangs below them",
			table: "did,fid\nr,\\N\na,c\nb,a\nc,b\nd,a\ns,s",
			errs: []string{
				`tree.csv line 3: cycle through lines 3, 4, 5`,
				`tree.csv line 7: cycle through lines 7`,
			},
		},
		{
			name:  "several kinds at once, in the order found",
			table: "did,fid\n,\\N\na,\nb,zz\nb,zz",
			errs: []string{
				`tree.csv line 2, column "did": empty id`,
				`tree.csv line 3, column "fid": empty parent; the top level's parent is NULL`,
				`tree.csv line 5, column "did": duplicate id, also on line 4`,
				`tree.csv line 4, column "fid": unknown parent`,
			},
		},
	})
}

func TestIDTreeLongCycle(t *testing.T) {
	var b strings.Builder
	b.WriteString("did,fid")
	for i := range 12 {
		b.WriteString("\nn" + string(rune('a'+i)) + ",n" + string(rune('a'+(i+1)%12)))
	}
	_, err := pullAll(t, parseTable(b.String()), tree.Options{})
	want := []string{`tree.csv line 2: cycle through lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … (12 lines)`}
	if got := rowErrorMessages(t, err); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTooManyErrors(t *testing.T) {
	table := "did,fid" + strings.Repeat("\n,\\N", 50)
	_, err := pullAll(t, parseTable(table), tree.Options{})
	errs := rowErrors(t, err)
	if len(errs) != 21 {
		t.Fatalf("got %d errors, want 20 and the stop", len(errs))
	}
	last := errs[len(errs)-1]
	if last.Line != 21 || last.Reason != "too many errors; stopped here" {
		t.Errorf("last error = %v, want the stop on line 21", last)
	}
}
