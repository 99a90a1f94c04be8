package tree_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/csv"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tree"
)

func TestDataset(t *testing.T) {
	table := csv.File("/srv/hr/departments.csv", csv.Options{})
	src, err := tree.NewSource(table, tree.Options{Title: "title"})
	if err != nil {
		t.Fatal(err)
	}
	if src.Dataset() != "/srv/hr/departments.csv" {
		t.Fatalf("dataset %q, want the table's path", src.Dataset())
	}
}
