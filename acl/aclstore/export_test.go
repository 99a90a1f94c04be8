package aclstore_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// ioACL is the code side of a host: actions, a named strategy, snippets
// (those NocoBase's default rules select, and a few more) and a param key.
// Every store of these tests, source and target, is configured by it.
func ioACL(t testing.TB) *acl.ACL {
	t.Helper()
	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"get", "list"}})
	for _, name := range []string{"create", "update", "destroy", "export"} {
		a.SetAvailableAction(name, acl.ActionOptions{})
	}
	if err := a.SetAvailableStrategy("member", acl.StrategyOptions{Actions: []string{"view", "update:own"}}); err != nil {
		t.Fatal(err)
	}
	for _, sn := range []acl.Snippet{
		{Name: "ui.schemas", Actions: []string{"uiSchemas:*"}},
		{Name: "pm", Actions: []string{"pm:*"}},
		{Name: "pm.acl.roles", Actions: []string{"roles:*"}},
		{Name: "pm.users", Actions: []string{"users:*"}},
		{Name: "app.backup", Actions: []string{"backups:*"}},
	} {
		if err := a.RegisterSnippet(sn); err != nil {
			t.Fatal(err)
		}
	}
	a.RegisterParamKeys("pageSize")
	return a
}

// ioStore creates the tables in db and returns a loaded store of a fresh
// ioACL.
func ioStore(t testing.TB, db *bun.DB) *aclstore.Store {
	t.Helper()
	ctx := context.Background()
	if err := aclstore.CreateTables(ctx, db); err != nil {
		t.Fatal(err)
	}
	s := aclstore.New(db, ioACL(t), aclstore.Options{})
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// ioFreshDB is another empty database of db's kind.
func ioFreshDB(t *testing.T, db *bun.DB) *bun.DB {
	t.Helper()
	if db.Dialect().Name() == dialect.PG {
		return dbtest.Postgres(t)
	}
	return dbtest.SQLite(t)
}

// ioFill writes a realistic configuration through the store's write API:
// grants with fields, a shared scope, own and a registered param key; a
// resource whose actions are kept but inactive; a resource configured
// with no actions; an inline strategy; snippet rules; a default role; a
// user.
func ioFill(t *testing.T, s *aclstore.Store) {
	t.Helper()
	ctx := acl.WithUser(context.Background(), 42)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	published := &aclstore.RoleResourceScope{Key: "published", Name: "Published", Scope: acl.Params{"status": "published"}}
	must(s.CreateScope(ctx, published))
	must(s.CreateRole(ctx, &aclstore.Role{Name: "root", Title: "Root", Snippets: []string{"pm.*", "ui.*"}, Sort: 0}))
	must(s.CreateRole(ctx, &aclstore.Role{Name: "member", Title: "Member", Description: "Everyone signed in",
		Strategy: &acl.StrategyOptions{Actions: []string{"view", "update:own"}}, Default: true, Sort: 1}))
	must(s.CreateRole(ctx, &aclstore.Role{Name: "editor", Title: "Editor", AllowConfigure: true, AllowNewMenu: true, Sort: 2,
		Snippets: []string{"!ui.*", "!pm", "!pm.*", "pm.users"}}))
	must(s.CreateRole(ctx, &aclstore.Role{Name: "auditor", Title: "Auditor", Hidden: true, Sort: 3, Snippets: []string{}}))
	must(s.Grant(ctx, "editor", "posts:update", acl.Params{"fields": []string{"title", "body"}, "filter": acl.Params{"status": "draft"}}))
	must(s.Grant(ctx, "editor", "posts:view", acl.Params{"pageSize": 50}))
	must(s.Grant(ctx, "editor", "posts:destroy", acl.Params{"own": true}))
	must(s.SetResource(ctx, "editor", aclstore.ResourceConfig{Name: "comments", UsingActionsConfig: true,
		Actions: []aclstore.ActionConfig{{Name: "view", ScopeID: &published.ID}, {Name: "create", Fields: []string{"body"}}}}))
	must(s.SetResource(ctx, "editor", aclstore.ResourceConfig{Name: "tags", UsingActionsConfig: false,
		Actions: []aclstore.ActionConfig{{Name: "destroy", Params: acl.Params{"own": true}}}}))
	must(s.SetResource(ctx, "auditor", aclstore.ResourceConfig{Name: "secrets", UsingActionsConfig: true}))
	must(s.Grant(ctx, "auditor", "posts:export", nil))
	must(s.AssignUser(ctx, 7, "editor"))
}

// ioExport exports and fails the test on error.
func ioExport(t *testing.T, s *aclstore.Store) *aclstore.RoleSet {
	t.Helper()
	set, err := s.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// ioViaJSON is the set as another environment reads it: marshalled and
// parsed back.
func ioViaJSON(t *testing.T, set *aclstore.RoleSet) *aclstore.RoleSet {
	t.Helper()
	raw, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	back, err := aclstore.ParseRoleSet(raw)
	if err != nil {
		t.Fatalf("ParseRoleSet of an export: %v\n%s", err, raw)
	}
	return back
}

// ioACLJSON are the toJSON() of every role of a, by name.
func ioACLJSON(t testing.TB, a *acl.ACL) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range a.Roles() {
		r, _ := a.GetRole(name)
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(raw)
	}
	return out
}

// TestExportImportRoundTrip moves a configuration to a fresh database:
// the second export equals the first, the target's ACL answers as the
// source's does, and a third store loading the target ("restarted") too.
func TestExportImportRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		src := ioStore(t, db)
		ioFill(t, src)
		first := ioExport(t, src)

		targetDB := ioFreshDB(t, db)
		dst := ioStore(t, targetDB)
		res, err := dst.Import(ctx, ioViaJSON(t, first), aclstore.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"auditor", "editor", "member", "root"}, res.Created); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		second := ioExport(t, dst)
		if diff := cmp.Diff(ioViaJSON(t, first), ioViaJSON(t, second)); diff != "" {
			t.Errorf("export after import differs (-first +second):\n%s", diff)
		}
		if diff := cmp.Diff(ioACLJSON(t, src.ACL()), ioACLJSON(t, dst.ACL())); diff != "" {
			t.Errorf("target ACL differs from source (-src +dst):\n%s", diff)
		}
		restarted := aclstore.New(targetDB, ioACL(t), aclstore.Options{})
		if err := restarted.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ioACLJSON(t, src.ACL()), ioACLJSON(t, restarted.ACL())); diff != "" {
			t.Errorf("reloaded target differs from source (-src +reloaded):\n%s", diff)
		}
	})
}

