package aclstore_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// TestAllowConfigureGoesIntoTheStrategy: the roles row's allowConfigure
// is the strategy's, as NocoBase's RoleModel writes it, after a write and
// after a Load by another store.
func TestAllowConfigureGoesIntoTheStrategy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := coreStore(t, db)
		rows := []*aclstore.Role{
			{Name: "admin", AllowConfigure: true},
			{Name: "editor", AllowConfigure: true, Strategy: &acl.StrategyOptions{Actions: []string{"view"}}},
			{Name: "member", Strategy: &acl.StrategyOptions{Actions: []string{"view"}, AllowConfigure: true}},
		}
		for _, r := range rows {
			if err := s.CreateRole(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]string{
			"admin":  `{"role":"admin","strategy":{"allowConfigure":true},"actions":{},"snippets":[]}`,
			"editor": `{"role":"editor","strategy":{"actions":["view"],"allowConfigure":true},"actions":{},"snippets":[]}`,
			"member": `{"role":"member","strategy":{"actions":["view"],"allowConfigure":false},"actions":{},"snippets":[]}`,
		}
		other := coreStore(t, db)
		if err := other.Load(ctx); err != nil {
			t.Fatal(err)
		}
		for name, w := range want {
			for _, st := range []*aclstore.Store{s, other} {
				if got := coreRoleJSON(t, st.ACL(), name); got != w {
					t.Errorf("%s = %s, want %s", name, got, w)
				}
			}
		}
		if err := s.UpdateRole(ctx, &aclstore.Role{Name: "admin"}, "allowConfigure"); err != nil {
			t.Fatal(err)
		}
		if got, w := coreRoleJSON(t, s.ACL(), "admin"), `{"role":"admin","actions":{},"snippets":[]}`; got != w {
			t.Errorf("after clearing allowConfigure: %s, want %s", got, w)
		}
	})
}

