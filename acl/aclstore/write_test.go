package aclstore_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// coreNoTimes leaves the times out of row comparisons.
var coreNoTimes = cmpopts.IgnoreTypes(aclstore.Timestamps{})

// TestCoreCreateRole: a created role is in the table with NocoBase's
// default snippets and its author, and in the ACL; a taken name or title
// is 409, an empty name 400.
func TestCoreCreateRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := coreStore(t, db)
		ctx := acl.WithUser(context.Background(), 7)
		r := &aclstore.Role{Name: "member", Title: "Member", Strategy: &acl.StrategyOptions{Actions: []string{"view"}}}
		if err := s.CreateRole(ctx, r); err != nil {
			t.Fatal(err)
		}
		got, err := s.Role(ctx, "member")
		if err != nil {
			t.Fatal(err)
		}
		want := aclstore.Role{Name: "member", Title: "Member", Strategy: &acl.StrategyOptions{Actions: []string{"view"}},
			Snippets: []string{}, Audit: aclstore.Audit{CreatedByID: corePtr(int64(7)), UpdatedByID: corePtr(int64(7))}}
		if diff := cmp.Diff(want, *got, coreNoTimes, cmpopts.IgnoreFields(aclstore.Role{}, "BaseModel")); diff != "" {
			t.Errorf("stored role (-want +got):\n%s", diff)
		}
		if got.CreatedAt.IsZero() {
			t.Error("createdAt is not set")
		}
		if want := `{"role":"member","strategy":{"actions":["view"],"allowConfigure":false},"actions":{},"snippets":[]}`; coreRoleJSON(t, s.ACL(), "member") != want {
			t.Errorf("ACL role = %s, want %s", coreRoleJSON(t, s.ACL(), "member"), want)
		}
		for _, c := range []struct {
			role   *aclstore.Role
			kind   error
			status int
		}{
			{&aclstore.Role{Name: "member"}, aclstore.ErrRoleExists, http.StatusConflict},
			{&aclstore.Role{Name: "other", Title: "Member"}, aclstore.ErrRoleExists, http.StatusConflict},
			{&aclstore.Role{Name: ""}, aclstore.ErrInvalid, http.StatusBadRequest},
		} {
			err := s.CreateRole(ctx, c.role)
			if !errors.Is(err, c.kind) || coreStatus(err) != c.status {
				t.Errorf("CreateRole(%q, title %q) = %v (status %d), want %v (%d)", c.role.Name, c.role.Title, err, coreStatus(err), c.kind, c.status)
			}
		}
		if _, ok := s.ACL().GetRole("other"); ok {
			t.Error("a role whose insert failed is in the ACL")
		}
	})
}

// TestCoreUpdateRole: only the columns named change; an unknown column is
// refused naming it; a missing role is 404; making a role the default
// takes the flag from the other.
func TestCoreUpdateRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := coreStore(t, db)
		ctx := context.Background()
		for _, r := range []*aclstore.Role{{Name: "a", Title: "A", Default: true}, {Name: "b", Title: "B", Description: "kept"}} {
			if err := s.CreateRole(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		err := s.UpdateRole(acl.WithUser(ctx, "42"), &aclstore.Role{Name: "b", Title: "Bee", Description: "ignored", Default: true, Strategy: &acl.StrategyOptions{Actions: []string{"view"}}}, "title", "default", "strategy")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := s.Role(ctx, "b")
		if b.Title != "Bee" || b.Description != "kept" || !b.Default || b.UpdatedByID == nil || *b.UpdatedByID != 42 {
			t.Errorf("after UpdateRole b = %+v", b)
		}
		if a, _ := s.Role(ctx, "a"); a.Default {
			t.Error("a is still the default role")
		}
		if !coreCan(s.ACL(), "b", "posts", "list") {
			t.Error("the new strategy does not apply in the ACL")
		}
		err = s.UpdateRole(ctx, &aclstore.Role{Name: "b"}, "titel")
		if !errors.Is(err, aclstore.ErrInvalid) || !strings.Contains(err.Error(), "titel") {
			t.Errorf("unknown column: %v", err)
		}
		if err := s.UpdateRole(ctx, &aclstore.Role{Name: "nosuch"}, "title"); !errors.Is(err, aclstore.ErrRoleNotFound) || coreStatus(err) != http.StatusNotFound {
			t.Errorf("missing role: %v", err)
		}
	})
}

