package sqlrows_test

import (
	"context"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/sqlrows"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
)

// BenchmarkRead reads 100,000 rows of text, bigint, float and NULL columns
// from an in-memory SQLite database, per pass: the cost of the cursor and
// the cells' text, without a network.
func BenchmarkRead(b *testing.B) {
	const n = 100_000
	db := dbtest.SQLite(b)
	ctx := context.Background()
	_, err := db.ExecContext(ctx, `CREATE TABLE staff (id BIGINT, email TEXT, mobile BIGINT, score DOUBLE PRECISION, note TEXT);
		WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO staff SELECT i, 'u' || i || '@example.com', 13800000000 + i, i * 0.5, NULL FROM seq`, n)
	if err != nil {
		b.Fatal(err)
	}
	t := sqlrows.New(db, "staff", "SELECT * FROM staff ORDER BY id")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if rows := synctest.CountRows(b, t); rows != n {
			b.Fatalf("read %d rows, want %d", rows, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