// TestExportShape checks what an export says of the configuration: the
// roles row columns, grants as the ACL holds them, inactive actions and
// empty resources kept, only the snippets the rules select, scopes by key,
// and byte-equal output on a second export.
func TestExportShape(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := ioStore(t, db)
		ioFill(t, s)
		set := ioExport(t, s)
		raw, err := json.Marshal(set)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := json.Marshal(ioExport(t, s))
		if string(raw) != string(again) {
			t.Errorf("two exports differ:\n%s\n%s", raw, again)
		}
		var names []string
		for _, r := range set.Roles {
			names = append(names, r.Role)
		}
		if diff := cmp.Diff([]string{"auditor", "editor", "member", "root"}, names); diff != "" {
			t.Errorf("roles not sorted by name (-want +got):\n%s", diff)
		}
		editor := ioRoleOf(t, set, "editor")
		wantActions := map[string]acl.Params{
			"posts:update":    {"fields": []string{"title", "body"}, "filter": map[string]any{"status": "draft"}},
			"posts:view":      {"pageSize": float64(50)},
			"posts:destroy":   {"own": true},
			"comments:view":   {"filter": map[string]any{"status": "published"}},
			"comments:create": {"fields": []string{"body"}},
		}
		if diff := cmp.Diff(wantActions, editor.Actions); diff != "" {
			t.Errorf("editor actions (-want +got):\n%s", diff)
		}
		wantResources := []aclstore.ResourceJSON{
			{Name: "comments", UsingActionsConfig: true},
			{Name: "posts", UsingActionsConfig: true},
			{Name: "tags", InactiveActions: map[string]acl.Params{"destroy": {"own": true}}},
		}
		if diff := cmp.Diff(wantResources, editor.Resources); diff != "" {
			t.Errorf("editor resources (-want +got):\n%s", diff)
		}
		if !editor.AllowConfigure || !editor.AllowNewMenu || editor.Title != "Editor" || editor.Sort != 2 {
			t.Errorf("editor columns lost: %+v", editor)
		}
		auditor := ioRoleOf(t, set, "auditor")
		if diff := cmp.Diff([]aclstore.ResourceJSON{{Name: "posts", UsingActionsConfig: true}, {Name: "secrets", UsingActionsConfig: true}}, auditor.Resources); diff != "" {
			t.Errorf("auditor resources: a resource configured with no actions must be kept (-want +got):\n%s", diff)
		}
		member := ioRoleOf(t, set, "member")
		if !member.Default || member.Strategy == nil || member.Strategy.Options == nil || member.Description != "Everyone signed in" {
			t.Errorf("member: default, strategy or description lost: %+v", member)
		}
		var snippets []string
		for _, sn := range set.Snippets {
			snippets = append(snippets, sn.Name)
		}
		// app.backup is registered but no rule selects it.
		if diff := cmp.Diff([]string{"pm", "pm.acl.roles", "pm.users", "ui.schemas"}, snippets); diff != "" {
			t.Errorf("snippets (-want +got):\n%s", diff)
		}
		var keys []string
		for _, sc := range set.Scopes {
			keys = append(keys, sc.Key)
		}
		// Grant made a scope of its own for the draft filter.
		if !slices.IsSorted(keys) || len(keys) != 4 || !slices.Contains(keys, "all") || !slices.Contains(keys, "own") || !slices.Contains(keys, "published") {
			t.Errorf("scopes: want all, own, published and the draft filter's, sorted by key; got %v", keys)
		}
	})
}

func ioRoleOf(t *testing.T, set *aclstore.RoleSet, name string) aclstore.RoleJSON {
	t.Helper()
	for _, r := range set.Roles {
		if r.Role == name {
			return r
		}
	}
	t.Fatalf("set has no role %q", name)
	return aclstore.RoleJSON{}
}

// TestExportImportAcrossDatabases moves a configuration from SQLite to
// PostgreSQL and back: the exports of all three are equal.
func TestExportImportAcrossDatabases(t *testing.T) {
	ctx := context.Background()
	src := ioStore(t, dbtest.SQLite(t))
	ioFill(t, src)
	first := ioViaJSON(t, ioExport(t, src))
	pg := ioStore(t, dbtest.Postgres(t))
	if _, err := pg.Import(ctx, first, aclstore.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	second := ioViaJSON(t, ioExport(t, pg))
	back := ioStore(t, dbtest.SQLite(t))
	if _, err := back.Import(ctx, second, aclstore.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	third := ioViaJSON(t, ioExport(t, back))
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("SQLite -> PostgreSQL changed the export (-sqlite +pg):\n%s", diff)
	}
	if diff := cmp.Diff(second, third); diff != "" {
		t.Errorf("PostgreSQL -> SQLite changed the export (-pg +sqlite):\n%s", diff)
	}
}
