package sqlrows_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/sqlrows"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// people creates hr_people with a column of each kind an HR database
// has, and two rows: one full, one NULL but for its id.
func people(t *testing.T, db *bun.DB) {
	t.Helper()
	ctx := context.Background()
	_, err := db.ExecContext(ctx, `CREATE TABLE hr_people (id BIGINT, name TEXT, phone BIGINT,
		salary NUMERIC(10,2), score DOUBLE PRECISION, active BOOLEAN, hired TIMESTAMP, note TEXT)`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO hr_people VALUES (?, ?, ?, ?, ?, ?, ?, ?), (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		1, "Ada", int64(13800000000), "1234.50", 13800000000.0, true, time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC), "")
	if err != nil {
		t.Fatal(err)
	}
}

// cell is one cell as a pass saw it.
type cell struct {
	Text string
	Null bool
}

// read opens t and returns its header and every row's line and cells.
func read(t *testing.T, tb tabular.Table) ([]string, map[int][]cell) {
	t.Helper()
	rs, err := tb.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	got := map[int][]cell{}
	for {
		line, cells, err := rs.Next()
		if err == io.EOF {
			return rs.Header(), got
		}
		if err != nil {
			t.Fatal(err)
		}
		row := make([]cell, len(cells))
		for i, text := range cells {
			row[i] = cell{text, rs.Null(i)}
		}
		got[line] = row
	}
}

func TestColumnTypes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		people(t, db)
		// SQLite has no boolean or decimal type: it stores TRUE as 1 and
		// NUMERIC as a float, and its driver returns what is stored.
		active, salary := "true", "1234.50"
		if db.Dialect().Name().String() == "sqlite" {
			active, salary = "1", "1234.5"
		}
		wantHeader := []string{"id", "name", "phone", "salary", "score", "active", "hired", "note"}
		want := map[int][]cell{
			2: {{"1", false}, {"Ada", false}, {"13800000000", false}, {salary, false}, {"13800000000", false},
				{active, false}, {"2024-03-01T09:30:00Z", false}, {"", false}},
			3: {{"2", false}, {"", true}, {"", true}, {"", true}, {"", true}, {"", true}, {"", true}, {"", true}},
		}
		queriers := []struct {
			name  string
			db    sqlrows.Querier
			query string
			args  []any
		}{
			// bun formats ? itself, on both dialects.
			{"bun.DB", db, "SELECT * FROM hr_people WHERE id >= ? ORDER BY id", []any{1}},
			{"sql.DB", db.DB, "SELECT * FROM hr_people ORDER BY id", nil},
		}
		for _, q := range queriers {
			t.Run(q.name, func(t *testing.T) {
				tb := sqlrows.New(q.db, "hr people", q.query, q.args...)
				header, got := read(t, tb)
				if diff := cmp.Diff(wantHeader, header); diff != "" {
					t.Errorf("header (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("rows by line (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestQueryErrorNamesTheTable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		tb := sqlrows.New(db, "hr users query", "SELECT * FROM no_such_table WHERE email = ?", "ada@example.com")
		rs, err := tb.Open(context.Background())
		if err == nil {
			rs.Close()
			t.Fatal("Open succeeded")
		}
		var qe *sqlrows.QueryError
		if !errors.As(err, &qe) || qe.Table != "hr users query" {
			t.Fatalf("err = %T %v, want a *sqlrows.QueryError for hr users query", err, err)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "sqlrows: hr users query: ") || strings.Contains(msg, "ada@example.com") || strings.Contains(msg, "SELECT") {
			t.Errorf("error %q should name the table and quote neither the query nor its arguments", msg)
		}
	})
}

func TestCancelMidRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		people(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rs, err := sqlrows.New(db, "hr people", "SELECT id FROM hr_people ORDER BY id").Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		if _, _, err := rs.Next(); err != nil {
			t.Fatal(err)
		}
		cancel()
		_, _, err = rs.Next()
		var qe *sqlrows.QueryError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &qe) || qe.Row != 1 {
			t.Errorf("Next after cancel = %v, want context.Canceled after row 1", err)
		}
	})
}

func TestPassesRepeat(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		people(t, db)
		tb := sqlrows.New(db, "hr people", "SELECT id, name FROM hr_people ORDER BY id")
		_, first := read(t, tb)
		_, second := read(t, tb)
		if diff := cmp.Diff(first, second); diff != "" || len(first) != 2 {
			t.Errorf("second pass differs or is short (-first +second):\n%s", diff)
		}
	})
}