// TestCoreDeleteRole: the role goes with its resources, actions and
// memberships, from the tables and the ACL; root stays.
func TestCoreDeleteRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := coreStore(t, db)
		ctx := context.Background()
		for _, name := range []string{"root", "temp", "keep"} {
			if err := s.CreateRole(ctx, &aclstore.Role{Name: name}); err != nil {
				t.Fatal(err)
			}
			if err := s.Grant(ctx, name, "posts:view", acl.Params{"fields": []string{"title"}}); err != nil {
				t.Fatal(err)
			}
			if err := s.AssignUser(ctx, 1, name); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteRole(ctx, "temp"); err != nil {
			t.Fatal(err)
		}
		rows := coreReadRows(t, db)
		if len(rows.Roles) != 2 || len(rows.Resources) != 2 || len(rows.Actions) != 2 || len(rows.Users) != 2 {
			t.Errorf("after DeleteRole: %d roles, %d resources, %d actions, %d memberships; want 2 of each",
				len(rows.Roles), len(rows.Resources), len(rows.Actions), len(rows.Users))
		}
		if _, ok := s.ACL().GetRole("temp"); ok {
			t.Error("temp is still in the ACL")
		}
		if roles, _ := s.RolesOf(ctx, 1); !cmp.Equal(roles, []string{"keep", "root"}) {
			t.Errorf("RolesOf after DeleteRole = %v", roles)
		}
		if err := s.DeleteRole(ctx, "root"); !errors.Is(err, aclstore.ErrRootRole) || coreStatus(err) != http.StatusBadRequest {
			t.Errorf("DeleteRole(root) = %v", err)
		}
		if err := s.DeleteRole(ctx, "temp"); !errors.Is(err, aclstore.ErrRoleNotFound) {
			t.Errorf("DeleteRole of a deleted role = %v", err)
		}
	})
}

// TestCoreGrantRevoke: a grant is stored in NocoBase's columns (fields,
// a shared scope, params) and answers in the ACL as the params granted;
// granting the same filter again reuses its scope; Revoke removes one
// action and keeps the others.
func TestCoreGrantRevoke(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := coreStore(t, db)
		ctx := context.Background()
		if err := s.CreateRole(ctx, &aclstore.Role{Name: "editor"}); err != nil {
			t.Fatal(err)
		}
		draft := acl.Params{"status": "draft"}
		grants := map[string]acl.Params{
			"posts:update": {"fields": []string{"title", "body"}, "filter": draft, "whitelist": []string{"title"}},
			"posts:view":   {"filter": draft},
			"posts:create": nil,
			"posts:list":   {"filter": acl.Params{"createdById": "{{ ctx.state.currentUser.id }}"}},
		}
		for path, p := range grants {
			if err := s.Grant(ctx, "editor", path, p); err != nil {
				t.Fatalf("Grant(%s): %v", path, err)
			}
		}
		want := coreACL(t)
		if _, err := want.Define(acl.RoleOptions{Name: "editor", Snippets: []string{}, Actions: grants}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(coreRoleJSON(t, want, "editor"), coreRoleJSON(t, s.ACL(), "editor")); diff != "" {
			t.Errorf("granted role (-defined +stored):\n%s", diff)
		}
		rows := coreReadRows(t, db)
		if len(rows.Scopes) != 3 { // all, own (reused by posts:list), draft (shared by update and view)
			t.Errorf("%d scopes, want 3: identical filters must share one", len(rows.Scopes))
		}
		if len(rows.Resources) != 1 || !rows.Resources[0].UsingActionsConfig {
			t.Errorf("resources = %+v, want one using its actions", rows.Resources)
		}
		if err := s.Revoke(ctx, "editor", "posts:update"); err != nil {
			t.Fatal(err)
		}
		if coreCan(s.ACL(), "editor", "posts", "update") || !coreCan(s.ACL(), "editor", "posts", "create") {
			t.Error("Revoke did not remove posts:update alone")
		}
		if err := s.Revoke(ctx, "editor", "posts:update"); !errors.Is(err, aclstore.ErrGrantNotFound) || coreStatus(err) != http.StatusNotFound {
			t.Errorf("revoking a revoked grant = %v", err)
		}
		if err := s.Revoke(ctx, "nosuch", "posts:view"); !errors.Is(err, aclstore.ErrRoleNotFound) {
			t.Errorf("revoking from a missing role = %v", err)
		}
	})
}

