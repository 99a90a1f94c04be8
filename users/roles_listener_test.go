package users_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// heardRoles records what a RolesListener is told, and checks each call
// comes inside the writing transaction (the role rows it names are there).
type heardRoles struct {
	mu    sync.Mutex
	calls [][2]any // roles, user ids
	seen  []string // the roles of the first user named, as tx sees them
}

func (h *heardRoles) RolesWritten(ctx context.Context, tx bun.IDB, roles []string, userIDs []int64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, [2]any{roles, userIDs})
	h.seen = nil
	if len(userIDs) > 0 {
		if err := tx.NewSelect().Model((*users.RoleUser)(nil)).Column("roleName").
			Where("? = ?", bun.Ident("userId"), userIDs[0]).Order("roleName").Scan(ctx, &h.seen); err != nil {
			return err
		}
	}
	return nil
}

// TestRolesListener: the roles resource tells the database's listener,
// inside its transaction, of the roles a source created and of the users
// whose roles it gave or took — and of nothing when roles did not change.
func TestRolesListener(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		heard := &heardRoles{}
		e := newDsyncEnv(t, db, users.Options{RolesListener: heard}, datasync.Options{})
		e.addRoles(t, "member")
		e.setOptions(t, "api", map[string]any{"roles": map[string]any{"create": true}})

		e.push(t, datasync.DataTypeUser, withRoles("u1", "one", "member", "brand-new"))
		u := e.userID(t, "u1")
		want := [][2]any{{[]string{"brand-new"}, []int64{u}}}
		if diff := cmp.Diff(want, heard.calls); diff != "" {
			t.Fatalf("calls (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"brand-new", "member"}, heard.seen); diff != "" {
			t.Errorf("the listener did not see the transaction's rows (-want +got):\n%s", diff)
		}

		e.push(t, datasync.DataTypeUser, withRoles("u1", "renamed", "member", "brand-new"))
		if len(heard.calls) != 1 {
			t.Errorf("a sync that changed no roles told the listener: %v", heard.calls[1:])
		}
		e.push(t, datasync.DataTypeUser, withRoles("u1", "renamed"))
		want = append(want, [2]any{[]string{}, []int64{u}})
		if diff := cmp.Diff(want, heard.calls); diff != "" {
			t.Fatalf("calls (-want +got):\n%s", diff)
		}
	})
}
