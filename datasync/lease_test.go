package datasync

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func leaseDB(t *testing.T, db *bun.DB) context.Context {
	t.Helper()
	ctx := context.Background()
	if err := CreateTables(ctx, db); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func mustAcquire(t *testing.T, ctx context.Context, db bun.IDB, source, holder string, ttl time.Duration, want bool) {
	t.Helper()
	won, err := acquireLease(ctx, db, source, holder, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if won != want {
		t.Fatalf("acquireLease(%q, %q) = %v, want %v", source, holder, won, want)
	}
}

func leaseHolder(t *testing.T, ctx context.Context, db bun.IDB, source string) (SyncLease, bool) {
	t.Helper()
	var rows []SyncLease
	if err := db.NewSelect().Model(&rows).Where("? = ?", bun.Ident("sourceName"), source).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		return SyncLease{}, false
	}
	return rows[0], true
}

func TestLeaseLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := leaseDB(t, db)
		mustAcquire(t, ctx, db, "hr", "a", time.Minute, true)
		mustAcquire(t, ctx, db, "hr", "b", time.Minute, false)
		mustAcquire(t, ctx, db, "ldap", "b", time.Minute, true) // leases are per source
		before, _ := leaseHolder(t, ctx, db, "hr")
		mustAcquire(t, ctx, db, "hr", "a", time.Hour, true) // renewal by its holder
		after, _ := leaseHolder(t, ctx, db, "hr")
		if after.Holder != "a" || !after.ExpiresAt.After(before.ExpiresAt) {
			t.Fatalf("renewed lease = %+v, want holder a with an expiry after %v", after, before.ExpiresAt)
		}

		// Only the holder can release its lease.
		if err := releaseLease(ctx, db, "hr", "b"); err != nil {
			t.Fatal(err)
		}
		if l, ok := leaseHolder(t, ctx, db, "hr"); !ok || l.Holder != "a" {
			t.Fatalf("after b's release the lease is %+v, %v; want a's", l, ok)
		}
		if err := releaseLease(ctx, db, "hr", "a"); err != nil {
			t.Fatal(err)
		}
		if l, ok := leaseHolder(t, ctx, db, "hr"); ok {
			t.Fatalf("after a's release the lease is %+v, want none", l)
		}
		mustAcquire(t, ctx, db, "hr", "b", time.Minute, true)
	})
}

func TestLeaseExpiredIsTakenOver(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := leaseDB(t, db)
		// A holder that crashed a minute after taking a 10 s lease.
		crashed := &SyncLease{SourceName: "hr", Holder: "crashed", ExpiresAt: time.Now().Add(-50 * time.Second)}
		if _, err := db.NewInsert().Model(crashed).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		mustAcquire(t, ctx, db, "hr", "survivor", time.Minute, true)
		if l, _ := leaseHolder(t, ctx, db, "hr"); l.Holder != "survivor" {
			t.Fatalf("lease holder = %q, want survivor", l.Holder)
		}
		// The crashed holder, back, finds its lease gone and cannot free
		// the survivor's.
		mustAcquire(t, ctx, db, "hr", "crashed", time.Minute, false)
		if err := releaseLease(ctx, db, "hr", "crashed"); err != nil {
			t.Fatal(err)
		}
		if l, _ := leaseHolder(t, ctx, db, "hr"); l.Holder != "survivor" {
			t.Fatalf("lease holder = %q, want survivor", l.Holder)
		}
	})
}

// TestLeaseRace has many holders take a free lease at once, over and over:
// each time exactly one wins.
func TestLeaseRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := leaseDB(t, db)
		const holders, rounds = 8, 20
		for round := range rounds {
			source := fmt.Sprintf("source-%d", round)
			var (
				wg    sync.WaitGroup
				start = make(chan struct{})
				mu    sync.Mutex
				won   []string
			)
			for h := range holders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					holder := fmt.Sprintf("holder-%d", h)
					ok, err := acquireLease(ctx, db, source, holder, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						mu.Lock()
						won = append(won, holder)
						mu.Unlock()
					}
				}()
			}
			close(start)
			wg.Wait()
			if len(won) != 1 {
				t.Fatalf("round %d: winners %v, want exactly one", round, won)
			}
			if l, _ := leaseHolder(t, ctx, db, source); l.Holder != won[0] {
				t.Fatalf("round %d: the row names %q, the winner was %q", round, l.Holder, won[0])
			}
		}
	})
}
