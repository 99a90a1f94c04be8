package aclstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// coreInsert writes rows straight into the tables, as NocoBase or an
// administrator's SQL would, bypassing the store.
func coreInsert(t *testing.T, db bun.IDB, rows ...any) {
	t.Helper()
	for _, r := range rows {
		if _, err := db.NewInsert().Model(r).Exec(context.Background()); err != nil {
			t.Fatalf("insert %T: %v", r, err)
		}
	}
}

func corePtr[T any](v T) *T { return &v }

// coreSeedRealistic writes three roles the way NocoBase's tables hold them:
// strategies, snippets, grants with fields, scopes and params, a resource
// without usingActionsConfig, and an empty fields list meaning "every
// field". It returns the same roles as a host would Define them.
func coreSeedRealistic(t *testing.T, db *bun.DB) []acl.RoleOptions {
	t.Helper()
	ctx := context.Background()
	var own aclstore.RoleResourceScope
	if err := db.NewSelect().Model(&own).Where("? = 'own'", bun.Ident("key")).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	draft := &aclstore.RoleResourceScope{Key: "draft", ResourceName: "posts", Scope: acl.Params{"status": "draft"}}
	coreInsert(t, db,
		&aclstore.Role{Name: "admin", Strategy: &acl.StrategyOptions{Actions: []string{"create", "view", "update", "destroy"}}, Snippets: []string{"pm.*", "ui.*"}},
		&aclstore.Role{Name: "member", Title: "Member", Strategy: &acl.StrategyOptions{Actions: []string{"view", "update:own"}}, Snippets: []string{}, Default: true},
		&aclstore.Role{Name: "editor", Snippets: []string{"!pm", "!pm.*", "ui.*"}},
		draft,
	)
	posts := &aclstore.RoleResource{RoleName: "member", Name: "posts", UsingActionsConfig: true}
	comments := &aclstore.RoleResource{RoleName: "member", Name: "comments"}
	editorPosts := &aclstore.RoleResource{RoleName: "editor", Name: "posts", UsingActionsConfig: true}
	coreInsert(t, db, posts, comments, editorPosts)
	coreInsert(t, db,
		&aclstore.RoleResourceAction{RolesResourceID: posts.ID, Name: "view", Fields: []string{"title", "body"}, ScopeID: &own.ID},
		&aclstore.RoleResourceAction{RolesResourceID: posts.ID, Name: "update", Fields: []string{}, ScopeID: &draft.ID, Params: acl.Params{"whitelist": []any{"title"}}},
		&aclstore.RoleResourceAction{RolesResourceID: posts.ID, Name: "create", Params: acl.Params{"appends": []any{"tags"}}},
		&aclstore.RoleResourceAction{RolesResourceID: comments.ID, Name: "view", Fields: []string{"text"}},
		&aclstore.RoleResourceAction{RolesResourceID: editorPosts.ID, Name: "destroy", ScopeID: corePtr(int64(1))}, // "all": no filter
		&aclstore.RoleResourceAction{RolesResourceID: editorPosts.ID, Name: "export"},
	)
	return []acl.RoleOptions{
		{Name: "admin", StrategyOptions: &acl.StrategyOptions{Actions: []string{"create", "view", "update", "destroy"}}, Snippets: []string{"pm.*", "ui.*"}},
		{Name: "editor", Snippets: []string{"!pm", "!pm.*", "ui.*"}, Actions: map[string]acl.Params{
			"posts:destroy": {},
			"posts:export":  nil,
		}},
		{Name: "member", StrategyOptions: &acl.StrategyOptions{Actions: []string{"view", "update:own"}}, Snippets: []string{}, Actions: map[string]acl.Params{
			"posts:view":   {"fields": []string{"title", "body"}, "filter": acl.Params{"createdById": "{{ ctx.state.currentUser.id }}"}},
			"posts:update": {"filter": acl.Params{"status": "draft"}, "whitelist": []string{"title"}},
			"posts:create": {"appends": []string{"tags"}},
		}},
	}
}

// TestCoreLoadEqualsDefine: roles loaded from NocoBase-shaped rows marshal
// exactly as the same roles defined by hand, and answer the same.
func TestCoreLoadEqualsDefine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := coreStore(t, db)
		want := coreACL(t)
		for _, o := range coreSeedRealistic(t, db) {
			if _, err := want.Define(o); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(coreACLJSON(t, want), coreACLJSON(t, s.ACL())); diff != "" {
			t.Errorf("loaded roles differ from the defined ones (-defined +loaded):\n%s", diff)
		}
		for _, c := range []struct {
			role, resource, action string
			want                   bool
		}{
			{"member", "posts", "list", true},
			{"member", "posts", "destroy", false},  // posts uses its actions: the strategy no longer applies
			{"member", "comments", "update", true}, // comments does not: the strategy's update:own does
			{"editor", "posts", "destroy", true},
			{"editor", "comments", "view", false},
			{"admin", "roles", "list", true}, // snippet pm.* → pm.acl.roles
		} {
			if got := coreCan(s.ACL(), c.role, c.resource, c.action); got != c.want {
				t.Errorf("%s may %s:%s = %v, want %v", c.role, c.resource, c.action, got, c.want)
			}
		}
		res, _ := s.ACL().Can(acl.CanArgs{Role: "member", Resource: "comments", Action: "view"})
		if res.Params != nil {
			t.Errorf("comments:view of member has params %v: a resource without usingActionsConfig must contribute nothing", res.Params)
		}
	})
}