// TestCoreResources: SetResource replaces a resource's configuration,
// Resources reads it back, RemoveResource hands the resource back to the
// strategy.
func TestCoreResources(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := coreStore(t, db)
		ctx := context.Background()
		if err := s.CreateRole(ctx, &aclstore.Role{Name: "member", Strategy: &acl.StrategyOptions{Actions: []string{"view"}}}); err != nil {
			t.Fatal(err)
		}
		own := int64(2)
		rc := aclstore.ResourceConfig{Name: "posts", UsingActionsConfig: true, Actions: []aclstore.ActionConfig{
			{Name: "create", Params: acl.Params{"appends": []any{"tags"}}},
			{Name: "update", Fields: []string{"title"}, ScopeID: &own},
		}}
		if err := s.SetResource(ctx, "member", rc); err != nil {
			t.Fatal(err)
		}
		if err := s.SetResource(ctx, "member", aclstore.ResourceConfig{Name: "comments", Actions: []aclstore.ActionConfig{{Name: "destroy"}}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Resources(ctx, "member")
		if err != nil {
			t.Fatal(err)
		}
		want := []aclstore.ResourceConfig{
			{Name: "comments", Actions: []aclstore.ActionConfig{{Name: "destroy"}}},
			rc,
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Resources (-want +got):\n%s", diff)
		}
		if coreCan(s.ACL(), "member", "posts", "list") || !coreCan(s.ACL(), "member", "posts", "update") {
			t.Error("posts uses its actions: list must be denied and update allowed")
		}
		if coreCan(s.ACL(), "member", "comments", "destroy") || !coreCan(s.ACL(), "member", "comments", "list") {
			t.Error("comments does not use its actions: the strategy must decide")
		}
		rc.Actions = rc.Actions[:1]
		if err := s.SetResource(ctx, "member", rc); err != nil {
			t.Fatal(err)
		}
		if coreCan(s.ACL(), "member", "posts", "update") {
			t.Error("SetResource did not replace the actions")
		}
		if err := s.RemoveResource(ctx, "member", "posts"); err != nil {
			t.Fatal(err)
		}
		if !coreCan(s.ACL(), "member", "posts", "list") || coreCan(s.ACL(), "member", "posts", "create") {
			t.Error("after RemoveResource the strategy must decide on posts")
		}
		if err := s.RemoveResource(ctx, "member", "posts"); !errors.Is(err, aclstore.ErrGrantNotFound) {
			t.Errorf("removing a removed resource = %v", err)
		}
		if _, err := s.Resources(ctx, "nosuch"); !errors.Is(err, aclstore.ErrRoleNotFound) {
			t.Errorf("Resources of a missing role = %v", err)
		}
	})
}

// TestCoreStrategySnippetsDefault: SetStrategy, SetSnippets and
// SetDefaultRole reach the table and the ACL; one default role at most.
func TestCoreStrategySnippetsDefault(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := coreStore(t, db)
		ctx := context.Background()
		for _, name := range []string{"a", "b"} {
			if err := s.CreateRole(ctx, &aclstore.Role{Name: name}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetStrategy(ctx, "a", &acl.StrategyOptions{Actions: []string{"update:own"}}); err != nil {
			t.Fatal(err)
		}
		res, ok := s.ACL().Can(acl.CanArgs{Role: "a", Resource: "posts", Action: "update"})
		if !ok || res.Params == nil {
			t.Errorf("update:own = %+v, %v; want allowed with a createdById filter", res, ok)
		}
		if err := s.SetSnippets(ctx, "a", []string{"pm.acl.roles"}); err != nil {
			t.Fatal(err)
		}
		if !coreCan(s.ACL(), "a", "roles", "list") {
			t.Error("the snippet pm.acl.roles does not apply")
		}
		for _, name := range []string{"a", "b"} {
			if err := s.SetDefaultRole(ctx, name); err != nil {
				t.Fatal(err)
			}
		}
		roles, _ := s.Roles(ctx)
		var defaults []string
		for _, r := range roles {
			if r.Default {
				defaults = append(defaults, r.Name)
			}
		}
		if !cmp.Equal(defaults, []string{"b"}) {
			t.Errorf("default roles = %v, want [b]", defaults)
		}
		if err := s.SetDefaultRole(ctx, ""); err != nil {
			t.Fatal(err)
		}
		if roles, _ := s.RolesOf(ctx, 5); roles != nil {
			t.Errorf("RolesOf without a default role = %v", roles)
		}
		if err := s.SetDefaultRole(ctx, "nosuch"); !errors.Is(err, aclstore.ErrRoleNotFound) {
			t.Errorf("SetDefaultRole(nosuch) = %v", err)
		}
	})
}

