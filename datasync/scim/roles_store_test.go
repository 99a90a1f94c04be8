package scim_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/scim"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// TestRoleGroupsReachTheRoleStore: with the host's role store listening
// (users.Options.RolesListener), a role a SCIM group creates is loaded into
// the ACL and a member's roles change in the store's answers at once,
// though the store caches them.
func TestRoleGroupsReachTheRoleStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a := acl.New()
		store := aclstore.New(db, a, aclstore.Options{PollInterval: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
		m, err := users.NewSyncManager(ctx, db, users.Options{RolesListener: store}, datasync.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		if err := aclstore.CreateTables(ctx, db); err != nil {
			t.Fatal(err)
		}
		if err := store.Load(ctx); err != nil {
			t.Fatal(err)
		}
		watchCtx, stop := context.WithCancel(ctx)
		watched := make(chan error, 1)
		go func() { watched <- store.Watch(watchCtx) }()
		t.Cleanup(func() {
			stop()
			if err := <-watched; err != nil {
				t.Error(err)
			}
		})

		s := serveManager(t, db, m, scim.Options{Groups: scim.GroupsAsRoles})
		s.setPolicy(map[string]any{"roles": map[string]any{"create": true}})
		uid := s.createUser("ada")
		var userID int64
		if err := db.NewSelect().Model((*users.User)(nil)).Column("id").Where("username = 'ada'").Scan(ctx, &userID); err != nil {
			t.Fatal(err)
		}
		if roles, err := store.RolesOf(ctx, userID); err != nil || len(roles) != 0 {
			t.Fatalf("RolesOf(ada) = %v, %v before any group", roles, err) // and now cached
		}

		gid := s.createGroup("auditors")
		deadline := time.Now().Add(10 * time.Second)
		for _, ok := a.GetRole("auditors"); !ok; _, ok = a.GetRole("auditors") {
			if time.Now().After(deadline) {
				t.Fatal("the role the group created never reached the ACL")
			}
			time.Sleep(10 * time.Millisecond)
		}

		s.do("PATCH", "/Groups/"+gid, map[string]any{
			"schemas":    []string{scim.PatchOpURN},
			"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": uid}}}},
		}).want(t, http.StatusNoContent)
		if roles, err := store.RolesOf(ctx, userID); err != nil || !cmp.Equal(roles, []string{"auditors"}) {
			t.Errorf("RolesOf(ada) = %v, %v right after joining the group; want auditors", roles, err)
		}
	})
}
