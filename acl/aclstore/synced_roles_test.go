package aclstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"
)

// TestRolesWritten: a sync writing roles and rolesUsers itself tells the
// store inside its transaction; the writing store answers RolesOf afresh at
// once, the other store once its Watch hears the change, and both ACLs
// know the role the sync created. A rolled-back write changes nothing.
func TestRolesWritten(t *testing.T) {
	liveEach(t, liveFleet{n: 2, poll: 50 * time.Millisecond}, func(t *testing.T, nodes []*liveNode) {
		ctx := context.Background()
		writer, other := nodes[0], nodes[1]
		liveCreateRole(t, writer, "reader")
		if err := writer.store.AssignUser(ctx, 7, "reader"); err != nil {
			t.Fatal(err)
		}
		liveEventually(t, "the other store sees reader", func() bool {
			roles, err := other.store.RolesOf(ctx, 7)
			return err == nil && cmp.Equal(roles, []string{"reader"})
		})
		for _, n := range nodes { // both cache user 7's roles
			if roles, err := n.store.RolesOf(ctx, 7); err != nil || !cmp.Equal(roles, []string{"reader"}) {
				t.Fatalf("RolesOf(7) = %v, %v", roles, err)
			}
		}

		syncWrite := func(fail bool) error {
			return writer.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.NewInsert().Model(&Role{Name: "synced", Title: "Synced"}).Exec(ctx); err != nil {
					return err
				}
				if _, err := tx.NewDelete().Model((*RoleUser)(nil)).Where("? = 7", bun.Ident("userId")).Exec(ctx); err != nil {
					return err
				}
				if _, err := tx.NewInsert().Model(&RoleUser{UserID: 7, RoleName: "synced"}).Exec(ctx); err != nil {
					return err
				}
				if err := writer.store.RolesWritten(ctx, tx, []string{"synced"}, []int64{7}); err != nil {
					return err
				}
				if fail {
					return context.Canceled
				}
				return nil
			})
		}
		if err := syncWrite(true); err != context.Canceled {
			t.Fatalf("the failing write: %v", err)
		}
		if roles, err := writer.store.RolesOf(ctx, 7); err != nil || !cmp.Equal(roles, []string{"reader"}) {
			t.Errorf("after a rolled-back sync RolesOf(7) = %v, %v; want reader", roles, err)
		}

		if err := syncWrite(false); err != nil {
			t.Fatal(err)
		}
		if roles, err := writer.store.RolesOf(ctx, 7); err != nil || !cmp.Equal(roles, []string{"synced"}) {
			t.Errorf("the writing store's RolesOf(7) = %v, %v right after the sync; want synced", roles, err)
		}
		for _, n := range nodes {
			liveEventually(t, "each store sees the sync's role and user", func() bool {
				roles, err := n.store.RolesOf(ctx, 7)
				_, known := n.acl.GetRole("synced")
				return err == nil && cmp.Equal(roles, []string{"synced"}) && known
			})
		}
	})
}
