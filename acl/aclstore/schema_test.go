package aclstore_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// TestCoreSharedTables: the users package and the store create the tables
// they share (roles, rolesUsers) in either order, and what one writes the
// other reads: a role and a membership written through users' models are
// loaded, answered and listed by the store, and a role the store creates
// is read by users' model.
func TestCoreSharedTables(t *testing.T) {
	orders := map[string][]func(context.Context, *bun.DB) error{
		"users first": {coreUsersTables, aclstore.CreateTables},
		"store first": {aclstore.CreateTables, coreUsersTables},
	}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				ctx := context.Background()
				for _, create := range order {
					if err := create(ctx, db); err != nil {
						t.Fatal(err)
					}
				}
				// Twice: CreateTables is idempotent in either order.
				for _, create := range order {
					if err := create(ctx, db); err != nil {
						t.Fatalf("second run: %v", err)
					}
				}
				viaUsers := &users.Role{Name: "member", Title: "Member", Strategy: map[string]any{"actions": []any{"view"}}, Default: true}
				if _, err := db.NewInsert().Model(viaUsers).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := db.NewInsert().Model(&users.RoleUser{UserID: 9, RoleName: "member"}).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				s := aclstore.New(db, coreACL(t), aclstore.Options{})
				if err := s.Load(ctx); err != nil {
					t.Fatal(err)
				}
				got, err := s.Role(ctx, "member")
				if err != nil {
					t.Fatal(err)
				}
				if !cmp.Equal(got.Strategy, &acl.StrategyOptions{Actions: []string{"view"}}) || !cmp.Equal(got.Snippets, []string{}) || !got.Default {
					t.Errorf("the store reads users' role as %+v", got)
				}
				if !coreCan(s.ACL(), "member", "posts", "list") {
					t.Error("users' role was not loaded into the ACL")
				}
				if roles, _ := s.RolesOf(ctx, 9); !cmp.Equal(roles, []string{"member"}) {
					t.Errorf("RolesOf(9) = %v", roles)
				}
				if err := s.CreateRole(ctx, &aclstore.Role{Name: "admin", Snippets: []string{"pm.*"}}); err != nil {
					t.Fatal(err)
				}
				var back users.Role
				if err := db.NewSelect().Model(&back).Where("name = 'admin'").Scan(ctx); err != nil {
					t.Fatal(err)
				}
				if !cmp.Equal(back.Snippets, []string{"pm.*"}) {
					t.Errorf("users reads the store's role as %+v", back)
				}
			})
		})
	}
}

func coreUsersTables(ctx context.Context, db *bun.DB) error {
	return users.CreateTables(ctx, db, users.Options{})
}