// TestResourceWithoutActionsAllowsNothing: a resource configured with its
// actions switched off (usingActionsConfig, no action rows, or its last
// grant revoked) is closed to the role, in the writing store and in one
// that loads the tables; RemoveResource hands it back to the strategy.
func TestResourceWithoutActionsAllowsNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := coreStore(t, db)
		if err := s.CreateRole(ctx, &aclstore.Role{Name: "member", Strategy: &acl.StrategyOptions{Actions: []string{"view"}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetResource(ctx, "member", aclstore.ResourceConfig{Name: "salaries", UsingActionsConfig: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.Grant(ctx, "member", "posts:view", acl.Params{"fields": []string{"title"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Revoke(ctx, "member", "posts:view"); err != nil {
			t.Fatal(err)
		}
		other := coreStore(t, db)
		if err := other.Load(ctx); err != nil {
			t.Fatal(err)
		}
		for _, st := range []*aclstore.Store{s, other} {
			for _, res := range []string{"salaries", "posts"} {
				if coreCan(st.ACL(), "member", res, "list") {
					t.Errorf("member may list %s, configured with no actions", res)
				}
			}
			if !coreCan(st.ACL(), "member", "comments", "list") {
				t.Error("the strategy no longer applies to other resources")
			}
		}
		if err := s.RemoveResource(ctx, "member", "salaries"); err != nil {
			t.Fatal(err)
		}
		if !coreCan(s.ACL(), "member", "salaries", "list") {
			t.Error("RemoveResource did not hand salaries back to the strategy")
		}
	})
}

// TestAssignUsersInChunks: AssignUsers and UnassignUsers take more users
// than one statement holds, and log them as one change.
func TestAssignUsersInChunks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := coreStore(t, db)
		if err := s.CreateRole(ctx, &aclstore.Role{Name: "member"}); err != nil {
			t.Fatal(err)
		}
		ids := make([]int64, 2500)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		if err := s.AssignUsers(ctx, "member", ids[:10]); err != nil {
			t.Fatal(err)
		}
		var before int64
		if err := db.NewSelect().Model((*aclstore.Change)(nil)).ColumnExpr("COALESCE(MAX(id), 0)").Scan(ctx, &before); err != nil {
			t.Fatal(err)
		}
		if err := s.AssignUsers(ctx, "member", ids); err != nil {
			t.Fatal(err)
		}
		// Many users are one change for every user, not a row each.
		var logged []aclstore.Change
		if err := db.NewSelect().Model(&logged).Where("id > ?", before).Order("id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(logged) != 1 || logged[0].Kind != aclstore.ChangeUser || logged[0].Name != "*" {
			t.Errorf("assigning %d users logged %+v, want one change of every user", len(ids), logged)
		}
		if got, err := s.UsersOf(ctx, "member"); err != nil || len(got) != len(ids) {
			t.Fatalf("UsersOf = %d users, %v; want %d", len(got), err, len(ids))
		}
		if err := s.AssignUsers(ctx, "nosuch", ids); !errors.Is(err, aclstore.ErrRoleNotFound) {
			t.Errorf("unknown role: %v", err)
		}
		if err := s.UnassignUsers(ctx, "member", ids[:2400]); err != nil {
			t.Fatal(err)
		}
		if got, err := s.UsersOf(ctx, "member"); err != nil || len(got) != 100 || got[0] != 2401 {
			t.Fatalf("after UnassignUsers: %v, %v", got, err)
		}
		if roles, err := s.RolesOf(ctx, 5); err != nil || roles != nil {
			t.Errorf("RolesOf(5) = %v, %v after it was unassigned", roles, err)
		}
	})
}

// TestWritesReadOnlyTheirRoles: a write that changes no role (a user's
// membership) neither reads nor checks the other roles, so a role broken
// by hand in the tables does not stop it.
func TestWritesReadOnlyTheirRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := coreStore(t, db)
		for _, name := range []string{"member", "broken"} {
			if err := s.CreateRole(ctx, &aclstore.Role{Name: name}); err != nil {
				t.Fatal(err)
			}
		}
		res := &aclstore.RoleResource{RoleName: "broken", Name: "posts", UsingActionsConfig: true}
		if _, err := db.NewInsert().Model(res).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		bad := &aclstore.RoleResourceAction{RolesResourceID: res.ID, Name: "list", Params: acl.Params{"filtr": acl.Params{}}}
		if _, err := db.NewInsert().Model(bad).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.AssignUser(ctx, 1, "member"); err != nil {
			t.Fatalf("assigning a user failed over another role's row: %v", err)
		}
		if err := s.Grant(ctx, "member", "posts:list", nil); err != nil {
			t.Fatalf("granting member failed over another role's row: %v", err)
		}
		if err := s.Grant(ctx, "broken", "comments:list", nil); !errors.Is(err, aclstore.ErrInvalid) {
			t.Errorf("a write to the broken role: %v, want ErrInvalid", err)
		}
	})
}

// TestACLMiddlewareAroundTheResourcer: the ACL middleware wrapped around
// the Resourcer (the wiring mistake the package doc warns of) lets no
// request through unchecked: every one is denied, none reaches the roles.
func TestACLMiddlewareAroundTheResourcer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := coreStore(t, db)
		a := s.ACL()
		if err := s.CreateRole(ctx, &aclstore.Role{Name: "member", Strategy: &acl.StrategyOptions{Actions: []string{"view", "create"}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.AssignUser(ctx, 7, "member"); err != nil {
			t.Fatal(err)
		}
		if err := aclstore.RegisterACL(a); err != nil {
			t.Fatal(err)
		}
		rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
		if err := aclstore.Register(rs, s, aclstore.APIOptions{}); err != nil {
			t.Fatal(err)
		}
		wrong := s.Middleware()(a.Middleware(acl.MiddlewareOptions{Actions: rs})(rs))
		for _, user := range []any{nil, 7} {
			for _, req := range []struct{ method, path, body string }{
				{"GET", "/api/roles", ""},
				{"POST", "/api/roles", `{"name":"intruder"}`},
			} {
				r := httptest.NewRequest(req.method, req.path, strings.NewReader(req.body))
				r.Header.Set("Content-Type", "application/json")
				if user != nil {
					r = r.WithContext(acl.WithUser(r.Context(), user))
				}
				w := httptest.NewRecorder()
				wrong.ServeHTTP(w, r)
				if w.Code != http.StatusForbidden {
					t.Errorf("user %v %s %s: status %d, want 403", user, req.method, req.path, w.Code)
				}
			}
		}
		if _, err := s.Role(ctx, "intruder"); !errors.Is(err, aclstore.ErrRoleNotFound) {
			t.Errorf("a role was created through the miswired middleware: %v", err)
		}
	})
}

