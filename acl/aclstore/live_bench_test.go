package aclstore

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"
)

// BenchmarkPropagation measures the time from a change's commit through
// store A (the write's return: it commits, then applies the change to A's
// ACL in microseconds) to store B, on its own pool, answering it: a grant,
// then its revoke, 100 changes per run (-benchtime=1x runs exactly 100). It
// reports the median and the 99th percentile: PostgreSQL through NOTIFY,
// SQLite through a 50 ms poll.
func BenchmarkPropagation(b *testing.B) {
	b.Run("pg", func(b *testing.B) {
		open := livePGOpener(b)
		livePropagation(b, liveFleet{n: 2, poll: time.Second}, 0, open)
	})
	b.Run("sqlite-poll50ms", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "acl.db")
		livePropagation(b, liveFleet{n: 2, poll: 50 * time.Millisecond}, 50*time.Millisecond, func(t testing.TB) (*bun.DB, string) {
			return liveOpenSQLite(t, path), ""
		})
	})
}

const liveBenchChanges = 100

// livePropagation runs the benchmark on a fleet. Before each change it waits
// a random time up to jitter: with a poll, changes made right after B
// caught up would otherwise all land just after a tick and wait a whole
// interval, where real changes land anywhere in it.
func livePropagation(b *testing.B, f liveFleet, jitter time.Duration, open func(testing.TB) (*bun.DB, string)) {
	ctx := context.Background()
	nodes := liveStart(b, f, open)
	a, peer := nodes[0], nodes[1]
	liveCreateRole(b, a, "editor")
	liveEventually(b, "B defines editor", func() bool { _, ok := peer.acl.GetRole("editor"); return ok })

	var took []time.Duration
	for b.Loop() {
		for i := range liveBenchChanges {
			grant := i%2 == 0
			if jitter > 0 {
				time.Sleep(rand.N(jitter))
			}
			var err error
			if grant {
				err = a.store.Grant(ctx, "editor", "posts:update", nil)
			} else {
				err = a.store.Revoke(ctx, "editor", "posts:update")
			}
			if err != nil {
				b.Fatal(err)
			}
			took = append(took, liveWaitCan(b, peer.acl, "editor", "posts", "update", grant, liveConverge))
		}
	}
	slices.Sort(took)
	ms := func(q float64) float64 {
		return float64(took[int(q*float64(len(took)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	b.ReportMetric(float64(len(took)), "changes")
}
