package jsonval

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// scanUniq and scanIntersect are the plain quadratic definitions the set
// paths of Uniq and Intersect must agree with.
func scanUniq(l []any) []any {
	out := []any{}
	for _, v := range l {
		if !ContainsPrimitive(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func scanIntersect(xs, ys []any) []any {
	var out []any
	for _, v := range xs {
		if ContainsPrimitive(ys, v) {
			out = append(out, v)
		}
	}
	return Compact(out)
}

func TestLongListsMatchTheScan(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	value := func() any {
		n := r.IntN(12)
		switch r.IntN(7) {
		case 0:
			return fmt.Sprint("f", n)
		case 1:
			return float64(n)
		case 2:
			return json.Number(fmt.Sprint(n))
		case 3:
			return json.Number(fmt.Sprint(n) + ".0")
		case 4:
			return nil
		case 5:
			return n%2 == 0
		}
		return map[string]any{"k": n} // objects never equal each other
	}
	list := func(n int) []any {
		l := make([]any, n)
		for i := range l {
			l[i] = value()
		}
		return l
	}
	for i := range 500 {
		a, b := list(r.IntN(60)), list(1+r.IntN(60))
		if got, want := Uniq(a), scanUniq(a); !cmp.Equal(got, want) {
			t.Fatalf("case %d: Uniq(%v) = %v, want %v", i, a, got, want)
		}
		got, _ := Intersect(a, true, b, true)
		want := scanIntersect(a, b)
		if len(a) == 0 {
			want = Compact(b)
		}
		if !cmp.Equal(got, want, cmp.Comparer(func(x, y []any) bool { return len(x) == 0 && len(y) == 0 || cmp.Equal(x, y) })) {
			t.Fatalf("case %d: Intersect(%v, %v) = %v, want %v", i, a, b, got, want)
		}
	}
}

func BenchmarkUniq5000(b *testing.B) {
	l := make([]any, 5000)
	for i := range l {
		l[i] = fmt.Sprint("f", i)
	}
	for b.Loop() {
		Uniq(l)
	}
}
