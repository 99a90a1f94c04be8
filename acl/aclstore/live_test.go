package aclstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// TestLiveGrantReachesOtherStore: a grant committed through store A is
// answered by store B, on its own pool and ACL, within a second of the
// commit (NOTIFY on PostgreSQL, a 100 ms poll on SQLite), with the same
// params.
func TestLiveGrantReachesOtherStore(t *testing.T) {
	liveEach(t, liveFleet{n: 2, poll: 100 * time.Millisecond}, func(t *testing.T, nodes []*liveNode) {
		ctx := context.Background()
		a, b := nodes[0], nodes[1]
		liveCreateRole(t, a, "editor")
		liveEventually(t, "B defines editor", func() bool { _, ok := b.acl.GetRole("editor"); return ok })
		if _, ok := b.acl.Can(acl.CanArgs{Role: "editor", Resource: "posts", Action: "update"}); ok {
			t.Fatal("B allows editor posts:update before the grant")
		}

		err := a.store.Grant(ctx, "editor", "posts:update", acl.Params{"fields": []string{"title"}, "filter": acl.Params{"status": "draft"}})
		if err != nil {
			t.Fatal(err)
		}
		took := liveWaitCan(t, b.acl, "editor", "posts", "update", true, time.Second)
		t.Logf("B answered %v after the grant committed", took)

		args := acl.CanArgs{Role: "editor", Resource: "posts", Action: "update"}
		wantRes, _ := a.acl.Can(args)
		gotRes, _ := b.acl.Can(args)
		if fmt.Sprint(gotRes.Params) != fmt.Sprint(wantRes.Params) {
			t.Errorf("B's params %v, A's %v", gotRes.Params, wantRes.Params)
		}
	})
}

// TestLiveRoleDeletion: a role deleted through A disappears from B.
func TestLiveRoleDeletion(t *testing.T) {
	liveEach(t, liveFleet{n: 2, poll: 100 * time.Millisecond}, func(t *testing.T, nodes []*liveNode) {
		ctx := context.Background()
		a, b := nodes[0], nodes[1]
		liveCreateRole(t, a, "editor")
		if err := a.store.Grant(ctx, "editor", "posts:view", nil); err != nil {
			t.Fatal(err)
		}
		liveWaitCan(t, b.acl, "editor", "posts", "list", true, liveConverge)

		if err := a.store.DeleteRole(ctx, "editor"); err != nil {
			t.Fatal(err)
		}
		liveWaitCan(t, b.acl, "editor", "posts", "list", false, liveConverge)
		if _, ok := b.acl.GetRole("editor"); ok {
			t.Error("B still defines editor after A deleted it")
		}
	})
}

// TestLiveStrategyChange: a strategy set through A decides B's answers.
func TestLiveStrategyChange(t *testing.T) {
	liveEach(t, liveFleet{n: 2, poll: 100 * time.Millisecond}, func(t *testing.T, nodes []*liveNode) {
		ctx := context.Background()
		a, b := nodes[0], nodes[1]
		liveCreateRole(t, a, "member")
		liveEventually(t, "B defines member", func() bool { _, ok := b.acl.GetRole("member"); return ok })

		if err := a.store.SetStrategy(ctx, "member", &acl.StrategyOptions{Actions: []string{"view", "update:own"}}); err != nil {
			t.Fatal(err)
		}
		liveWaitCan(t, b.acl, "member", "comments", "list", true, liveConverge)
		liveWaitCan(t, b.acl, "member", "comments", "update", true, liveConverge)

		if err := a.store.SetStrategy(ctx, "member", &acl.StrategyOptions{Actions: []string{"view"}}); err != nil {
			t.Fatal(err)
		}
		liveWaitCan(t, b.acl, "member", "comments", "update", false, liveConverge)
		liveWaitSameRoles(t, nodes)
	})
}

// TestLiveUserAssignment: a user assigned a role through A gets it in B's
// RolesOf, although B had cached the user's roles before.
func TestLiveUserAssignment(t *testing.T) {
	liveEach(t, liveFleet{n: 2, poll: 100 * time.Millisecond}, func(t *testing.T, nodes []*liveNode) {
		ctx := context.Background()
		a, b := nodes[0], nodes[1]
		liveCreateRole(t, a, "editor")
		liveCreateRole(t, a, "auditor")
		if err := a.store.AssignUser(ctx, 7, "auditor"); err != nil {
			t.Fatal(err)
		}
		liveWaitRolesOf(t, b.store, 7, []string{"auditor"}) // now cached in B

		if err := a.store.AssignUser(ctx, 7, "editor"); err != nil {
			t.Fatal(err)
		}
		liveWaitRolesOf(t, b.store, 7, []string{"auditor", "editor"})

		if err := a.store.UnassignUser(ctx, 7, "auditor"); err != nil {
			t.Fatal(err)
		}
		liveWaitRolesOf(t, b.store, 7, []string{"editor"})

		// Deleting a role may change anyone's roles: B forgets them all.
		if err := a.store.DeleteRole(ctx, "editor"); err != nil {
			t.Fatal(err)
		}
		liveWaitRolesOf(t, b.store, 7, nil)
	})
}