// TestCoreScopes: a created scope is listed for its resource and usable
// by grants on it, not by grants on another resource.
func TestCoreScopes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := coreStore(t, db)
		ctx := context.Background()
		sc := &aclstore.RoleResourceScope{Name: "Published", ResourceName: "posts", Scope: acl.Params{"status": "published"}}
		if err := s.CreateScope(ctx, sc); err != nil {
			t.Fatal(err)
		}
		if sc.ID == 0 || sc.Key == "" {
			t.Fatalf("CreateScope left id %d, key %q", sc.ID, sc.Key)
		}
		posts, _ := s.Scopes(ctx, "posts")
		comments, _ := s.Scopes(ctx, "comments")
		if len(posts) != 3 || len(comments) != 2 {
			t.Errorf("%d scopes of posts, %d of comments; want 3 and 2", len(posts), len(comments))
		}
		if err := s.CreateScope(ctx, &aclstore.RoleResourceScope{Key: sc.Key}); !errors.Is(err, aclstore.ErrInvalid) {
			t.Errorf("a taken key = %v", err)
		}
		if err := s.CreateRole(ctx, &aclstore.Role{Name: "r"}); err != nil {
			t.Fatal(err)
		}
		err := s.SetResource(ctx, "r", aclstore.ResourceConfig{Name: "comments", UsingActionsConfig: true, Actions: []aclstore.ActionConfig{{Name: "view", ScopeID: &sc.ID}}})
		if !errors.Is(err, aclstore.ErrInvalid) || !strings.Contains(err.Error(), "scopeId") {
			t.Errorf("a scope of posts on comments = %v", err)
		}
		if err := s.SetResource(ctx, "r", aclstore.ResourceConfig{Name: "posts", UsingActionsConfig: true, Actions: []aclstore.ActionConfig{{Name: "view", ScopeID: &sc.ID}}}); err != nil {
			t.Fatal(err)
		}
		res, _ := s.ACL().Can(acl.CanArgs{Role: "r", Resource: "posts", Action: "view"})
		if !cmp.Equal(res.Params, acl.Params{"filter": map[string]any{"status": "published"}}) {
			t.Errorf("posts:view params = %v", res.Params)
		}
	})
}