// TestCoreLoadRestart: a second ACL and store on the same database, as
// after a restart, load the roles the first wrote and answer the same.
func TestCoreLoadRestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		first := coreStore(t, db)
		if err := first.CreateRole(ctx, &aclstore.Role{Name: "writer", Strategy: &acl.StrategyOptions{Actions: []string{"view"}}}); err != nil {
			t.Fatal(err)
		}
		if err := first.Grant(ctx, "writer", "posts:update", acl.Params{"fields": []string{"title"}, "filter": acl.Params{"status": "draft"}, "own": true}); err != nil {
			t.Fatal(err)
		}
		if err := first.Grant(ctx, "writer", "posts:create", nil); err != nil {
			t.Fatal(err)
		}
		second := aclstore.New(db, coreACL(t), aclstore.Options{})
		if err := second.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(coreACLJSON(t, first.ACL()), coreACLJSON(t, second.ACL())); diff != "" {
			t.Errorf("after a restart the roles differ (-before +after):\n%s", diff)
		}
		a, _ := first.ACL().Can(acl.CanArgs{Role: "writer", Resource: "posts", Action: "update"})
		b, ok := second.ACL().Can(acl.CanArgs{Role: "writer", Resource: "posts", Action: "update"})
		if !ok || !cmp.Equal(a, b) {
			t.Errorf("after a restart posts:update answers %+v, %v; before %+v", b, ok, a)
		}
	})
}

// TestCoreLoadRefusesBadRows: a row the ACL refuses, written straight into
// the tables, makes Load fail naming the role, and the ACL keeps what it
// had: an unknown param key is never silently dropped.
func TestCoreLoadRefusesBadRows(t *testing.T) {
	cases := []struct {
		name   string
		seed   func(t *testing.T, db *bun.DB)
		reason string
	}{
		{"unknown param key", func(t *testing.T, db *bun.DB) {
			res := &aclstore.RoleResource{RoleName: "bad", Name: "posts", UsingActionsConfig: true}
			coreInsert(t, db, &aclstore.Role{Name: "bad"}, res)
			coreInsert(t, db, &aclstore.RoleResourceAction{RolesResourceID: res.ID, Name: "view", Params: acl.Params{"filtr": acl.Params{"a": 1}}})
		}, "filtr"},
		{"filter in the params column", func(t *testing.T, db *bun.DB) {
			res := &aclstore.RoleResource{RoleName: "bad", Name: "posts", UsingActionsConfig: true}
			coreInsert(t, db, &aclstore.Role{Name: "bad"}, res)
			coreInsert(t, db, &aclstore.RoleResourceAction{RolesResourceID: res.ID, Name: "view", Params: acl.Params{"filter": acl.Params{"a": 1}}})
		}, "filter"},
		{"missing scope", func(t *testing.T, db *bun.DB) {
			res := &aclstore.RoleResource{RoleName: "bad", Name: "posts", UsingActionsConfig: true}
			coreInsert(t, db, &aclstore.Role{Name: "bad"}, res)
			coreInsert(t, db, &aclstore.RoleResourceAction{RolesResourceID: res.ID, Name: "view", ScopeID: corePtr(int64(999))})
		}, "scope 999"},
		{"unknown strategy action", func(t *testing.T, db *bun.DB) {
			coreInsert(t, db, &aclstore.Role{Name: "bad", Strategy: &acl.StrategyOptions{Actions: []string{"veiw"}}})
		}, "veiw"},
		{"snippet rule selecting nothing", func(t *testing.T, db *bun.DB) {
			coreInsert(t, db, &aclstore.Role{Name: "bad", Snippets: []string{"nosuch.*"}})
		}, "nosuch"},
		{"malformed action name", func(t *testing.T, db *bun.DB) {
			res := &aclstore.RoleResource{RoleName: "bad", Name: "posts", UsingActionsConfig: true}
			coreInsert(t, db, &aclstore.Role{Name: "bad"}, res)
			coreInsert(t, db, &aclstore.RoleResourceAction{RolesResourceID: res.ID, Name: "view:all"})
		}, "posts:view:all"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				ctx := context.Background()
				s := coreStore(t, db)
				if err := s.CreateRole(ctx, &aclstore.Role{Name: "good", Strategy: &acl.StrategyOptions{Actions: []string{"view"}}}); err != nil {
					t.Fatal(err)
				}
				before := coreACLJSON(t, s.ACL())
				c.seed(t, db)
				err := s.Load(ctx)
				if !errors.Is(err, aclstore.ErrInvalid) || !strings.Contains(err.Error(), `role "bad"`) || !strings.Contains(err.Error(), c.reason) {
					t.Fatalf("Load = %v; want ErrInvalid naming role \"bad\" and %q", err, c.reason)
				}
				var se *aclstore.Error
				if !errors.As(err, &se) || se.Role != "bad" {
					t.Errorf("Load's error %#v does not carry the role", se)
				}
				if diff := cmp.Diff(before, coreACLJSON(t, s.ACL())); diff != "" {
					t.Errorf("a failed Load changed the ACL (-before +after):\n%s", diff)
				}
			})
		})
	}
}

// TestCoreLoadRemovesOnlyItsRoles: a role deleted from the tables behind
// the store's back leaves the ACL at the next Load; a role the host
// defined in code stays.
func TestCoreLoadRemovesOnlyItsRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := coreStore(t, db)
		if _, err := s.ACL().Define(acl.RoleOptions{Name: "anonymous"}); err != nil {
			t.Fatal(err)
		}
		coreInsert(t, db, &aclstore.Role{Name: "temp"})
		if err := s.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok := s.ACL().GetRole("temp"); !ok {
			t.Fatal("Load did not define temp")
		}
		if _, err := db.NewDelete().Model((*aclstore.Role)(nil)).Where("name = 'temp'").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if got := s.ACL().Roles(); !cmp.Equal(got, []string{"anonymous"}) {
			t.Errorf("roles after the second Load = %v, want [anonymous]", got)
		}
	})
}