// liveWaitRolesOf waits until s.RolesOf(user) is want.
func liveWaitRolesOf(t testing.TB, s *Store, user int64, want []string) {
	t.Helper()
	var got []string
	liveEventually(t, fmt.Sprintf("RolesOf(%d) = %v", user, want), func() bool {
		var err error
		got, err = s.RolesOf(context.Background(), user)
		if err != nil {
			t.Fatalf("RolesOf(%d): %v", user, err)
		}
		return slices.Equal(got, want)
	})
}

// TestLiveBurstConverges: 1,000 changes in a burst through A, then 1,000
// more through A and C at once, leave B (and C, and A) with the same roles,
// role for role, as toJSON renders them.
func TestLiveBurstConverges(t *testing.T) {
	liveEach(t, liveFleet{n: 3, poll: 100 * time.Millisecond}, func(t *testing.T, nodes []*liveNode) {
		a, c := nodes[0], nodes[2]
		const roles = 20
		for i := range roles {
			liveCreateRole(t, a, fmt.Sprintf("role%02d", i))
		}
		if err := liveBurst(a, 0, 1000, roles); err != nil {
			t.Fatal(err)
		}
		liveWaitSameRoles(t, nodes)

		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, n := range []*liveNode{a, c} {
			wg.Go(func() { errs[i] = liveBurst(n, 1000+i*500, 500, roles) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		liveWaitSameRoles(t, []*liveNode{a, nodes[1], c})
		liveWaitSameRoles(t, []*liveNode{c, a})
	})
}

// liveBurst makes count changes through n, numbered from first: grants
// with varying fields on rotating roles and resources, a strategy change
// every tenth.
func liveBurst(n *liveNode, first, count, roles int) error {
	ctx := context.Background()
	actions := []string{"view", "create", "update", "destroy"}
	for i := first; i < first+count; i++ {
		role := fmt.Sprintf("role%02d", i%roles)
		var err error
		if i%10 == 0 {
			err = n.store.SetStrategy(ctx, role, &acl.StrategyOptions{Actions: actions[:1+i/10%len(actions)]})
		} else {
			path := fmt.Sprintf("res%02d:%s", i%37, actions[i%len(actions)])
			err = n.store.Grant(ctx, role, path, acl.Params{"fields": []string{fmt.Sprintf("f%d", i)}})
		}
		if err != nil {
			return fmt.Errorf("change %d (%s): %w", i, role, err)
		}
	}
	return nil
}

// TestLiveRollbackSendsNothing: a write the ACL refuses after it logged
// its change (a role whose stored grant has an unknown param key) is
// rolled back, and its change never reaches B: neither as a log row nor,
// on PostgreSQL, as a notification.
func TestLiveRollbackSendsNothing(t *testing.T) {
	liveEach(t, liveFleet{n: 2, poll: 100 * time.Millisecond}, func(t *testing.T, nodes []*liveNode) {
		ctx := context.Background()
		a, b := nodes[0], nodes[1]
		heard := liveHear(t, a)
		liveCreateRole(t, a, "broken")
		if err := a.store.Grant(ctx, "broken", "posts:view", nil); err != nil {
			t.Fatal(err)
		}
		liveWaitCan(t, b.acl, "broken", "posts", "list", true, liveConverge)
		// A row the ACL refuses, written behind the store's back: the next
		// write to the role rebuilds it and must roll back.
		_, err := a.db.NewUpdate().Model((*RoleResourceAction)(nil)).
			Set("params = ?", `{"bogus": true}`).Where("name = ?", "view").Exec(ctx)
		if err != nil {
			t.Fatal(err)
		}
		before := liveCountChanges(t, a)

		if err := a.store.Grant(ctx, "broken", "posts:update", nil); err == nil {
			t.Fatal("Grant on a role with a refused row succeeded")
		}
		if after := liveCountChanges(t, a); after != before {
			t.Fatalf("change log has %d rows after the failed write, %d before", after, before)
		}
		// A later write B hears proves B heard everything before it.
		liveCreateRole(t, a, "marker")
		liveEventually(t, "B defines marker", func() bool { _, ok := b.acl.GetRole("marker"); return ok })
		if _, ok := b.acl.Can(acl.CanArgs{Role: "broken", Resource: "posts", Action: "update"}); ok {
			t.Error("B allows the rolled-back grant")
		}
		if heard != nil {
			liveEventually(t, "the marker's notification", func() bool { return slices.Contains(heard(), "marker") })
			if got := heard(); liveCountName(got, "broken") != 2 {
				t.Errorf("notifications: %v; want broken twice (CreateRole, the first Grant), the failed write sends none", got)
			}
		}
	})
}

func liveCountName(names []string, name string) int {
	n := 0
	for _, v := range names {
		if v == name {
			n++
		}
	}
	return n
}

func liveCountChanges(t testing.TB, n *liveNode) int64 {
	t.Helper()
	count, err := n.db.NewSelect().Model((*Change)(nil)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return count
}

// TestLiveWatchStops: Watch returns nil when its context ends, and
// starting and stopping it leaves no goroutine behind.
func TestLiveWatchStops(t *testing.T) {
	liveEach(t, liveFleet{n: 1, poll: 20 * time.Millisecond, noWatch: true}, func(t *testing.T, nodes []*liveNode) {
		n := nodes[0]
		run := func() {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- n.store.Watch(ctx) }()
			if n.app != "" {
				liveListenerPID(t, n)
			} else {
				time.Sleep(50 * time.Millisecond) // a few polls
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Watch returned %v, want nil", err)
				}
			case <-time.After(liveConverge):
				t.Fatal("Watch did not return after its context ended")
			}
		}
		run() // warms the pool, whose goroutines stay
		base := runtime.NumGoroutine()
		for range 5 {
			run()
		}
		var now int
		liveEventually(t, "goroutines back to the baseline", func() bool {
			now = runtime.NumGoroutine()
			return now <= base
		})
		t.Logf("goroutines: %d before 5 Watch runs, %d after", base, now)
	})
}

// TestLiveOwnChanges: the ids a store logs are its own until Watch takes
// them, forgetUpTo drops the ones a Load covered, and the set stays
// bounded.
func TestLiveOwnChanges(t *testing.T) {
	o := &ownChanges{ids: map[int64]struct{}{}}
	o.add(3)
	o.add(9)
	if !o.take(3) || o.take(3) {
		t.Error("take(3) must report true once")
	}
	o.forgetUpTo(9)
	if o.take(9) {
		t.Error("9 survived forgetUpTo(9)")
	}
	for i := range int64(maxOwnChanges + 10) {
		o.add(i)
	}
	if len(o.ids) > maxOwnChanges {
		t.Errorf("%d ids remembered, limit %d", len(o.ids), maxOwnChanges)
	}
}

// TestLiveReadFailureReloads: while B cannot read the change log, a role
// is changed behind every store's back (no change logged); once B reads
// again it reloads every role, and so has the change.
func TestLiveReadFailureReloads(t *testing.T) {
	liveEach(t, liveFleet{n: 2, poll: 50 * time.Millisecond, noWatch: true}, func(t *testing.T, nodes []*liveNode) {
		ctx := context.Background()
		a, b := nodes[0], nodes[1]
		logs := &liveLogs{}
		b.store.log = slog.New(logs)
		liveWatch(t, b)
		liveCreateRole(t, a, "member")
		liveEventually(t, "B defines member", func() bool { _, ok := b.acl.GetRole("member"); return ok })

		liveExec(t, a, `ALTER TABLE "aclChanges" RENAME TO "aclChangesAway"`)
		liveEventually(t, "B logs a failed read", func() bool { return logs.has("aclstore: read the change log") })
		_, err := a.db.NewUpdate().Model((*Role)(nil)).Set("strategy = ?", `{"actions":["view"]}`).Where("name = ?", "member").Exec(ctx)
		if err != nil {
			t.Fatal(err)
		}
		liveExec(t, a, `ALTER TABLE "aclChangesAway" RENAME TO "aclChanges"`)
		liveWaitCan(t, b.acl, "member", "posts", "list", true, liveConverge)
	})
}

func liveExec(t testing.TB, n *liveNode, query string) {
	t.Helper()
	if _, err := n.db.ExecContext(context.Background(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// TestLivePruneChanges: pruning deletes the log rows older than the
// retention and keeps the recent ones.
func TestLivePruneChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := CreateTables(ctx, db); err != nil {
			t.Fatal(err)
		}
		s := New(db, liveNewACL(t), Options{})
		old := &Change{Kind: ChangeRole, Name: "old", CreatedAt: time.Now().UTC().Add(-changeRetention - time.Minute)}
		if _, err := db.NewInsert().Model(old).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.logChange(ctx, db, ChangeRole, "recent"); err != nil {
			t.Fatal(err)
		}
		if err := s.pruneChanges(ctx); err != nil {
			t.Fatal(err)
		}
		var names []string
		if err := db.NewSelect().Model((*Change)(nil)).Column("name").Scan(ctx, &names); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names, []string{"recent"}) {
			t.Errorf("after pruning the log holds %v, want [recent]", names)
		}
	})
}

// TestLiveLogChangeRefusesUnknownKind: a kind Watch would not know is
// refused before anything is written.
func TestLiveLogChangeRefusesUnknownKind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := CreateTables(ctx, db); err != nil {
			t.Fatal(err)
		}
		s := New(db, liveNewACL(t), Options{})
		if _, err := s.logChange(ctx, db, "roles", "editor"); !errors.Is(err, ErrInvalid) {
			t.Fatalf("logChange(kind roles) = %v, want ErrInvalid", err)
		}
		if n := liveCountChanges(t, &liveNode{db: db}); n != 0 {
			t.Errorf("%d rows logged, want 0", n)
		}
	})
}
