package tabular_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// FuzzPull feeds arbitrary cells (lines split on "\n", cells on ",") to a
// source mapping every kind of column. It must not panic; a failure must
// be a *RowError naming a line of the table; a success must emit every
// department after its parent, each once, and every user once.
func FuzzPull(f *testing.F) {
	f.Add("e1,ada,yes,Sales/EMEA,admin\ne1,,1,R&D,admin\ne2,bob,no,Sales,")
	f.Add("e1,,maybe,,\n,x,,,")
	f.Add("e1,a,,Sales//B,\ne1,b,,/,")
	f.Add("e1,a,TRUE, a / b ,r\ne1,a,0,a/b,r")
	f.Fuzz(func(t *testing.T, data string) {
		table := &memTable{header: []string{"id", "name", "active", "path", "role"}}
		for _, line := range strings.Split(data, "\n") {
			table.rows = append(table.rows, strings.Split(line, ","))
		}
		got, err := pull(t, table, tabular.Options{
			Mapping:   tabular.Mapping{UID: "id", Nickname: "name", Enabled: "active", DepartmentPath: "path", Role: "role"},
			ChunkSize: 3,
		})
		if err != nil {
			var re *tabular.RowError
			if !errors.As(err, &re) || re.Line < 2 || re.Line > len(table.rows)+1 || re.Column == "" {
				t.Fatalf("Pull: %v; want a *RowError naming a line and a column", err)
			}
			return
		}
		seen := map[datasync.DataType]map[string]bool{datasync.DataTypeDepartment: {}, datasync.DataTypeUser: {}}
		for _, d := range got {
			for _, r := range d.Records {
				uid, ok := r.UID()
				if !ok || seen[d.DataType][uid] {
					t.Fatalf("%s record %v: no uid, or a uid twice", d.DataType, r)
				}
				if parent := r.ParentUID(); parent != "" && !seen[datasync.DataTypeDepartment][parent] {
					t.Fatalf("department %q before its parent %q", uid, parent)
				}
				seen[d.DataType][uid] = true
			}
		}
	})
}
