package jsonval

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Tests that kill bugs planted here (issue #10) which the rest of the
// suite let through.

// TestLongListsKeepBigIntsApart: int64 ids past 2^53 differ even where a
// float64 cannot tell them apart, on the set path of Uniq and Intersect
// (lists longer than shortList) as on the scan path. Keying numbers by
// their float64 value would merge 2^53 and 2^53+1.
func TestLongListsKeepBigIntsApart(t *testing.T) {
	const base = 1 << 53
	for _, n := range []int{4, shortList + 8} {
		var ids []any
		for i := range n {
			ids = append(ids, json.Number(fmt.Sprint(base+i)))
		}
		withRepeats := append(append([]any(nil), ids...), json.Number(fmt.Sprint(base)), float64(3))
		want := append(append([]any(nil), ids...), float64(3))
		if got := Uniq(withRepeats); !cmp.Equal(got, want) {
			t.Errorf("n=%d: Uniq kept %d of %d distinct entries: %v", n, len(got), len(want), got)
		}
		odd := []any{json.Number(fmt.Sprint(base + 1)), json.Number(fmt.Sprint(base + 3))}
		for len(odd) <= n {
			odd = append(odd, "pad"+fmt.Sprint(len(odd)))
		}
		got, _ := Intersect(ids, true, odd, true)
		if want := []any{ids[1], ids[3]}; !cmp.Equal(got, want) {
			t.Errorf("n=%d: Intersect = %v, want %v", n, got, want)
		}
	}
}