// TestCoreFailedWriteChangesNothing: every way a write fails (refused
// before the database, refused by the ACL inside the transaction, a
// missing role, a database constraint) leaves the rows, the change log and
// the ACL as they were.
func TestCoreFailedWriteChangesNothing(t *testing.T) {
	type write func(ctx context.Context, s *aclstore.Store) error
	cases := []struct {
		name  string
		write write
		kind  error
	}{
		{"unknown strategy action", func(ctx context.Context, s *aclstore.Store) error {
			return s.CreateRole(ctx, &aclstore.Role{Name: "new", Strategy: &acl.StrategyOptions{Actions: []string{"veiw"}}})
		}, acl.ErrUnknownName},
		{"snippet selecting nothing (refused in the transaction)", func(ctx context.Context, s *aclstore.Store) error {
			return s.SetSnippets(ctx, "editor", []string{"pm.*", "nosuch"})
		}, acl.ErrUnknownName},
		{"strategy refused in the transaction", func(ctx context.Context, s *aclstore.Store) error {
			return s.SetStrategy(ctx, "editor", &acl.StrategyOptions{Actions: []string{"view", "updat"}})
		}, acl.ErrUnknownName},
		{"unknown param key", func(ctx context.Context, s *aclstore.Store) error {
			return s.Grant(ctx, "editor", "posts:view", acl.Params{"filtr": acl.Params{"a": 1}})
		}, acl.ErrUnknownName},
		{"malformed path", func(ctx context.Context, s *aclstore.Store) error {
			return s.Grant(ctx, "editor", "posts", nil)
		}, acl.ErrInvalidPath},
		{"empty fields", func(ctx context.Context, s *aclstore.Store) error {
			return s.Grant(ctx, "editor", "posts:view", acl.Params{"fields": []string{}})
		}, aclstore.ErrInvalid},
		{"filter not an object", func(ctx context.Context, s *aclstore.Store) error {
			return s.Grant(ctx, "editor", "posts:view", acl.Params{"filter": "status = 1"})
		}, aclstore.ErrInvalid},
		{"grant to a missing role", func(ctx context.Context, s *aclstore.Store) error {
			return s.Grant(ctx, "nosuch", "posts:view", nil)
		}, aclstore.ErrRoleNotFound},
		{"assign to a missing role", func(ctx context.Context, s *aclstore.Store) error {
			return s.AssignUser(ctx, 1, "nosuch")
		}, aclstore.ErrRoleNotFound},
		{"title taken (database constraint)", func(ctx context.Context, s *aclstore.Store) error {
			return s.UpdateRole(ctx, &aclstore.Role{Name: "editor", Title: "Viewer"}, "title")
		}, aclstore.ErrRoleExists},
		{"action listed twice", func(ctx context.Context, s *aclstore.Store) error {
			return s.SetResource(ctx, "editor", aclstore.ResourceConfig{Name: "posts", UsingActionsConfig: true,
				Actions: []aclstore.ActionConfig{{Name: "view"}, {Name: "view"}}})
		}, aclstore.ErrInvalid},
		{"missing scope", func(ctx context.Context, s *aclstore.Store) error {
			return s.SetResource(ctx, "editor", aclstore.ResourceConfig{Name: "posts", UsingActionsConfig: true,
				Actions: []aclstore.ActionConfig{{Name: "view", ScopeID: corePtr(int64(404))}}})
		}, aclstore.ErrInvalid},
		{"audit user not an integer", func(ctx context.Context, s *aclstore.Store) error {
			return s.Grant(acl.WithUser(ctx, "alice"), "editor", "posts:view", nil)
		}, aclstore.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				ctx := context.Background()
				s := coreStore(t, db)
				if err := s.CreateRole(ctx, &aclstore.Role{Name: "editor", Title: "Editor", Strategy: &acl.StrategyOptions{Actions: []string{"view"}}}); err != nil {
					t.Fatal(err)
				}
				if err := s.CreateRole(ctx, &aclstore.Role{Name: "viewer", Title: "Viewer"}); err != nil {
					t.Fatal(err)
				}
				if err := s.Grant(ctx, "editor", "posts:update", acl.Params{"fields": []string{"title"}}); err != nil {
					t.Fatal(err)
				}
				rows, roles := coreReadRows(t, db), coreACLJSON(t, s.ACL())
				err := c.write(ctx, s)
				if !errors.Is(err, c.kind) {
					t.Fatalf("write = %v, want %v", err, c.kind)
				}
				if coreStatus(err)/100 != 4 {
					t.Errorf("status %d, want a 4xx (%v)", coreStatus(err), err)
				}
				if diff := cmp.Diff(rows, coreReadRows(t, db), coreNoTimes); diff != "" {
					t.Errorf("a failed write changed rows (-before +after):\n%s", diff)
				}
				if diff := cmp.Diff(roles, coreACLJSON(t, s.ACL())); diff != "" {
					t.Errorf("a failed write changed the ACL (-before +after):\n%s", diff)
				}
			})
		})
	}
}

// TestCoreWriteOverBadRowRollsBack: a role with a malformed row (written
// behind the store's back) cannot be changed until the row is fixed: the
// write's rebuild of the role in the transaction is refused and rolled
// back, so the bad row never reaches the ACL.
func TestCoreWriteOverBadRowRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := coreStore(t, db)
		if err := s.Grant(ctx, "editor", "posts:view", nil); !errors.Is(err, aclstore.ErrRoleNotFound) {
			t.Fatalf("Grant before CreateRole = %v", err)
		}
		if err := s.CreateRole(ctx, &aclstore.Role{Name: "editor"}); err != nil {
			t.Fatal(err)
		}
		res := &aclstore.RoleResource{RoleName: "editor", Name: "comments", UsingActionsConfig: true}
		coreInsert(t, db, res)
		coreInsert(t, db, &aclstore.RoleResourceAction{RolesResourceID: res.ID, Name: "view", Params: acl.Params{"filtr": 1}})
		rows, roles := coreReadRows(t, db), coreACLJSON(t, s.ACL())
		err := s.Grant(ctx, "editor", "posts:view", nil)
		if !errors.Is(err, aclstore.ErrInvalid) || !errors.Is(err, acl.ErrUnknownName) || !strings.Contains(err.Error(), `role "editor"`) {
			t.Fatalf("Grant over a bad row = %v", err)
		}
		if diff := cmp.Diff(rows, coreReadRows(t, db), coreNoTimes); diff != "" {
			t.Errorf("rows changed (-before +after):\n%s", diff)
		}
		if diff := cmp.Diff(roles, coreACLJSON(t, s.ACL())); diff != "" {
			t.Errorf("ACL changed (-before +after):\n%s", diff)
		}
	})
}
