package crud_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
)

// slowFilters has "$slow": a condition that takes far longer than any
// test waits (PostgreSQL sleeps, SQLite counts to a billion).
func slowFilters(t testing.TB) *filterop.Registry {
	t.Helper()
	reg := filterop.NewRegistry()
	err := reg.Register("$slow", func(c *filterop.Cond) (filterop.Expr, error) {
		if c.Dialect == "pg" {
			return filterop.SQL("(SELECT 1 FROM pg_sleep(60)) = 1"), nil
		}
		return filterop.SQL("(WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n WHERE x < 1000000000) SELECT count(*) FROM n) > 0"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

var slowFilter = "filter=" + url.QueryEscape(`{"title":{"$slow":true}}`)

// pgSleeping counts the statements still sleeping on the server; on
// SQLite there is no server, and an interrupted statement is gone.
func pgSleeping(t testing.TB, db *bun.DB) int {
	t.Helper()
	if db.Dialect().Name().String() != "pg" {
		return 0
	}
	var n int
	err := db.NewRaw(`SELECT count(*) FROM pg_stat_activity
		WHERE state = 'active' AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()`).Scan(context.Background(), &n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitNoSleepers fails unless the server stops the slow statements soon:
// a statement the client stopped waiting for must not go on running.
func waitNoSleepers(t testing.TB, db *bun.DB) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for pgSleeping(t, db) > 0 {
		if time.Now().After(deadline) {
			t.Errorf("%d slow statements still run on the server", pgSleeping(t, db))
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStatementTimeout: a slow read or write is cut off at
// StatementTimeout with 503 and Retry-After, stops on the database, and
// the database works afterwards.
func TestStatementTimeout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h := wAPI(t, db, crud.Options{StatementTimeout: 300 * time.Millisecond, Filters: slowFilters(t)})
		for _, c := range []struct{ method, target, body string }{
			// Not a paged list or count: bun's count query does not carry
			// the comment that lets crud cancel it on PostgreSQL.
			{"GET", "/api/articles?paginate=false&" + slowFilter, ""},
			{"GET", "/api/articles/1?" + slowFilter, ""},
			{"PUT", "/api/articles/1?" + slowFilter, `{"body":"late"}`},
			{"DELETE", "/api/articles/1?" + slowFilter, ""},
		} {
			start := time.Now()
			r := wDo(t, h, nil, 1, c.method, c.target, c.body)
			took := time.Since(start)
			wWant(t, c.method+" slow", r, 503, "took longer than 300ms")
			if got := r.Header.Get("Retry-After"); got != "1" {
				t.Errorf("%s slow: Retry-After %q, want 1", c.method, got)
			}
			if took > 5*time.Second {
				t.Errorf("%s slow took %v; the timeout is 300ms", c.method, took)
			}
			waitNoSleepers(t, db)
		}
		r := wDo(t, h, nil, 1, "GET", "/api/articles?sort=id", "")
		wWant(t, "list after the timeouts", r, 200, "")
		if rows, _ := r.Data.([]any); len(rows) != 3 {
			t.Errorf("list after the timeouts: %d rows, want 3", len(rows))
		}
		wWant(t, "update after the timeouts", wDo(t, h, nil, 1, "PUT", "/api/articles/1", `{"body":"now"}`), 200, "")
		if got := wRows(t, db)[0].Body; got != "now" {
			t.Errorf("body %q after the timeouts, want now", got)
		}
	})
}

// TestCancelledRequest: a client that goes away is no server error (499,
// from resourcer), and its statement stops on the database too.
func TestCancelledRequest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h := wAPI(t, db, crud.Options{Filters: slowFilters(t)})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		r := wDoCtx(t, ctx, h, nil, 1, "PUT", "/api/articles/1?"+slowFilter, `{"body":"gone"}`)
		wWant(t, "cancelled", r, resourcer.StatusClientClosedRequest, "")
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("a cancelled request took %v", took)
		}
		waitNoSleepers(t, db)
		wWant(t, "list afterwards", wDo(t, h, nil, 1, "GET", "/api/articles", ""), 200, "")
	})
}

// TestLockAnswers503: a write lock held past the database's wait (SQLite
// busy_timeout, PostgreSQL lock_timeout) answers 503 with Retry-After, and
// the same write succeeds once the lock is gone.
func TestLockAnswers503(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "lock.db")
		db := openSQLiteFile(t, path, 100, 4)
		holder := openSQLiteFile(t, path, 100, 1)
		runLockCase(t, db, holder, "BEGIN IMMEDIATE", "ROLLBACK", "database is locked")
	})
	t.Run("pg", func(t *testing.T) {
		base := dbtest.Postgres(t)
		var schema string
		if err := base.NewRaw("SELECT current_schema()").Scan(context.Background(), &schema); err != nil {
			t.Fatal(err)
		}
		db := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dbtest.PostgresDSN()),
			pgdriver.WithConnParams(map[string]any{"search_path": schema, "lock_timeout": "100ms"}))), pgdialect.New())
		t.Cleanup(func() { db.Close() })
		runLockCase(t, db, base, "BEGIN; SELECT 1 FROM articles FOR UPDATE", "ROLLBACK", "row is locked")
	})
}

func runLockCase(t *testing.T, db, holder *bun.DB, lock, unlock, msg string) {
	ctx := context.Background()
	h := wAPI(t, db, crud.Options{})
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, stmt := range strings.Split(lock, "; ") {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	writes := []struct{ method, target, body string }{
		{"PUT", "/api/articles/1", `{"body":"x"}`},
		{"DELETE", "/api/articles/2", ""},
		{"POST", "/api/articles:updateOrCreate?filterKeys=title", `{"title":"a3","body":"y"}`},
	}
	for _, w := range writes {
		r := wDo(t, h, nil, 1, w.method, w.target, w.body)
		wWant(t, w.method+" "+w.target+" while locked", r, 503, msg)
		if got := r.Header.Get("Retry-After"); got != "1" {
			t.Errorf("%s while locked: Retry-After %q, want 1", w.method, got)
		}
	}
	if _, err := conn.ExecContext(ctx, unlock); err != nil {
		t.Fatal(err)
	}
	for _, w := range writes {
		wWant(t, w.method+" "+w.target+" after", wDo(t, h, nil, 1, w.method, w.target, w.body), 200, "")
	}
}

// openSQLiteFile opens a SQLite file database as a host would: WAL,
// busy_timeout (ms), foreign keys, a pool of conns connections.
func openSQLiteFile(t testing.TB, path string, busyMS, conns int) *bun.DB {
	t.Helper()
	dsn := fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)", path, busyMS)
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	sqldb.SetMaxOpenConns(conns)
	db := bun.NewDB(sqldb, sqlitedialect.New())
	t.Cleanup(func() { db.Close() })
	return db
}
