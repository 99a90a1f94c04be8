package users_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// plannedElsewhere is a roles resource whose plans come another way than
// from its own PlanBatch on the chunk it applies: it plans a dry-run copy
// of the chunk, which keeps no work for the apply.
type plannedElsewhere struct{ *users.RolesSyncResource }

func (r plannedElsewhere) PlanBatch(ctx context.Context, db bun.IDB, b *datasync.Batch) (*datasync.ResourcePlan, error) {
	dry := *b
	dry.DryRun = true
	return r.RolesSyncResource.PlanBatch(ctx, db, &dry)
}

// An apply whose plan PlanBatch did not make for its chunk works out the
// plan's side work again: the source's link to a role removed by hand,
// and no longer listed, is still dropped.
func TestSyncRolesApplyOfAPlanMadeElsewhere(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addRoles(t, "admin", "member")
		e.push(t, datasync.DataTypeUser, withRoles("u", "n0", "admin", "member"))
		u := e.userID(t, "u")
		if _, err := db.NewDelete().Model((*users.RoleUser)(nil)).
			Where("?TableAlias.? = ? AND ?TableAlias.? = ?", bun.Ident("userId"), u, bun.Ident("roleName"), "member").Exec(e.ctx); err != nil {
			t.Fatal(err)
		}

		m := datasync.NewManager(db, datasync.Options{Logger: slog.New(slog.DiscardHandler)})
		if err := m.RegisterResource(users.NewUsersSyncResource(users.Options{}), datasync.RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
		roles := plannedElsewhere{users.NewRolesSyncResource(users.Options{})}
		if err := m.RegisterResource(roles, datasync.RegisterOptions{After: []string{"users"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeUser, withRoles("u", "n1", "admin"))); err != nil {
			t.Fatal(err)
		}
		e.wantRoles(t, u, "admin")
		if got, want := e.roleLinks(t, "api"), []string{fmt.Sprintf("u %d:admin", u)}; !slices.Equal(got, want) {
			t.Fatalf("links %v, want %v", got, want)
		}
	})
}
