package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"

	"github.com/gatehouse-dev/gatehouse/internal/loadrun"
)

// TestLoadHasNoErrors runs a short load check (50 clients × 1 s of
// updates and of the mix, against crud and the floor) and asserts that no
// request fails, on a SQLite WAL file and on PostgreSQL. It never asserts
// timing: the machines are shared.
func TestLoadHasNoErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("a load check")
	}
	cfg := config{Clients: 50, Duration: time.Second, Workloads: []string{"update", "mix"}}
	check := func(t *testing.T, db *bun.DB) {
		results, err := run(context.Background(), db, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 4 {
			t.Fatalf("%d results, want 4 (2 workloads × floor and crud)", len(results))
		}
		for _, r := range results {
			if r.Requests == 0 {
				t.Errorf("%s %s: no request completed", r.Workload, r.Service)
			}
			if n := r.ErrorCount(); n > 0 {
				t.Errorf("%s %s: %d of %d requests failed: %s", r.Workload, r.Service, n, r.Requests, loadrun.ErrorText(r.Errors))
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		db, err := sqlitedb.Open(context.Background(), filepath.Join(t.TempDir(), "load.db"), sqlitedb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		check(t, db)
	})
	t.Run("pg", func(t *testing.T) {
		db := dbtest.Postgres(t)
		db.DB.SetMaxOpenConns(16)
		check(t, db)
	})
}
