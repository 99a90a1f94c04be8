package aclstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// TestLiveListenerKilled: B's listening connection is terminated by the
// server; a change made through A while B is deaf reaches B anyway (B
// listens again and reloads every role), and B follows later changes on
// its new connection. The poll is an hour, so only the listener can
// deliver.
func TestLiveListenerKilled(t *testing.T) {
	liveEachPG(t, liveFleet{n: 2, poll: time.Hour}, func(t *testing.T, nodes []*liveNode) {
		ctx := context.Background()
		a, b := nodes[0], nodes[1]
		liveCreateRole(t, a, "editor")
		liveEventually(t, "B defines editor", func() bool { _, ok := b.acl.GetRole("editor"); return ok })

		pid := liveListenerPID(t, b)
		if _, err := a.db.ExecContext(ctx, "SELECT pg_terminate_backend(?)", pid); err != nil {
			t.Fatal(err)
		}
		if err := a.store.Grant(ctx, "editor", "posts:update", nil); err != nil {
			t.Fatal(err)
		}
		liveWaitCan(t, b.acl, "editor", "posts", "update", true, liveConverge)
		liveEventually(t, "B listens on a new connection", func() bool { return liveListenerPID(t, b) != pid })

		if err := a.store.Revoke(ctx, "editor", "posts:update"); err != nil {
			t.Fatal(err)
		}
		liveWaitCan(t, b.acl, "editor", "posts", "update", false, liveConverge)
		liveWaitSameRoles(t, nodes)
	})
}

// TestLivePollLateCommit: a change whose transaction took its id before
// another change but committed after it is still applied by the poll (the
// window it reads again), where tracking the highest id would skip it.
func TestLivePollLateCommit(t *testing.T) {
	liveEachPG(t, liveFleet{n: 2, poll: time.Hour, noWatch: true}, func(t *testing.T, nodes []*liveNode) {
		ctx := context.Background()
		a, b := nodes[0], nodes[1]
		liveCreateRole(t, a, "early")
		liveCreateRole(t, a, "late")
		w := &watcher{s: b.store, own: b.store.own, applied: map[int64]struct{}{}}
		w.load(ctx)

		tx, err := a.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		lateID, err := a.store.logChange(ctx, tx, ChangeRole, "late")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.NewUpdate().Model((*Role)(nil)).Set("strategy = ?", `{"actions":["view"]}`).Where("name = ?", "late").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := a.store.SetStrategy(ctx, "early", &acl.StrategyOptions{Actions: []string{"view"}}); err != nil {
			t.Fatal(err)
		}
		w.poll(ctx)
		if w.top <= lateID {
			t.Fatalf("the poll applied up to change %d, want past the uncommitted %d", w.top, lateID)
		}
		liveWaitCan(t, b.acl, "early", "posts", "list", true, 0)

		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		w.poll(ctx)
		liveWaitCan(t, b.acl, "late", "posts", "list", true, 0)
	})
}

// TestLiveOtherSchemaIgnored: stores of two schemas of one database on the
// same channel hear each other's notifications but apply only their own
// log's: a change in one schema, whose id the other log also has, changes
// nothing in the other.
func TestLiveOtherSchemaIgnored(t *testing.T) {
	liveEachPG(t, liveFleet{n: 2, poll: time.Hour}, func(t *testing.T, nodes []*liveNode) {
		ctx := context.Background()
		b := nodes[1]
		others := liveStart(t, liveFleet{n: 1, poll: time.Hour, noWatch: true}, livePGOpener(t))
		other := others[0]
		other.store.opts.Channel = b.store.opts.Channel
		liveCreateRole(t, nodes[0], "editor")
		liveEventually(t, "B defines editor", func() bool { _, ok := b.acl.GetRole("editor"); return ok })

		// The other schema logs a change of "editor" under an id B's log
		// has too; B must not take it for its own log's.
		heard := liveHear(t, b)
		liveCreateRole(t, other, "editor")
		liveEventually(t, "the other schema's notification", func() bool { return len(heard()) > 0 })
		if err := other.store.Grant(ctx, "editor", "posts:update", nil); err != nil {
			t.Fatal(err)
		}
		if err := nodes[0].store.CreateRole(ctx, &Role{Name: "marker", Snippets: []string{}}); err != nil {
			t.Fatal(err)
		}
		liveEventually(t, "B defines marker", func() bool { _, ok := b.acl.GetRole("marker"); return ok })
		if _, ok := b.acl.Can(acl.CanArgs{Role: "editor", Resource: "posts", Action: "update"}); ok {
			t.Error("B applied another schema's grant")
		}
	})
}

// liveHear listens on n's channel on a connection of its own and returns
// the names the notifications carried so far, in order (nil on SQLite,
// which has no notifications).
func liveHear(t testing.TB, n *liveNode) func() []string {
	t.Helper()
	if n.app == "" {
		return nil
	}
	ln := pgdriver.NewListener(n.db)
	if err := ln.Listen(context.Background(), n.store.opts.Channel); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		names []string
	)
	ch := ln.Channel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for note := range ch {
			mu.Lock()
			names = append(names, parseNote(note.Payload).Name)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), names...)
	}
}
