package filterop

import (
	"context"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// benchFilter has ten conditions in nested $and/$or/$not: $eq, $in, $gt,
// $ne, a dotted operator (title.$ne) and a belongs-to path
// (createdBy.nickname).
const benchFilter = `{"$and":[
	{"$or":[{"status":{"$eq":"draft"}},{"views":{"$gt":5}}]},
	{"id":{"$in":[1,2,3,4,5]}},
	{"title.$ne":"spam"},
	{"createdBy.nickname":{"$in":["ann","bob","O'Brien"]}},
	{"$or":[{"score":{"$gte":-10}},{"score":{"$eq":null}}]},
	{"views":{"$lte":1000}},
	{"$not":{"status":{"$eq":"archived"}}},
	{"published":{"$ne":false}}
]}`

// benchWant is what benchFilter returns on the seeded posts.
var benchWant = []int64{1, 5}

// BenchmarkCompileFilter: parse the JSON, compile it, and format the
// condition to SQL text, as a request would.
func BenchmarkCompileFilter(b *testing.B) {
	db := dbtest.SQLite(b)
	db.RegisterModel((*testPostTag)(nil))
	s, err := SchemaFor(db, (*testPost)(nil))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	gen := db.QueryGen()
	filter := []byte(benchFilter)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		expr, err := Where(ctx, s, filter)
		if err != nil {
			b.Fatal(err)
		}
		buf, err = expr.AppendQuery(gen, buf[:0])
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(buf)), "sql-bytes")
}

// BenchmarkCompileAndQuery: the same filter compiled and run on the seeded
// SQLite database.
func BenchmarkCompileAndQuery(b *testing.B) {
	db := dbtest.SQLite(b)
	s := seed(b, db)
	ctx := context.Background()
	filter := []byte(benchFilter)
	b.ReportAllocs()
	for b.Loop() {
		var posts []*testPost
		q, err := Apply(ctx, db.NewSelect().Model(&posts), s, filter)
		if err != nil {
			b.Fatal(err)
		}
		if err := q.Scan(ctx); err != nil {
			b.Fatal(err)
		}
		if len(posts) != len(benchWant) {
			b.Fatalf("got %d posts, want %d", len(posts), len(benchWant))
		}
	}
}

// TestBenchFilter checks the benchmarks' filter on both databases, so that
// they measure a filter that works.
func TestBenchFilter(t *testing.T) {
	runCases(t, context.Background(), []filterCase{{"bench filter", benchFilter, benchWant}})
}
