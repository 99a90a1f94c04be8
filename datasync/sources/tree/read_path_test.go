package tree_test

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tree"
)

func TestPathTree(t *testing.T) {
	runCases(t, []pullCase{
		{
			name:  "every prefix is a department, parents first",
			opts:  tree.Options{Path: "path"},
			table: "path\nSales/EMEA/Berlin\nSales/APAC\nR&D",
			want: []datasync.Record{
				{"uid": "Sales", "title": "Sales"},
				{"uid": "R&D", "title": "R&D"},
				{"uid": "Sales/EMEA", "title": "EMEA", "parentUid": "Sales"},
				{"uid": "Sales/APAC", "title": "APAC", "parentUid": "Sales"},
				{"uid": "Sales/EMEA/Berlin", "title": "Berlin", "parentUid": "Sales/EMEA"},
			},
		},
		{
			name:  "paths are normalised",
			opts:  tree.Options{Path: "path"},
			table: "path\n /Sales / EMEA/ \nSales",
			want: []datasync.Record{
				{"uid": "Sales", "title": "Sales"},
				{"uid": "Sales/EMEA", "title": "EMEA", "parentUid": "Sales"},
			},
		},
		{
			name:  "another separator",
			opts:  tree.Options{Path: "path", PathSeparator: " > "},
			table: "path\nSales > EMEA",
			want: []datasync.Record{
				{"uid": "Sales", "title": "Sales"},
				{"uid": "Sales > EMEA", "title": "EMEA", "parentUid": "Sales"},
			},
		},
		{
			name:  "fields belong to the row's own department, not its prefixes",
			opts:  tree.Options{Path: "path", Fields: map[string]string{"sort": "sort"}},
			table: "path,sort\nSales/EMEA,2\nSales,1",
			want: []datasync.Record{
				{"uid": "Sales", "title": "Sales", "sort": json.Number("1")},
				{"uid": "Sales/EMEA", "title": "EMEA", "parentUid": "Sales", "sort": json.Number("2")},
			},
		},
		{
			name:  "empty paths and segments",
			opts:  tree.Options{Path: "path"},
			table: "path\n\n\\N\n / \nSales//EMEA\nSales/ /EMEA",
			errs: []string{
				`tree.csv line 2, column "path": empty path`,
				`tree.csv line 3, column "path": empty path`,
				`tree.csv line 4, column "path": empty path`,
				`tree.csv line 5, column "path": empty segment in path`,
				`tree.csv line 6, column "path": empty segment in path`,
			},
		},
		{
			name:  "a duplicate path",
			opts:  tree.Options{Path: "path"},
			table: "path\nSales/EMEA\nSales\nSales/ EMEA",
			errs:  []string{`tree.csv line 4, column "path": duplicate path, also on line 2`},
		},
	})
}
