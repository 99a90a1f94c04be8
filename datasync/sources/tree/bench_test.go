package tree_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tree"
)

// BenchmarkTreeSource reads, checks and emits a 100,000-department
// did/fid tree (ten children per node, listed leaves first), without a
// database.
func BenchmarkTreeSource(b *testing.B) {
	const n = 100_000
	table := &memTable{header: []string{"did", "fid", "title"}}
	for i := n - 1; i >= 0; i-- {
		parent := `\N`
		if i > 0 {
			parent = "d" + strconv.Itoa((i-1)/10)
		}
		table.rows = append(table.rows, []string{"d" + strconv.Itoa(i), parent, "Department " + strconv.Itoa(i)})
	}
	src, err := tree.NewSource(table, tree.Options{Title: "title"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		emitted := 0
		err := src.Pull(context.Background(), func(d datasync.UserData) error {
			emitted += len(d.Records)
			return nil
		})
		if err != nil || emitted != n {
			b.Fatalf("Pull: %d records, %v", emitted, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "departments/s")
}
