package acl

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Ports of the reference tests that are not plain can() scenarios (those
// live in testdata/reference and run in TestReference).

// loadJSON reads a testdata file into v.
func loadJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// canPtr is Can as the reference answers it: the result, or nil (JSON
// null) when denied.
func canPtr(a *ACL, args CanArgs) *CanResult {
	res, ok := a.Can(args)
	if !ok {
		return nil
	}
	return &res
}

func mustDefine(t *testing.T, a *ACL, opts RoleOptions) *Role {
	t.Helper()
	r, err := a.Define(opts)
	if err != nil {
		t.Fatalf("Define(%s): %v", opts.Name, err)
	}
	return r
}

func asJSON(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantJSON(t *testing.T, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want: %v", err)
	}
	if diff := cmp.Diff(w, asJSON(t, got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// acl.test.ts "should getRole"
func TestGetRole(t *testing.T) {
	a := New()
	r := mustDefine(t, a, RoleOptions{Name: "admin"})
	got, ok := a.GetRole("admin")
	if !ok || got != r {
		t.Fatalf("Role(admin) = %p, %v; want %p", got, ok, r)
	}
}

// acl.test.ts "should set available action"
func TestSetAvailableAction(t *testing.T) {
	a := New()
	a.SetAvailableAction("edit", ActionOptions{DisplayName: "Edit", Aliases: []string{"modify"}})
	opts, ok := a.AvailableAction("edit")
	if !ok || opts.DisplayName != "Edit" {
		t.Fatalf("AvailableAction(edit) = %+v, %v", opts, ok)
	}
	if _, ok := a.AvailableAction("modify"); !ok {
		t.Error("alias modify does not resolve to edit")
	}
}

// acl.test.ts "should getActionParams"
func TestActionParams(t *testing.T) {
	a := New()
	for _, action := range []string{"view", "create", "update"} {
		a.SetAvailableAction(action, ActionOptions{})
	}
	if err := a.SetAvailableStrategy("s2", StrategyOptions{Actions: []string{"view", "create", "update"}}); err != nil {
		t.Fatal(err)
	}
	r := mustDefine(t, a, RoleOptions{Name: "admin", Strategy: "s2", Actions: map[string]Params{
		"posts:view": {"filter": Params{"createdById": "{{ ctx.state.currentUser.id }}"}},
	}})
	p, ok := r.ActionParams("posts:view")
	if !ok {
		t.Fatal("no params for posts:view")
	}
	wantJSON(t, p, `{"filter":{"createdById":"{{ ctx.state.currentUser.id }}"}}`)
	p["filter"] = "mutated"
	again, _ := r.ActionParams("posts:view")
	wantJSON(t, again, `{"filter":{"createdById":"{{ ctx.state.currentUser.id }}"}}`)
}

// acl.test.ts "should call beforeGrantAction"
func TestBeforeGrantAction(t *testing.T) {
	a := New()
	a.BeforeGrantAction(func(ev *GrantEvent) {
		if ev.Path == "posts:create" {
			ev.Params = Params{"filter": Params{"status": "publish"}}
		}
	})
	mustDefine(t, a, RoleOptions{Name: "admin", Actions: map[string]Params{"posts:create": {}}})
	wantJSON(t, canPtr(a, CanArgs{Role: "admin", Resource: "posts", Action: "create"}),
		`{"role":"admin","resource":"posts","action":"create","params":{"filter":{"status":"publish"}}}`)
}

// acl.test.ts "should resolve action params without mutating current action
// context", "... with currentRole when currentRoles is absent" and "should
// resolve association resource name".
func TestResolveParams(t *testing.T) {
	a := New()
	mustDefine(t, a, RoleOptions{Name: "anonymous", Actions: map[string]Params{
		"files:view":    {"filter": Params{"status": "public"}},
		"comments:view": {"filter": Params{"status": "published"}},
	}})
	mustDefine(t, a, RoleOptions{Name: "root"})

	request := Params{"filter": map[string]any{"id": 1.0}}
	got, err := a.ResolveParams(context.Background(), "files", "view", request)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON(t, got["filter"], `{"$and":[{"id":1},{"status":"public"}]}`)
	wantJSON(t, request, `{"filter":{"id":1}}`)

	rootCtx := WithRole(context.Background(), "root")
	got, err = a.ResolveParams(rootCtx, "files", "view", Params{"filter": Params{"id": 1}})
	if err != nil {
		t.Fatal(err)
	}
	wantJSON(t, got, `{"filter":{"id":1}}`)

	got, err = a.ResolveParams(context.Background(), "posts.comments", "view", Params{"filter": Params{"id": 1}})
	if err != nil {
		t.Fatal(err)
	}
	wantJSON(t, got["filter"], `{"$and":[{"id":1},{"status":"published"}]}`)

	_, err = a.ResolveParams(context.Background(), "secrets", "view", nil)
	if !errors.Is(err, ErrNoPermission) || StatusCode(err) != http.StatusForbidden {
		t.Errorf("secrets:view err = %v, want ErrNoPermission (403)", err)
	}
}

// acl.test.ts "should clone can result deeply"
func TestCanResultIsCallersOwn(t *testing.T) {
	a := New()
	mustDefine(t, a, RoleOptions{Name: "r", Actions: map[string]Params{"test:create": {"fields": []string{"a"}, "filter": Params{"x": Params{"$in": []int{1}}}}}})
	first := canPtr(a, CanArgs{Role: "r", Resource: "test", Action: "create"})
	first.Params["whitelist"] = append(first.Params["whitelist"].([]any), "pushed")
	first.Params["filter"].(map[string]any)["x"].(map[string]any)["$in"] = "changed"
	delete(first.Params, "filter")
	second := canPtr(a, CanArgs{Roles: []string{"r"}, Resource: "test", Action: "create"})
	wantJSON(t, second, `{"role":"r","resource":"test","action":"create","params":{"whitelist":["a"],"filter":{"x":{"$in":[1]}}}}`)
}

// allow-manager.test.ts
func TestAllowStar(t *testing.T) {
	a := New()
	a.Allow("*", []string{"download"}, "public")
	s := a.snap.Load().shared
	ctx := context.Background()
	for action, want := range map[string]bool{"download": true, "fake-method": false, "other-method": false} {
		_, got, err := s.isAllowed(ctx, "users", action)
		if err != nil || got != want {
			t.Errorf("users:%s allowed = %v, %v; want %v", action, got, err, want)
		}
	}
	b := New()
	b.Allow("users", []string{"*"}, "public")
	for _, action := range []string{"download", "fake-method", "other-method"} {
		if !b.IsPublic("users", action) {
			t.Errorf("users:%s is not public", action)
		}
	}
	if b.IsPublic("posts", "download") {
		t.Error("posts:download is public")
	}
}

// allow.test.ts and skip-middleware.test.ts, through the HTTP middleware.
func TestMiddlewareAllow(t *testing.T) {
	serve := func(a *ACL, resource, action string, ctx context.Context) (int, *Permission) {
		var perm *Permission
		h := a.Middleware(MiddlewareOptions{Actions: ActionSourceFunc(func(*http.Request) (Action, bool) {
			return Action{Resource: resource, Name: action}, true
		})})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			perm, _ = PermissionFrom(r.Context())
			w.WriteHeader(http.StatusNoContent)
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", "/", nil).WithContext(ctx))
		return w.Code, perm
	}
	ctx := context.Background()

	t.Run("should skip action", func(t *testing.T) {
		a := New()
		if code, _ := serve(a, "users", "login", ctx); code != http.StatusForbidden {
			t.Fatalf("before allow: %d", code)
		}
		a.Allow("users", []string{"login"}, "")
		code, perm := serve(a, "users", "login", ctx)
		if code != http.StatusNoContent || !perm.Skip || perm.AllowedBy != "public" {
			t.Fatalf("after allow: %d %+v", code, perm)
		}
	})
	t.Run("should skip action with condition", func(t *testing.T) {
		a := New()
		skip := false
		a.AllowFunc("users", []string{"login"}, func(context.Context) (bool, error) { return skip, nil })
		if code, _ := serve(a, "users", "login", ctx); code != http.StatusForbidden {
			t.Fatalf("skip=false: %d", code)
		}
		skip = true
		if code, _ := serve(a, "users", "login", ctx); code != http.StatusNoContent {
			t.Fatalf("skip=true: %d", code)
		}
	})
	t.Run("should skip action with registered condition", func(t *testing.T) {
		a := New()
		calls := 0
		a.RegisterAllowCondition("superUser", func(context.Context) (bool, error) { calls++; return true, nil })
		a.Allow("users", []string{"login"}, "superUser")
		if code, _ := serve(a, "users", "login", ctx); code != http.StatusNoContent || calls != 1 {
			t.Fatalf("code %d, condition called %d times", code, calls)
		}
	})
	t.Run("skip middleware", func(t *testing.T) {
		a := New()
		mustDefine(t, a, RoleOptions{Name: "anonymous", Actions: map[string]Params{"posts:create": {}}})
		a.Allow("posts", []string{"list"}, "")
		if _, perm := serve(a, "posts", "list", ctx); perm == nil || !perm.Skip {
			t.Errorf("posts:list not skipped: %+v", perm)
		}
		if _, perm := serve(a, "posts", "create", ctx); perm == nil || perm.Skip {
			t.Errorf("posts:create skipped: %+v", perm)
		}
	})
	t.Run("condition error is a 500, not a pass", func(t *testing.T) {
		a := New()
		a.SetLogger(slog.New(slog.DiscardHandler))
		a.AllowFunc("users", []string{"login"}, func(context.Context) (bool, error) { return false, errors.New("db down") })
		if code, _ := serve(a, "users", "login", ctx); code != http.StatusInternalServerError {
			t.Fatalf("code %d", code)
		}
	})
	t.Run("loggedIn and allowConfigure", func(t *testing.T) {
		a := New()
		a.SetAvailableStrategy("cfg", StrategyOptions{AllowConfigure: true})
		mustDefine(t, a, RoleOptions{Name: "admin", Strategy: "cfg"})
		mustDefine(t, a, RoleOptions{Name: "member"})
		a.Allow("auth", []string{"check"}, "loggedIn")
		a.Allow("uiSchemas", []string{"*"}, "allowConfigure")
		cases := []struct {
			ctx              context.Context
			resource, action string
			want             int
		}{
			{ctx, "auth", "check", http.StatusForbidden},
			{WithUser(ctx, 1), "auth", "check", http.StatusNoContent},
			{WithRole(ctx, "member"), "uiSchemas", "save", http.StatusForbidden},
			{WithRole(ctx, "admin"), "uiSchemas", "save", http.StatusNoContent},
			{WithRole(ctx, "ghost"), "uiSchemas", "save", http.StatusForbidden},
		}
		for _, c := range cases {
			if code, _ := serve(a, c.resource, c.action, c.ctx); code != c.want {
				t.Errorf("%s:%s as %q: %d, want %d", c.resource, c.action, CurrentRole(c.ctx), code, c.want)
			}
		}
	})
}

// fixed-params-manager.test.ts: the fold of general, specific and extra params.
func TestFixedParamsFold(t *testing.T) {
	fold := func(a *ACL, resource, action string, extra Params) Params {
		acc := map[string]any(a.snap.Load().shared.fixedParams(resource, action))
		if acc == nil {
			acc = map[string]any{}
		}
		if extra != nil {
			n, _ := normalizeParams(extra)
			acc = foldFixed(acc, n)
		}
		return Params(acc)
	}
	p := func(s string) Params {
		var out Params
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	constant := func(s string) func(string, string) Params {
		return func(string, string) Params { return p(s) }
	}

	t.Run("general merger applies everywhere", func(t *testing.T) {
		a := New()
		a.AddGeneralFixedParams(constant(`{"filter":{"status":"active"}}`))
		wantJSON(t, fold(a, "posts", "list", nil), `{"filter":{"status":"active"}}`)
		wantJSON(t, fold(a, "users", "list", nil), `{"filter":{"status":"active"}}`)
	})
	t.Run("two general mergers AND", func(t *testing.T) {
		a := New()
		a.AddGeneralFixedParams(constant(`{"filter":{"status":"active"}}`))
		a.AddGeneralFixedParams(constant(`{"filter":{"published":true}}`))
		wantJSON(t, fold(a, "posts", "list", nil), `{"filter":{"$and":[{"status":"active"},{"published":true}]}}`)
	})
	t.Run("by resource and by action", func(t *testing.T) {
		a := New()
		a.AddGeneralFixedParams(func(resource, action string) Params {
			switch {
			case resource == "posts":
				return p(`{"filter":{"type":"article"}}`)
			case resource == "users":
				return p(`{"filter":{"role":"member"}}`)
			case action == "list":
				return p(`{"filter":{"deleted":false}}`)
			case action == "get":
				return p(`{"fields":["id","name"]}`)
			}
			return Params{}
		})
		wantJSON(t, fold(a, "posts", "x", nil), `{"filter":{"type":"article"}}`)
		wantJSON(t, fold(a, "users", "x", nil), `{"filter":{"role":"member"}}`)
		wantJSON(t, fold(a, "comments", "x", nil), `{}`)
		wantJSON(t, fold(a, "c", "list", nil), `{"filter":{"deleted":false}}`)
		wantJSON(t, fold(a, "c", "get", nil), `{"fields":["id","name"]}`)
		wantJSON(t, fold(a, "c", "create", nil), `{}`)
	})
	t.Run("general then specific then extra", func(t *testing.T) {
		a := New()
		a.AddGeneralFixedParams(constant(`{"filter":{"status":"active"}}`))
		a.AddFixedParams("posts", "list", func() Params { return p(`{"filter":{"featured":true}}`) })
		wantJSON(t, fold(a, "posts", "list", nil), `{"filter":{"$and":[{"status":"active"},{"featured":true}]}}`)
		wantJSON(t, fold(a, "users", "list", p(`{"filter":{"userId":1}}`)), `{"filter":{"$and":[{"status":"active"},{"userId":1}]}}`)

		b := New()
		b.AddGeneralFixedParams(constant(`{"filter":{"deleted":false}}`))
		b.AddFixedParams("posts", "list", func() Params { return p(`{"filter":{"status":"published"}}`) })
		wantJSON(t, fold(b, "posts", "list", p(`{"filter":{"userId":1}}`)),
			`{"filter":{"$and":[{"$and":[{"deleted":false},{"status":"published"}]},{"userId":1}]}}`)
	})
	t.Run("different keys and empty", func(t *testing.T) {
		a := New()
		a.AddGeneralFixedParams(constant(`{"filter":{"status":"active"}}`))
		a.AddGeneralFixedParams(constant(`{"fields":["id","name"]}`))
		a.AddGeneralFixedParams(constant(`{"sort":["createdAt"]}`))
		wantJSON(t, fold(a, "posts", "list", nil), `{"filter":{"status":"active"},"fields":["id","name"],"sort":["createdAt"]}`)
		b := New()
		b.AddGeneralFixedParams(constant(`{}`))
		wantJSON(t, fold(b, "posts", "list", nil), `{}`)
	})
	t.Run("complex merge", func(t *testing.T) {
		a := New()
		a.AddGeneralFixedParams(constant(`{"filter":{"deleted":false},"fields":["id","name","email"],"appends":["profile"]}`))
		a.AddFixedParams("users", "list", func() Params { return p(`{"filter":{"role":"admin"},"fields":["id","name"],"appends":["roles"]}`) })
		wantJSON(t, fold(a, "users", "list", p(`{"filter":{"status":"active"},"except":["password"]}`)),
			`{"filter":{"$and":[{"$and":[{"deleted":false},{"role":"admin"}]},{"status":"active"}]},"fields":["id","name"],"appends":["profile","roles"],"except":["password"]}`)
	})
	// fixed-params.test.ts "should merge params"
	t.Run("two mergers on one action", func(t *testing.T) {
		a := New()
		a.AddFixedParams("collections", "destroy", func() Params { return p(`{"filter":{"name.$ne":"users"}}`) })
		a.AddFixedParams("collections", "destroy", func() Params { return p(`{"filter":{"name.$ne":"roles"}}`) })
		wantJSON(t, fold(a, "collections", "destroy", nil), `{"filter":{"$and":[{"name.$ne":"users"},{"name.$ne":"roles"}]}}`)
	})
}

// snippet.test.ts: the parts that are not can() scenarios.
func TestSnippets(t *testing.T) {
	t.Run("nocobase snippets", func(t *testing.T) {
		a := New()
		mustRegister(t, a, "pm.users", "users:*")
		mustRegister(t, a, "pm.acl.roles", "roles:*", "roles.snippets:*", "availableActions:list")
		mustDefine(t, a, RoleOptions{Name: "test", Snippets: []string{"!pm.users", "pm.*"}})
		if res := canPtr(a, CanArgs{Role: "test", Resource: "users", Action: "list"}); res != nil {
			t.Errorf("snippet allowed: %+v", res)
		}
		mustDefine(t, a, RoleOptions{Name: "test2", Snippets: []string{"!pm.acl.roles", "pm.*"}})
		if res := canPtr(a, CanArgs{Role: "test2", Resource: "users", Action: "list"}); res == nil {
			t.Error("should allow all snippets")
		}
	})
	t.Run("should replace invalid snippet name", func(t *testing.T) {
		a := New()
		mustRegister(t, a, "pm.users.*", "users:*")
		if got := a.Snippets(); len(got) != 1 || got[0].Name != "pm.users" {
			t.Errorf("Snippets() = %+v", got)
		}
	})
	t.Run("should get effective snippets", func(t *testing.T) {
		a := New()
		mustRegister(t, a, "sc.collection-manager.fields", "fields:list")
		mustRegister(t, a, "sc.collection-manager.gi", "fields:list", "gi:list")
		mustRegister(t, a, "sc.collection-manager.collections", "collections:list")
		r := mustDefine(t, a, RoleOptions{Name: "admin", Snippets: []string{"sc.*"}})
		allowed, _ := r.EffectiveSnippets()
		if diff := cmp.Diff([]string{"sc.collection-manager.fields", "sc.collection-manager.gi", "sc.collection-manager.collections"}, allowed); diff != "" {
			t.Error(diff)
		}
		if err := r.AddSnippet("!sc.collection-manager.gi"); err != nil {
			t.Fatal(err)
		}
		allowed, _ = r.EffectiveSnippets()
		if diff := cmp.Diff([]string{"sc.collection-manager.fields", "sc.collection-manager.collections"}, allowed); diff != "" {
			t.Error(diff)
		}
		for path, want := range map[string][2]bool{
			"collections:list": {true, true}, "gi:list": {false, true}, "fields:list": {true, true}, "other:list": {false, false},
		} {
			allowed, ok := r.SnippetAllowed(path)
			if [2]bool{allowed, ok} != want {
				t.Errorf("SnippetAllowed(%s) = %v, %v; want %v", path, allowed, ok, want)
			}
		}
	})
	t.Run("snippet manager allow", func(t *testing.T) {
		a := New()
		mustRegister(t, a, "sc.collection-manager", "collections:*")
		for _, c := range []struct {
			path, name string
			allowed    bool
			ok         bool
		}{
			{"collections:list", "sc.collection-manager", true, true},
			{"collections:destroy", "sc.collection-manager", true, true},
			{"collections:destroy", "!sc.collection-manager", false, true},
			{"fields:list", "sc.collection-manager", false, false},
			{"collections:list", "nope", false, false},
		} {
			allowed, ok := a.SnippetAllows(c.path, c.name)
			if allowed != c.allowed || ok != c.ok {
				t.Errorf("SnippetAllows(%s, %s) = %v, %v", c.path, c.name, allowed, ok)
			}
		}
	})
	t.Run("invalid names are errors", func(t *testing.T) {
		a := New()
		for _, name := range []string{"sc.collection-.*.manager.*", "bad.", "a*b", "", ".*"} {
			err := a.RegisterSnippet(Snippet{Name: name, Actions: []string{"x:*"}})
			if !errors.Is(err, ErrInvalidSnippet) {
				t.Errorf("RegisterSnippet(%q) = %v, want ErrInvalidSnippet", name, err)
			}
		}
		err := a.RegisterSnippet(Snippet{Name: "sc.collection-.*.manager.*"})
		if want := "acl: invalid snippet: invalid snippet name: sc.collection-.manager.*, name should not include * or end with dot"; err == nil || err.Error() != want {
			t.Errorf("message = %v, want %q", err, want)
		}
		if err := a.RegisterSnippet(Snippet{Name: "ok", Actions: []string{"+(a|b):list"}}); !errors.Is(err, ErrInvalidSnippet) {
			t.Errorf("extglob pattern accepted: %v", err)
		}
	})
}

func mustRegister(t *testing.T, a *ACL, name string, actions ...string) {
	t.Helper()
	if err := a.RegisterSnippet(Snippet{Name: name, Actions: actions}); err != nil {
		t.Fatal(err)
	}
}

func TestContextAccessors(t *testing.T) {
	ctx := context.Background()
	if _, ok := CurrentRoles(ctx); ok {
		t.Error("roles set on an empty context")
	}
	if _, ok := UserID(ctx); ok {
		t.Error("user on an empty context")
	}
	ctx = WithUser(WithRoles(WithRole(ctx, "editor"), "a", "b"), 7)
	roles, ok := CurrentRoles(ctx)
	if !ok || len(roles) != 2 || roles[0] != "a" || CurrentRole(ctx) != "editor" {
		t.Errorf("roles %v %v, role %q", roles, ok, CurrentRole(ctx))
	}
	roles[0] = "mutated"
	if again, _ := CurrentRoles(ctx); again[0] != "a" {
		t.Error("CurrentRoles hands out the context's slice")
	}
	if id, ok := UserID(ctx); !ok || id != 7 {
		t.Errorf("UserID = %v, %v", id, ok)
	}
	if got := requestRoles(WithRole(context.Background(), "")); len(got) != 1 || got[0] != "anonymous" {
		t.Errorf("empty role = %v", got)
	}
}
