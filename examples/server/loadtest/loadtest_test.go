package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/sqlitedb"

	"github.com/gatehouse-dev/gatehouse/internal/loadrun"
)

// TestLoadHasNoErrors runs the load for 1 s with 10 clients on a SQLite
// WAL file, opened as examples/server opens it, and asserts that every
// operation of the mix and both lists ran and that no request failed. Set-up
// already checked that posts:list shows a writer only its own posts and
// that the floor answers the same JSON. It never asserts timing: the
// machines are shared.
func TestLoadHasNoErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("a load check")
	}
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, filepath.Join(t.TempDir(), "gatehouse.db"), sqlitedb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := run(ctx, db, config{Clients: 10, Duration: time.Second, Writers: 4, PostsPerUser: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Mix) != len(mixOps) || len(res.ListOnly) != 2 {
		t.Fatalf("%d mix and %d list figures, want %d and 2", len(res.Mix), len(res.ListOnly), len(mixOps))
	}
	for _, s := range append(res.Mix, res.ListOnly...) {
		if s.Requests == 0 {
			t.Errorf("%s: no request ran", s.Name)
		}
		if n := s.ErrorCount(); n > 0 {
			t.Errorf("%s: %d of %d requests failed: %s", s.Name, n, s.Requests, loadrun.ErrorText(s.Errors))
		}
	}
}
