package toposort

import (
	"fmt"
	"testing"
)

// BenchmarkAdd100 registers 100 items in 10 groups chained by After
// constraints, the shape of a large middleware or sync-resource list.
func BenchmarkAdd100(b *testing.B) {
	for b.Loop() {
		var s Sorter[int]
		for i := range 100 {
			opts := Options{Tag: fmt.Sprint("g", i%10)}
			if i%10 > 0 {
				opts.After = []string{fmt.Sprint("g", i%10-1)}
			}
			if err := s.Add(i, opts); err != nil {
				b.Fatal(err)
			}
		}
	}
}
