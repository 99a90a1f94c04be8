package loadrun

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func TestErrorText(t *testing.T) {
	for _, c := range []struct {
		in   map[int]int64
		want string
	}{
		{nil, "none"},
		{map[int]int64{500: 1, 409: 3}, "409×3 500×1"},
	} {
		if got := ErrorText(c.in); got != c.want {
			t.Errorf("ErrorText(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestOpenDB: each database opens empty and usable, and closing it leaves
// nothing behind (the SQLite file's directory, the PostgreSQL schema).
func TestOpenDB(t *testing.T) {
	ctx := context.Background()
	dbtest.Postgres(t).Close() // skips, or fails under GATEHOUSE_REQUIRE_PG, when there is none
	for _, dsn := range []string{"", dbtest.PostgresDSN()} {
		db, where, closeDB, err := OpenDB(ctx, dsn, 2, "loadruntest")
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{true: "SQLite", false: "PostgreSQL"}[dsn == ""]; !strings.HasPrefix(where, want) || !strings.HasSuffix(where, "pool 2") {
			t.Errorf("where = %q, want %s with pool 2", where, want)
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INTEGER)"); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		var place string
		if dsn == "" {
			if err := db.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&place); err != nil {
				t.Fatal(err)
			}
		} else if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&place); err != nil {
			t.Fatal(err)
		}
		closeDB()
		if dsn == "" {
			if _, err := os.Stat(place); !os.IsNotExist(err) {
				t.Errorf("the SQLite file %s is still there (%v)", place, err)
			}
			continue
		}
		check := dbtest.Postgres(t)
		var n int
		if err := check.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = ?", place).Scan(&n); err != nil || n != 0 {
			t.Errorf("schema %s left behind (%d, %v)", place, n, err)
		}
	}
}
