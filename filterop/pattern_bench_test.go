package filterop

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// patternRow holds the long text the pattern benchmark matches against.
type patternRow struct {
	bun.BaseModel `bun:"table:pattern_rows,alias:pattern_rows"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Body          string `bun:"body"`
}

// patternTextBytes is the size of the text a row holds in the worst case
// measured: a caller's own 100 KB title, say.
const patternTextBytes = 100 << 10

// patternShape is one way to build an operand of n bytes that almost
// matches a text, so that the database tries (nearly) every alignment.
type patternShape struct {
	name string
	op   string
	text string // the row's text
	make func(n int) string
}

func patternShapes() []patternShape {
	as := strings.Repeat("a", patternTextBytes)
	accents := strings.Repeat("é", patternTextBytes/2)
	return []patternShape{
		// "aaa…ab" against "aaa…a": every start position compares n-1 bytes.
		{"includes", "$includes", as, func(n int) string { return strings.Repeat("a", n-1) + "b" }},
		{"notIncludes", "$notIncludes", as, func(n int) string { return strings.Repeat("a", n-1) + "b" }},
		// Mixed-case non-ASCII letters: SQLite tries three case forms.
		{"includes-accents", "$includes", accents, func(n int) string { return strings.Repeat("Éé", (n-1)/4) + "b" }},
		// Many wildcards: a backtracking matcher's worst case.
		{"iLike-wildcards", "$iLike", as, func(n int) string { return strings.Repeat("%a", (n-1)/2) + "b" }},
		{"like-wildcards", "$like", as, func(n int) string { return strings.Repeat("%a", (n-1)/2) + "b" }},
		{"like-underscores", "$like", as, func(n int) string { return "%" + strings.Repeat("_", n-2) + "b" }},
	}
}

// BenchmarkPatternWorstCase measures one row's match of a pattern operand
// of n bytes that almost matches a 100 KB text, on SQLite and PostgreSQL:
// the figure behind DefaultLimits.MaxPatternLength. It reports ms/row (the
// query's time, one row) and ns/byte (per byte of text and of operand).
//
//	GATEHOUSE_REQUIRE_PG=1 go test ./filterop -run x -bench PatternWorstCase -benchtime 3x
func BenchmarkPatternWorstCase(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) *bun.DB
	}{{"sqlite", dbtest.SQLite}, {"pg", dbtest.Postgres}} {
		b.Run(db.name, func(b *testing.B) {
			benchPatterns(b, db.open(b))
		})
	}
}

func benchPatterns(b *testing.B, db *bun.DB) {
	ctx := context.Background()
	if _, err := db.NewCreateTable().Model((*patternRow)(nil)).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	s, err := SchemaFor(db, (*patternRow)(nil))
	if err != nil {
		b.Fatal(err)
	}
	reg := NewRegistry()
	reg.Limits.MaxPatternLength = likeMaxPattern / 4 // what a finished pattern may grow to
	for _, shape := range patternShapes() {
		if _, err := db.NewDelete().Model((*patternRow)(nil)).Where("1 = 1").Exec(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := db.NewInsert().Model(&patternRow{ID: 1, Body: shape.text}).Exec(ctx); err != nil {
			b.Fatal(err)
		}
		for _, n := range []int{64, 128, 256, 1024} {
			b.Run(fmt.Sprintf("%s/%d", shape.name, n), func(b *testing.B) {
				filter := map[string]any{"body": map[string]any{shape.op: shape.make(n)}}
				expr, err := reg.Where(ctx, s, filter)
				if err != nil {
					b.Fatal(err)
				}
				var want int64
				if strings.HasPrefix(shape.op, "$not") {
					want = 1
				}
				for b.Loop() {
					got, err := db.NewSelect().Model((*patternRow)(nil)).Where("?", expr).Count(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if got != want {
						b.Fatalf("%s matched %d rows, want %d", shape.op, got, want)
					}
				}
				perRow := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(perRow/1e6, "ms/row")
				b.ReportMetric(perRow/float64(len(shape.text))/float64(n), "ns/byte²")
			})
		}
	}
}