// TestUnknownActionsRefused: a grant of an action the ACL does not know
// (a misspelling) is an error naming it, through every write path, and
// nothing is written; an alias of a known action is fine.
func TestUnknownActionsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := coreStore(t, db)
		if err := s.CreateRole(ctx, &aclstore.Role{Name: "editor"}); err != nil {
			t.Fatal(err)
		}
		before := coreReadRows(t, db)
		const want = `unknown action "udpate"`
		set := &aclstore.RoleSet{Version: aclstore.RoleSetVersion, Roles: []aclstore.RoleJSON{
			{Role: "editor", Actions: map[string]acl.Params{"posts:udpate": {}}}}}
		_, importErr := s.Import(ctx, set, aclstore.ImportOptions{})
		for name, err := range map[string]error{
			"Grant":       s.Grant(ctx, "editor", "posts:udpate", nil),
			"SetResource": s.SetResource(ctx, "editor", aclstore.ResourceConfig{Name: "posts", UsingActionsConfig: true, Actions: []aclstore.ActionConfig{{Name: "udpate"}}}),
			"Import":      importErr,
		} {
			if !errors.Is(err, aclstore.ErrInvalid) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "editor") {
				t.Errorf("%s: %v, want ErrInvalid naming the role and %s", name, err, want)
			}
		}
		if diff := cmp.Diff(before, coreReadRows(t, db)); diff != "" {
			t.Errorf("refused grants changed the tables (-before +after):\n%s", diff)
		}
		if err := s.Grant(ctx, "editor", "posts:list", nil); err != nil {
			t.Errorf("an alias of view: %v", err)
		}
	})
}

// TestImportScopeChangeKeepsTheSetsFilters: an import that changes a
// scope's filter leaves the set's roles with the filters the set gives
// them (their grants move to a scope with that filter), in the tables as
// in the ACL; a role outside the set that uses the scope follows it.
func TestImportScopeChangeKeepsTheSetsFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := coreStore(t, db)
		draft := acl.Params{"status": "draft"}
		set := func(scope acl.Params, roles ...string) *aclstore.RoleSet {
			out := &aclstore.RoleSet{Version: aclstore.RoleSetVersion, Scopes: []aclstore.ScopeJSON{{Key: "drafts", Scope: scope}}}
			for _, r := range roles {
				out.Roles = append(out.Roles, aclstore.RoleJSON{Role: r, Actions: map[string]acl.Params{"posts:update": {"filter": draft}}})
			}
			return out
		}
		if _, err := s.Import(ctx, set(draft, "editor", "other"), aclstore.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		res, err := s.Import(ctx, set(acl.Params{"status": "review"}, "editor"), aclstore.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.ScopesUpdated, []string{"drafts"}) || !slices.Equal(res.AlsoChanged, []string{"other"}) {
			t.Errorf("result %+v", res)
		}
		fresh := aclstore.New(db, coreACL(t), aclstore.Options{})
		if err := fresh.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(coreACLJSON(t, s.ACL()), coreACLJSON(t, fresh.ACL())); diff != "" {
			t.Fatalf("the ACL and the tables disagree after the import (-store +loaded):\n%s", diff)
		}
		want := map[string]string{
			"editor": `{"role":"editor","actions":{"posts:update":{"filter":{"status":"draft"}}},"snippets":[]}`,
			"other":  `{"role":"other","actions":{"posts:update":{"filter":{"status":"review"}}},"snippets":[]}`,
		}
		for name, w := range want {
			if got := coreRoleJSON(t, fresh.ACL(), name); got != w {
				t.Errorf("%s = %s, want %s", name, got, w)
			}
		}
	})
}
