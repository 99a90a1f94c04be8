package tree_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tree"
)

// csvTable is a tabular.Table over CSV text: enough to show the source.
type csvTable struct{ text string }

func (t csvTable) Name() string { return "departments.csv" }

func (t csvTable) Open(context.Context) (tabular.Rows, error) {
	r := csv.NewReader(strings.NewReader(t.text))
	header, err := r.Read()
	return &csvRows{r: r, header: header}, err
}

type csvRows struct {
	r      *csv.Reader
	header []string
}

func (r *csvRows) Header() []string { return r.header }

// Next returns csv.Reader's io.EOF at the end, as Rows.Next must.
func (r *csvRows) Next() (int, []string, error) {
	cells, err := r.r.Read()
	if err != nil {
		return 0, nil, err
	}
	line, _ := r.r.FieldPos(0)
	return line, cells, nil
}

func (r *csvRows) Null(int) bool { return false } // CSV has no NULL

func (r *csvRows) Close() error { return nil }

func Example() {
	// A FineReport-style did/fid export, children before parents. CSV has
	// no NULL, so an empty fid marks the top level.
	table := csvTable{text: "did,fid,name\n" +
		"berlin,emea,Berlin\n" +
		"emea,sales,EMEA\n" +
		"sales,,Sales\n"}
	src, err := tree.NewSource(table, tree.Options{Title: "name", EmptyParentIsRoot: true})
	if err != nil {
		panic(err)
	}
	err = src.Pull(context.Background(), func(d datasync.UserData) error {
		for _, r := range d.Records {
			fmt.Println(r["uid"], r["title"], r["parentUid"])
		}
		return nil
	})
	fmt.Println(err)

	// Without EmptyParentIsRoot the empty fid is a mistake, named by line.
	src, _ = tree.NewSource(table, tree.Options{Title: "name"})
	fmt.Println(src.Pull(context.Background(), func(datasync.UserData) error { return nil }))
	// Output:
	// sales Sales <nil>
	// emea EMEA sales
	// berlin Berlin emea
	// <nil>
	// tree: departments.csv line 4, column "fid": empty parent; the top level's parent is NULL
}

func Example_path() {
	table := csvTable{text: "path\nSales/EMEA/Berlin\nSales/APAC\n"}
	src, err := tree.NewSource(table, tree.Options{Path: "path"})
	if err != nil {
		panic(err)
	}
	_ = src.Pull(context.Background(), func(d datasync.UserData) error {
		for _, r := range d.Records {
			fmt.Printf("%-18s %-7s %v\n", r["uid"], r["title"], r["parentUid"])
		}
		return nil
	})
	// Output:
	// Sales              Sales   <nil>
	// Sales/EMEA         EMEA    Sales
	// Sales/APAC         APAC    Sales
	// Sales/EMEA/Berlin  Berlin  Sales/EMEA
}
