package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// countToABillion runs for minutes unless it is interrupted.
const countToABillion = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c`

func openT(t *testing.T, dsn string, opts Options) *sql.DB {
	t.Helper()
	db, err := Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("Open(%q): %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db.DB
}

// oneConnection opens an in-memory database the way internal/dbtest and the
// quickstart did before this package: shared cache, one connection.
func oneConnection(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+t.Name()+"?mode=memory&cache=shared&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// TestCancelledQueryKeepsDatabase cancels a long query (outside and inside
// a transaction) and then reads a table. database/sql closes the connection
// SQLite interrupted; a one-connection in-memory database dies with it, and
// every later query fails with "no such table" — the control case shows
// that, the databases Open returns must keep their data.
func TestCancelledQueryKeepsDatabase(t *testing.T) {
	tests := []struct {
		name     string
		open     func(t *testing.T) *sql.DB
		survives bool
	}{
		{"one connection shared cache (control)", oneConnection, false},
		{"Open :memory:", func(t *testing.T) *sql.DB { return openT(t, ":memory:", Options{}) }, true},
		{"Open shared-cache spelling", func(t *testing.T) *sql.DB {
			return openT(t, "file:"+t.Name()+"?mode=memory&cache=shared", Options{})
		}, true},
		{"Open one-connection memory", func(t *testing.T) *sql.DB { return openT(t, ":memory:", Options{MaxOpenConns: 1}) }, true},
		{"Open file", func(t *testing.T) *sql.DB {
			return openT(t, filepath.Join(t.TempDir(), "app.db"), Options{})
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := tt.open(t)
			mustExec(t, db, "CREATE TABLE items (id INTEGER PRIMARY KEY)")
			mustExec(t, db, "INSERT INTO items (id) VALUES (1)")

			cancelQuery(t, db)
			n, err := countItems(db)
			if !tt.survives {
				if err == nil || !strings.Contains(err.Error(), "no such table") {
					t.Fatalf("control case: err = %v, want \"no such table\"; if the driver now keeps the database, delete this case", err)
				}
				return
			}
			if err != nil || n != 1 {
				t.Fatalf("after a cancelled query: count = %d, err = %v; want 1 row", n, err)
			}
			cancelInTransaction(t, db)
			if n, err := countItems(db); err != nil || n != 1 {
				t.Fatalf("after a cancelled transaction: count = %d, err = %v; want 1 row", n, err)
			}
		})
	}
}

func countItems(db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM items").Scan(&n)
	return n, err
}

func cancelQuery(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	var n int
	err := db.QueryRowContext(ctx, countToABillion).Scan(&n)
	checkInterrupted(t, err, time.Since(start))
}

func cancelInTransaction(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO items (id) VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var n int
	err = tx.QueryRowContext(ctx, countToABillion).Scan(&n)
	checkInterrupted(t, err, time.Since(start))
}

func checkInterrupted(t *testing.T, err error, took time.Duration) {
	t.Helper()
	if err == nil {
		t.Fatal("counting to a billion finished: the query was not interrupted")
	}
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "interrupt") {
		t.Fatalf("cancelled query: %v, want a deadline or interrupt error", err)
	}
	if took > 10*time.Second {
		t.Fatalf("cancelled query ran %v after its deadline", took)
	}
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// TestConnectionSettings reads the settings back from several connections of
// the pool at once: every connection must have them, not just the first.
func TestConnectionSettings(t *testing.T) {
	tests := []struct {
		name string
		dsn  func(t *testing.T) string
		opts Options
		want map[string]string
	}{
		{
			name: "memory defaults",
			dsn:  func(*testing.T) string { return ":memory:" },
			want: map[string]string{"foreign_keys": "1", "busy_timeout": "5000", "journal_mode": "memory"},
		},
		{
			name: "file defaults",
			dsn:  func(t *testing.T) string { return filepath.Join(t.TempDir(), "app.db") },
			want: map[string]string{"foreign_keys": "1", "busy_timeout": "5000", "journal_mode": "wal", "synchronous": "1"},
		},
		{
			name: "options",
			dsn:  func(*testing.T) string { return ":memory:" },
			opts: Options{BusyTimeout: 250 * time.Millisecond, Pragmas: []string{"cache_size(-1000)", "foreign_keys(0)"}},
			want: map[string]string{"foreign_keys": "0", "busy_timeout": "250", "cache_size": "-1000"},
		},
		{
			name: "the DSN's own pragma wins",
			dsn:  func(*testing.T) string { return "file:" + t.Name() + "?mode=memory&_pragma=busy_timeout(100)" },
			opts: Options{BusyTimeout: time.Minute},
			want: map[string]string{"busy_timeout": "100", "foreign_keys": "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openT(t, tt.dsn(t), tt.opts)
			ctx := context.Background()
			var conns []*sql.Conn
			for range 3 {
				c, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				conns = append(conns, c)
			}
			for i, c := range conns {
				got := map[string]string{}
				for name := range tt.want {
					var v string
					if err := c.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
						t.Fatalf("PRAGMA %s: %v", name, err)
					}
					got[name] = v
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("connection %d pragmas (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

// TestTransactionsTakeTheWriteLock: with _txlock=immediate, BEGIN holds the
// write lock, so a second writer's BEGIN IMMEDIATE finds it taken (without
// a busy timeout it fails at once). A deferred BEGIN would take no lock.
func TestTransactionsTakeTheWriteLock(t *testing.T) {
	for _, dsn := range []string{":memory:", filepath.Join(t.TempDir(), "app.db")} {
		db := openT(t, dsn, Options{})
		ctx := context.Background()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
			t.Fatal(err)
		}
		_, err = other.ExecContext(ctx, "BEGIN IMMEDIATE")
		if err == nil || !strings.Contains(err.Error(), "locked") {
			t.Errorf("%s: second BEGIN IMMEDIATE while a transaction is open: %v, want database is locked", dsn, err)
		}
		if err == nil {
			other.ExecContext(ctx, "ROLLBACK")
		}
		other.Close()
		tx.Rollback()

		ro, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		w, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Errorf("%s: a read-only transaction must not take the write lock: %v", dsn, err)
		} else {
			w.Rollback()
		}
		ro.Rollback()
	}
}

// TestConcurrentReadModifyWrite runs read-then-update transactions from many
// goroutines. Deferred transactions on SQLite fail some of these with
// "database is locked" (two readers cannot both upgrade); Open's must all
// commit.
func TestConcurrentReadModifyWrite(t *testing.T) {
	const workers, rounds = 20, 25
	for _, dsn := range []string{":memory:", filepath.Join(t.TempDir(), "app.db")} {
		db := openT(t, dsn, Options{})
		mustExec(t, db, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
		mustExec(t, db, "INSERT INTO counter (id, n) VALUES (1, 0)")
		var wg sync.WaitGroup
		errs := make(chan error, workers*rounds)
		for range workers {
			wg.Go(func() {
				for range rounds {
					if err := increment(db); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		var failures []string
		for err := range errs {
			failures = append(failures, err.Error())
		}
		if len(failures) != 0 {
			t.Errorf("%s: %d of %d transactions failed: %v", dsn, len(failures), workers*rounds, failures[0])
		}
		var n int
		if err := db.QueryRow("SELECT n FROM counter WHERE id = 1").Scan(&n); err != nil || n != workers*rounds {
			t.Errorf("%s: counter = %d (%v), want %d", dsn, n, err, workers*rounds)
		}
	}
}

func increment(db *sql.DB) error {
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT n FROM counter WHERE id = 1").Scan(&n); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE counter SET n = ? WHERE id = 1", n+1); err != nil {
		return err
	}
	return tx.Commit()
}

// TestMemoryNames: ":memory:" is private to one Open, a name is shared by
// every Open of it in the process, and closing the last handle frees it.
func TestMemoryNames(t *testing.T) {
	ctx := context.Background()
	a := openT(t, ":memory:", Options{})
	b := openT(t, ":memory:", Options{})
	mustExec(t, a, "CREATE TABLE items (id INTEGER PRIMARY KEY)")
	if _, err := b.ExecContext(ctx, "CREATE TABLE items (id INTEGER PRIMARY KEY)"); err != nil {
		t.Errorf("two :memory: opens share a database: %v", err)
	}

	name := "file:" + t.Name() + "?mode=memory"
	first, err := Open(ctx, name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(ctx, name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, first.DB, "CREATE TABLE shared (id INTEGER PRIMARY KEY)")
	mustExec(t, second.DB, "INSERT INTO shared (id) VALUES (1)")
	first.Close()
	var n int
	if err := second.QueryRowContext(ctx, "SELECT count(*) FROM shared").Scan(&n); err != nil || n != 1 {
		t.Errorf("after closing one of two handles: count = %d, %v; want 1", n, err)
	}
	second.Close()

	again := openT(t, name, Options{})
	if _, err := again.ExecContext(ctx, "CREATE TABLE shared (id INTEGER PRIMARY KEY)"); err != nil {
		t.Errorf("after closing every handle the database must be gone: %v", err)
	}
}

func TestPoolSize(t *testing.T) {
	for _, tt := range []struct {
		opts Options
		want int
	}{
		{Options{}, DefaultMaxOpenConns()},
		{Options{MaxOpenConns: 2}, 2},
	} {
		db := openT(t, ":memory:", tt.opts)
		if got := db.Stats().MaxOpenConnections; got != tt.want {
			t.Errorf("MaxOpenConns %d: pool size %d, want %d", tt.opts.MaxOpenConns, got, tt.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		dsn     string
		opts    Options
		is      error
		message string
	}{
		{name: "bad query", dsn: "file:x.db?a=%zz", is: ErrDSN},
		{name: "memory on another VFS", dsn: "file:x?mode=memory&vfs=unix", is: ErrDSN},
		{name: "negative pool", dsn: ":memory:", opts: Options{MaxOpenConns: -1}, is: ErrInvalidOptions},
		{name: "negative busy timeout", dsn: ":memory:", opts: Options{BusyTimeout: -time.Second}, is: ErrInvalidOptions},
		{name: "unknown _txlock", dsn: ":memory:?_txlock=sometimes", message: "_txlock"},
		{name: "missing directory", dsn: filepath.Join(t.TempDir(), "no", "such", "dir", "app.db"), message: "unable to open"},
		{name: "bad pragma", dsn: ":memory:", opts: Options{Pragmas: []string{"journal_mode("}}, message: "incomplete input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(ctx, tt.dsn, tt.opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.message) || !strings.HasPrefix(err.Error(), "sqlitedb: ") {
				t.Errorf("err = %q, want a sqlitedb error containing %q", err, tt.message)
			}
		})
	}
}
