package acl

import (
	"errors"
	"fmt"
	"testing"
)

func TestBadInput(t *testing.T) {
	t.Run("malformed action paths are errors and change nothing", func(t *testing.T) {
		a := New()
		for _, path := range []string{"posts", "posts:", ":list", "a:b:c", ""} {
			_, err := a.Define(RoleOptions{Name: "r", Actions: map[string]Params{"tags:list": {}, path: {}}})
			if !errors.Is(err, ErrInvalidPath) {
				t.Errorf("Define with %q: %v, want ErrInvalidPath", path, err)
			}
		}
		if _, ok := a.GetRole("r"); ok {
			t.Error("a failed Define left a role behind")
		}
		r := mustDefine(t, a, RoleOptions{Name: "r"})
		if err := r.GrantAction("posts", nil); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("GrantAction(posts) = %v", err)
		}
		if err := r.RevokeAction("nothing:list"); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("RevokeAction on an unconfigured resource = %v", err)
		}
	})
	t.Run("empty role name", func(t *testing.T) {
		if _, err := New().Define(RoleOptions{}); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("Define(no name) = %v", err)
		}
	})
	t.Run("params that are not JSON", func(t *testing.T) {
		a := New()
		_, err := a.Define(RoleOptions{Name: "r", Actions: map[string]Params{"posts:list": {"filter": func() {}}}})
		if !errors.Is(err, ErrInvalidParams) {
			t.Errorf("func params: %v", err)
		}
	})
	t.Run("nil and empty params grant without restrictions", func(t *testing.T) {
		a := New()
		mustDefine(t, a, RoleOptions{Name: "r", Actions: map[string]Params{"posts:list": nil, "posts:get": {}}})
		for _, action := range []string{"list", "get"} {
			wantJSON(t, canPtr(a, CanArgs{Role: "r", Resource: "posts", Action: action}), fmt.Sprintf(`{"role":"r","resource":"posts","action":%q}`, action))
		}
		r, _ := a.GetRole("r")
		wantJSON(t, r, `{"role":"r","actions":{"posts:list":{},"posts:get":{}},"snippets":[]}`)
	})
	t.Run("a strategy registered empty denies, and Explain says so", func(t *testing.T) {
		a := New()
		if err := a.SetAvailableStrategy("nope", StrategyOptions{}); err != nil {
			t.Fatal(err)
		}
		mustDefine(t, a, RoleOptions{Name: "r", Strategy: "nope"})
		if res := canPtr(a, CanArgs{Role: "r", Resource: "posts", Action: "list"}); res != nil {
			t.Errorf("empty strategy allowed: %+v", res)
		}
		d := a.Explain(CanArgs{Role: "r", Resource: "posts", Action: "list"})
		if d.Allowed || len(d.Steps) != 1 || d.Steps[0].Strategy != "nope" {
			t.Errorf("Explain = %+v", d)
		}
		a.SetAvailableAction("list", ActionOptions{})
		if err := a.SetAvailableStrategy("nope", StrategyOptions{Actions: []string{"list"}}); err != nil {
			t.Fatal(err)
		}
		if canPtr(a, CanArgs{Role: "r", Resource: "posts", Action: "list"}) == nil {
			t.Error("changing the strategy later did not take effect")
		}
	})
	t.Run("empty and odd questions deny", func(t *testing.T) {
		a := New()
		a.SetAvailableStrategy("all", StrategyOptions{Actions: []string{"*"}})
		mustDefine(t, a, RoleOptions{Name: "r", Strategy: "all"})
		for _, args := range []CanArgs{{}, {Resource: "posts", Action: "list"}, {Roles: []string{}, Resource: "p", Action: "l"}, {Roles: []string{""}, Resource: "p", Action: "l"}} {
			if res := canPtr(a, args); res != nil {
				t.Errorf("Can(%+v) = %+v", args, res)
			}
		}
	})
	t.Run("huge role lists", func(t *testing.T) {
		a := New()
		mustDefine(t, a, RoleOptions{Name: "r", Actions: map[string]Params{"posts:list": {"filter": Params{"a": 1}}}})
		roles := make([]string, 100000)
		for i := range roles {
			roles[i] = fmt.Sprint("missing", i)
		}
		if res := canPtr(a, CanArgs{Roles: roles, Resource: "posts", Action: "list"}); res != nil {
			t.Errorf("unknown roles allowed: %+v", res)
		}
		roles[len(roles)-1] = "r"
		wantJSON(t, canPtr(a, CanArgs{Roles: roles, Resource: "posts", Action: "list"}), `{"role":"r","resource":"posts","action":"list","params":{"filter":{"a":1}}}`)
	})
	t.Run("invalid snippet rules", func(t *testing.T) {
		a := New()
		if _, err := a.Define(RoleOptions{Name: "r", Snippets: []string{"+(a|b)"}}); !errors.Is(err, ErrInvalidSnippet) {
			t.Errorf("extglob rule: %v", err)
		}
		r := mustDefine(t, a, RoleOptions{Name: "r"})
		if err := r.AddSnippet("!"); !errors.Is(err, ErrInvalidSnippet) {
			t.Errorf("rule '!': %v", err)
		}
	})
	t.Run("nil middleware", func(t *testing.T) {
		if err := New().Use(nil, UseOptions{}); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("Use(nil) = %v", err)
		}
	})
}
