package dbtest

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// TestEachRunsBothDatabases proves both halves really ran on different
// engines, and that each got an isolated database.
func TestEachRunsBothDatabases(t *testing.T) {
	var mu sync.Mutex
	versions := map[string]string{}
	Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		query := "SELECT version()"
		if db.Dialect().Name().String() == "sqlite" {
			query = "SELECT 'SQLite ' || sqlite_version()"
		}
		var version string
		if err := db.QueryRowContext(ctx, query).Scan(&version); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		mu.Lock()
		versions[t.Name()] = version
		mu.Unlock()
		t.Logf("%s", version)

		if _, err := db.ExecContext(ctx, "CREATE TABLE probe (id INTEGER PRIMARY KEY)"); err != nil {
			t.Fatalf("a fresh database must not have table probe yet: %v", err)
		}
	})
	sqlite := versions["TestEachRunsBothDatabases/sqlite"]
	pg := versions["TestEachRunsBothDatabases/pg"]
	if !strings.HasPrefix(sqlite, "SQLite ") {
		t.Errorf("sqlite half reported %q", sqlite)
	}
	if pg == "" {
		if os.Getenv("GATEHOUSE_REQUIRE_PG") == "1" {
			t.Fatal("PostgreSQL half did not run")
		}
		return
	}
	if !strings.HasPrefix(pg, "PostgreSQL ") || pg == sqlite {
		t.Errorf("pg half reported %q (sqlite: %q)", pg, sqlite)
	}
}

// TestEachIsolatesParallelRuns creates the same table in parallel runs: each
// must see its own empty database.
func TestEachIsolatesParallelRuns(t *testing.T) {
	for i := range 3 {
		t.Run(string(rune('a'+i)), func(t *testing.T) {
			t.Parallel()
			Each(t, func(t *testing.T, db *bun.DB) {
				ctx := context.Background()
				if _, err := db.ExecContext(ctx, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"); err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (1, 'x')"); err != nil {
					t.Fatal(err)
				}
				var n int
				if err := db.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 1 {
					t.Fatalf("count = %d, want 1: runs share a database", n)
				}
			})
		})
	}
}

// TestCancelledQueryKeepsTables cancels a long query and then reads a table
// on both databases. SQLite used to lose the whole in-memory database here
// (issue 9): database/sql dropped its only connection.
func TestCancelledQueryKeepsTables(t *testing.T) {
	Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "CREATE TABLE items (id INTEGER PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO items (id) VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		long := `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c`
		if db.Dialect().Name() == dialect.PG {
			// The driver drops a cancelled query's connection without asking
			// the server to stop it: the count would go on for many minutes
			// of CPU, slowing every test after this one.
			t.Cleanup(func() {
				_, _ = db.ExecContext(context.Background(),
					"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = ? AND pid <> pg_backend_pid()", long)
			})
		}
		for range 3 {
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			var n int
			err := db.QueryRowContext(short, long).Scan(&n)
			cancel()
			if err == nil {
				t.Fatal("counting to a billion finished: the query was not cancelled")
			}
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil || n != 1 {
			t.Fatalf("after cancelled queries: count = %d, err = %v; want 1", n, err)
		}
	})
}
