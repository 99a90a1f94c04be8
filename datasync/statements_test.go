package datasync_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// TestStatementsPerChunk holds the set-based claim: syncing users through
// the built-in resources costs a bounded number of statements per chunk,
// whatever the chunk size, and an unchanged re-sync fewer still.
func TestStatementsPerChunk(t *testing.T) {
	const people, chunk = 2_000, 250
	depts, staff := makeFixture(people)
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
			t.Fatal(err)
		}
		if err := datasync.CreateTables(ctx, db); err != nil {
			t.Fatal(err)
		}
		counter := &queryCounter{}
		m := datasync.NewManager(db.WithQueryHook(counter), datasync.Options{ChunkSize: chunk, Logger: slog.New(slog.DiscardHandler)})
		if err := users.RegisterSyncResources(m, users.Options{}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.UpdateOrCreate(ctx, depts); err != nil {
			t.Fatal(err)
		}
		chunks := int64(people / chunk)
		for _, run := range []struct {
			name     string
			perChunk int64
		}{{"first sync", 10}, {"re-sync", 3}} {
			before := counter.statements.Load()
			if _, err := m.UpdateOrCreate(ctx, staff); err != nil {
				t.Fatal(err)
			}
			n := counter.statements.Load() - before
			t.Logf("%s: %d statements for %d chunks", run.name, n, chunks)
			if n > run.perChunk*chunks+10 {
				t.Errorf("%s of %d users in chunks of %d: %d statements, want at most %d a chunk (+10)", run.name, people, chunk, n, run.perChunk)
			}
		}
	})
}
