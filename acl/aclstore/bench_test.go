package aclstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// The size of the benchmark: 100 roles × 200 resources × 4
// actions, 80,000 grants.
const (
	coreBenchRoles     = 100
	coreBenchResources = 200
)

// coreBenchEach runs fn on SQLite and, when configured, PostgreSQL, each
// with the tables seeded once.
func coreBenchEach(b *testing.B, fn func(b *testing.B, s *Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, coreBenchStore(b, dbtest.SQLite(b))) })
	b.Run("pg", func(b *testing.B) { fn(b, coreBenchStore(b, dbtest.Postgres(b))) })
}

func coreBenchACL() *acl.ACL {
	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"get", "list"}})
	for _, name := range []string{"create", "update", "destroy"} {
		a.SetAvailableAction(name, acl.ActionOptions{})
	}
	for _, name := range []string{"ui.schemas", "pm", "pm.acl.roles"} {
		if err := a.RegisterSnippetPatterns(name, []string{name + ":*"}); err != nil {
			panic(err)
		}
	}
	return a
}

// coreBenchStore seeds db with the benchmark's roles in bulk inserts.
func coreBenchStore(b *testing.B, db *bun.DB) *Store {
	b.Helper()
	ctx := context.Background()
	if err := CreateTables(ctx, db); err != nil {
		b.Fatal(err)
	}
	own := int64(2)
	for r := range coreBenchRoles {
		role := fmt.Sprintf("role%03d", r)
		row := &Role{Name: role, Strategy: &acl.StrategyOptions{Actions: []string{"view"}}, Snippets: []string{}}
		if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
			b.Fatal(err)
		}
		resources := make([]RoleResource, coreBenchResources)
		for i := range resources {
			resources[i] = RoleResource{RoleName: role, Name: fmt.Sprintf("collection%03d", i), UsingActionsConfig: true}
		}
		if _, err := db.NewInsert().Model(&resources).Returning("id").Exec(ctx); err != nil {
			b.Fatal(err)
		}
		actions := make([]RoleResourceAction, 0, 4*len(resources))
		for _, res := range resources {
			actions = append(actions,
				RoleResourceAction{RolesResourceID: res.ID, Name: "view", Fields: []string{"id", "title", "body"}},
				RoleResourceAction{RolesResourceID: res.ID, Name: "create", Params: acl.Params{"appends": []any{"tags"}}},
				RoleResourceAction{RolesResourceID: res.ID, Name: "update", ScopeID: &own},
				RoleResourceAction{RolesResourceID: res.ID, Name: "destroy"},
			)
		}
		if _, err := db.NewInsert().Model(&actions).Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if db.Dialect().Name() == dialect.PG {
		// What autovacuum does soon after a bulk load: without statistics
		// the planner reads every action row to find one role's.
		if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	s := New(db, coreBenchACL(), Options{})
	if err := s.Load(ctx); err != nil {
		b.Fatal(err)
	}
	if n := len(s.acl.Roles()); n != coreBenchRoles {
		b.Fatalf("%d roles loaded, want %d", n, coreBenchRoles)
	}
	return s
}

// BenchmarkLoad reads and compiles the whole role set: what a process
// pays at start-up and after a lost listener connection.
func BenchmarkLoad(b *testing.B) {
	coreBenchEach(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Load(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReloadOneRole reads and swaps in one role of the set (800
// grants): what a store pays for another process's change to a role.
func BenchmarkReloadOneRole(b *testing.B) {
	coreBenchEach(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			s.writeMu.Lock()
			err := s.reloadRoles(ctx, s.db, []string{"role050"})
			s.writeMu.Unlock()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGrant is one write: the transaction, the change log row, the
// role rebuilt from its rows and checked, the commit and the swap.
func BenchmarkGrant(b *testing.B) {
	coreBenchEach(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if err := s.Grant(ctx, "role050", "collection007:update", acl.Params{"fields": []string{fmt.Sprint("f", i%2)}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
