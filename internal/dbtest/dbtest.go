// Package dbtest runs a test body against every database gatehouse supports:
// an in-memory SQLite database (opened with [sqlitedb.Open]) and a
// throw-away PostgreSQL schema.
//
//	func TestSomething(t *testing.T) {
//		dbtest.Each(t, func(t *testing.T, db *bun.DB) {
//			// same assertions on both dialects
//		})
//	}
//
// PostgreSQL comes from GATEHOUSE_TEST_PG (a DSN), or DefaultPostgresDSN when
// that is unset. When the server cannot be reached the PostgreSQL half is
// skipped with the reason, unless GATEHOUSE_REQUIRE_PG=1, in which case it
// fails: CI sets it so a missing database can never pass for a green run.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

// DefaultPostgresDSN is the server on the project's machines.
const DefaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Each runs fn once per database, as the subtests "sqlite" and "pg". Every
// run gets a database of its own, so fn may call t.Parallel.
func Each(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("pg", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a fresh in-memory SQLite database that is closed when t ends.
// It is opened the way a host opens one ([sqlitedb.Open]): a pool of
// connections with foreign keys on and immediate transactions, on a
// database that survives cancelled queries, so a test that cancels a query
// on purpose still finds its tables afterwards.
func SQLite(t testing.TB) *bun.DB {
	t.Helper()
	db, err := sqlitedb.Open(context.Background(), ":memory:", sqlitedb.Options{})
	if err != nil {
		t.Fatalf("dbtest: open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Postgres creates a fresh schema on the test server and returns a database
// whose connections use it; the schema is dropped when t ends. It skips (or,
// with GATEHOUSE_REQUIRE_PG=1, fails) when the server is unreachable.
func Postgres(t testing.TB) *bun.DB {
	t.Helper()
	dsn, err := reachPostgres()
	if err != nil {
		msg := fmt.Sprintf("dbtest: PostgreSQL unreachable at %s: %v (set GATEHOUSE_TEST_PG to a reachable DSN)", dsn, err)
		if os.Getenv("GATEHOUSE_REQUIRE_PG") == "1" {
			t.Fatal(msg + "; GATEHOUSE_REQUIRE_PG=1 makes this a failure")
		}
		t.Skip(msg)
	}
	schema := uniqueName("gh_test")
	admin := openPostgres(dsn, nil)
	defer admin.Close()
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("dbtest: create schema %s: %v", schema, err)
	}
	db := openPostgres(dsn, map[string]any{"search_path": schema})
	t.Cleanup(func() {
		db.Close()
		cleanup := openPostgres(dsn, nil)
		defer cleanup.Close()
		if _, err := cleanup.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dbtest: drop schema %s: %v", schema, err)
		}
	})
	return db
}

// PostgresDSN returns the DSN the PostgreSQL half connects to.
func PostgresDSN() string {
	if dsn := os.Getenv("GATEHOUSE_TEST_PG"); dsn != "" {
		return dsn
	}
	return DefaultPostgresDSN
}

func openPostgres(dsn string, params map[string]any) *bun.DB {
	opts := []pgdriver.Option{pgdriver.WithDSN(dsn), pgdriver.WithTimeout(10 * time.Second)}
	if params != nil {
		opts = append(opts, pgdriver.WithConnParams(params))
	}
	return bun.NewDB(sql.OpenDB(pgdriver.NewConnector(opts...)), pgdialect.New())
}

var (
	reachOnce sync.Once
	reachErr  error
)

// reachPostgres pings the server once per test binary.
func reachPostgres() (string, error) {
	dsn := PostgresDSN()
	reachOnce.Do(func() {
		db := openPostgres(dsn, nil)
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		reachErr = db.PingContext(ctx)
	})
	return dsn, reachErr
}

// uniqueName is a fresh lower-case identifier, usable unquoted in
// PostgreSQL.
func uniqueName(prefix string) string {
	return prefix + "_" + strings.ToLower(rand.Text())
}
