package aclstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
)

// coreACL is an ACL configured the way a host configures one before Load:
// the actions, the snippets NocoBase's default rules select ("!ui.*",
// "!pm", "!pm.*") and one more param key.
func coreACL(t testing.TB) *acl.ACL {
	t.Helper()
	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"get", "list"}})
	for _, name := range []string{"create", "update", "destroy", "export"} {
		a.SetAvailableAction(name, acl.ActionOptions{})
	}
	for name, patterns := range map[string][]string{
		"ui.schemas":   {"uiSchemas:*"},
		"pm":           {"pm:*"},
		"pm.acl.roles": {"roles:*"},
	} {
		if err := a.RegisterSnippetPatterns(name, patterns); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// coreStore creates the tables in db and returns a loaded store of a
// fresh coreACL.
func coreStore(t testing.TB, db *bun.DB) *aclstore.Store {
	t.Helper()
	ctx := context.Background()
	if err := aclstore.CreateTables(ctx, db); err != nil {
		t.Fatal(err)
	}
	s := aclstore.New(db, coreACL(t), aclstore.Options{})
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// coreRoleJSON is a role's NocoBase toJSON(), or "<none>".
func coreRoleJSON(t testing.TB, a *acl.ACL, name string) string {
	t.Helper()
	r, ok := a.GetRole(name)
	if !ok {
		return "<none>"
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// coreACLJSON are every role's toJSON(), by name.
func coreACLJSON(t testing.TB, a *acl.ACL) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range a.Roles() {
		out[name] = coreRoleJSON(t, a, name)
	}
	return out
}

// coreRows are the rows of the store's tables without the times, which
// every write moves: what a failed write must leave as it was.
type coreRows struct {
	Roles     []aclstore.Role
	Resources []aclstore.RoleResource
	Actions   []aclstore.RoleResourceAction
	Scopes    []aclstore.RoleResourceScope
	Users     []aclstore.RoleUser
	Changes   int64
}

func coreReadRows(t testing.TB, db *bun.DB) coreRows {
	t.Helper()
	ctx := context.Background()
	var rows coreRows
	for _, q := range []*bun.SelectQuery{
		db.NewSelect().Model(&rows.Roles).Order("name"),
		db.NewSelect().Model(&rows.Resources).Order("id"),
		db.NewSelect().Model(&rows.Actions).Order("id"),
		db.NewSelect().Model(&rows.Scopes).Order("id"),
		db.NewSelect().Model(&rows.Users).Order("userId", "roleName"),
	} {
		if err := q.Scan(ctx); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.NewSelect().Model((*aclstore.Change)(nil)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows.Changes = n
	return rows
}

// coreCan reports whether role may run resource:action.
func coreCan(a *acl.ACL, role, resource, action string) bool {
	_, ok := a.Can(acl.CanArgs{Role: role, Resource: resource, Action: action})
	return ok
}

// coreStatus is the HTTP status an error carries.
func coreStatus(err error) int {
	var e interface{ HTTPStatus() int }
	if errors.As(err, &e) {
		return e.HTTPStatus()
	}
	return 0
}
