package tabular_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// sliceTable is the smallest Table: a header and rows in memory. A file
// or a query does the same, reading as it goes.
type sliceTable struct {
	header []string
	rows   [][]string
}

func (t *sliceTable) Name() string { return "staff" }

func (t *sliceTable) Open(context.Context) (tabular.Rows, error) {
	return &sliceRows{t: t}, nil
}

type sliceRows struct {
	t *sliceTable
	i int
}

func (r *sliceRows) Header() []string { return r.t.header }

func (r *sliceRows) Next() (int, []string, error) {
	if r.i == len(r.t.rows) {
		return 0, nil, io.EOF
	}
	r.i++
	return r.i + 1, r.t.rows[r.i-1], nil // line 1 is the header
}

func (r *sliceRows) Null(int) bool { return false }
func (r *sliceRows) Close() error  { return nil }

// An HR export with a person on two rows (two departments) becomes
// departments, parents first, then one user with both memberships.
func ExampleNewSource() {
	table := &sliceTable{
		header: []string{"Employee", "Login", "Name", "Department"},
		rows: [][]string{
			{"E1", "ada", "Ada Lovelace", "Sales/EMEA"},
			{"E2", "bob", "Bob", "R&D"},
			{"E1", "ada", "", "R&D"}, // an empty cell: not given, not cleared
		},
	}
	src, err := tabular.NewSource(table, tabular.Options{
		Mapping:  tabular.Mapping{UID: "Employee", Username: "Login", Nickname: "Name", DepartmentPath: "Department"},
		MatchKey: "username",
	})
	if err != nil {
		panic(err)
	}
	err = src.Pull(context.Background(), func(d datasync.UserData) error {
		for _, r := range d.Records {
			keys := slices.Sorted(maps.Keys(r))
			fmt.Print(d.DataType, ":")
			for _, k := range keys {
				fmt.Printf(" %s=%v", k, r[k])
			}
			fmt.Println()
		}
		return nil
	})
	fmt.Println("err:", err)
	// Output:
	// department: title=R&D uid=R&D
	// department: title=Sales uid=Sales
	// department: parentUid=Sales title=EMEA uid=Sales/EMEA
	// user: departments=[R&D] nickname=Bob uid=E2 username=bob
	// user: departments=[Sales/EMEA R&D] nickname=Ada Lovelace uid=E1 username=ada
	// err: <nil>
}
