package acl

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
)

// strictACL has the usual actions, a strategy and a snippet registered.
func strictACL(t *testing.T) *ACL {
	t.Helper()
	a := New()
	a.SetAvailableAction("view", ActionOptions{Aliases: []string{"get", "list"}})
	for _, name := range []string{"create", "update", "destroy"} {
		a.SetAvailableAction(name, ActionOptions{})
	}
	if err := a.SetAvailableStrategy("member", StrategyOptions{Actions: []string{"view", "update:own"}}); err != nil {
		t.Fatal(err)
	}
	mustRegister(t, a, "pm.users", "users:*")
	return a
}

func TestStrictGrants(t *testing.T) {
	cases := []struct {
		name    string
		do      func(a *ACL) error
		want    string
		wantErr error
	}{
		{"misspelt filter", func(a *ACL) error {
			_, err := a.Define(RoleOptions{Name: "m", Actions: map[string]Params{"posts:list": {"filtr": Params{"a": 1}}}})
			return err
		}, `acl: unknown param "filtr" in posts:list (did you mean "filter"?)`, ErrInvalidParams},
		{"swapped letters", func(a *ACL) error {
			_, err := a.Define(RoleOptions{Name: "m", Actions: map[string]Params{"posts:list": {"feilds": []string{"a"}}}})
			return err
		}, `acl: unknown param "feilds" in posts:list (did you mean "fields"?)`, ErrInvalidParams},
		{"far from every key", func(a *ACL) error {
			r := mustDefine(t, a, RoleOptions{Name: "m"})
			return r.GrantAction("posts:list", Params{"somethingelse": 1})
		}, `acl: unknown param "somethingelse" in posts:list`, ErrInvalidParams},
		{"unknown strategy", func(a *ACL) error {
			_, err := a.Define(RoleOptions{Name: "m", Strategy: "membr"})
			return err
		}, `acl: unknown strategy "membr" in role m (did you mean "member"?)`, ErrInvalidOptions},
		{"SetStrategy", func(a *ACL) error {
			return mustDefine(t, a, RoleOptions{Name: "m"}).SetStrategy("nobody")
		}, `acl: unknown strategy "nobody" in role m`, ErrInvalidOptions},
		{"strategy action", func(a *ACL) error {
			return a.SetAvailableStrategy("s", StrategyOptions{Actions: []string{"veiw"}})
		}, `acl: unknown action "veiw" in strategy s (did you mean "view"?)`, ErrInvalidOptions},
		{"alias of an unregistered action", func(a *ACL) error {
			return New().SetAvailableStrategy("s", StrategyOptions{Actions: []string{"list"}})
		}, `acl: unknown action "list" in strategy s`, ErrInvalidOptions},
		{"strategy predicate", func(a *ACL) error {
			return a.SetAvailableStrategy("s", StrategyOptions{Actions: []string{"update:onw"}})
		}, `acl: unknown predicate "onw" in strategy s action update:onw (did you mean "own"?)`, ErrInvalidOptions},
		{"empty predicate", func(a *ACL) error {
			return a.SetAvailableStrategy("s", StrategyOptions{Actions: []string{"update:"}})
		}, `acl: invalid options: strategy s: action "update:": want "action" or "action:predicate"`, ErrInvalidOptions},
		{"inline strategy", func(a *ACL) error {
			_, err := a.Define(RoleOptions{Name: "m", StrategyOptions: &StrategyOptions{Actions: []string{"destory"}}})
			return err
		}, `acl: unknown action "destory" in role m (did you mean "destroy"?)`, ErrInvalidOptions},
		{"SetStrategyOptions", func(a *ACL) error {
			return mustDefine(t, a, RoleOptions{Name: "m"}).SetStrategyOptions(StrategyOptions{Actions: []string{"export"}})
		}, `acl: unknown action "export" in role m`, ErrInvalidOptions},
		{"unknown snippet", func(a *ACL) error {
			_, err := a.Define(RoleOptions{Name: "m", Snippets: []string{"pm.user"}})
			return err
		}, `acl: unknown snippet "pm.user" in role m (did you mean "pm.users"?)`, ErrInvalidSnippet},
		{"unknown negated snippet", func(a *ACL) error {
			return mustDefine(t, a, RoleOptions{Name: "m"}).AddSnippet("!pm.usres")
		}, `acl: unknown snippet "!pm.usres" in role m (did you mean "!pm.users"?)`, ErrInvalidSnippet},
		{"snippet glob selecting nothing", func(a *ACL) error {
			return mustDefine(t, a, RoleOptions{Name: "m"}).SetSnippets([]string{"pm.*", "sc.*"})
		}, `acl: unknown snippet "sc.*" in role m`, ErrInvalidSnippet},
		{"path without action", func(a *ACL) error {
			return mustDefine(t, a, RoleOptions{Name: "m"}).GrantAction("posts", nil)
		}, `acl: invalid action path "posts": want "resource:action"`, ErrInvalidPath},
		{"path with a dot", func(a *ACL) error {
			return mustDefine(t, a, RoleOptions{Name: "m"}).GrantAction("posts.list", nil)
		}, `acl: invalid action path "posts.list": want "resource:action" (did you mean "posts:list"?)`, ErrInvalidPath},
		{"path with two colons", func(a *ACL) error {
			_, err := a.Define(RoleOptions{Name: "m", Actions: map[string]Params{"a:b:c": {}}})
			return err
		}, `acl: invalid action path "a:b:c": want "resource:action" (did you mean "a:b"?)`, ErrInvalidPath},
		{"path without resource", func(a *ACL) error {
			return mustDefine(t, a, RoleOptions{Name: "m"}).GrantAction(":list", nil)
		}, `acl: invalid action path ":list": want "resource:action"`, ErrInvalidPath},
		{"path with empty action", func(a *ACL) error {
			return mustDefine(t, a, RoleOptions{Name: "m"}).GrantAction("posts:", nil)
		}, `acl: invalid action path "posts:": want "resource:action"`, ErrInvalidPath},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := strictACL(t)
			err := c.do(a)
			if err == nil || err.Error() != c.want {
				t.Fatalf("err = %v\nwant    %s", err, c.want)
			}
			if !errors.Is(err, c.wantErr) || StatusCode(err) != http.StatusBadRequest {
				t.Errorf("errors.Is(%v) = false or status %d", c.wantErr, StatusCode(err))
			}
		})
	}
}

func TestStrictGrantsChangeNothing(t *testing.T) {
	a := strictACL(t)
	r := mustDefine(t, a, RoleOptions{Name: "m", Strategy: "member", Actions: map[string]Params{"posts:list": {"filter": Params{"a": 1}}}})
	before := asJSON(t, r)
	if _, err := a.Define(RoleOptions{Name: "m", Actions: map[string]Params{"posts:list": {}, "posts:get": {"filtr": 1}}}); !errors.Is(err, ErrUnknownName) {
		t.Fatalf("Define: %v", err)
	}
	if err := r.SetStrategy("nobody"); !errors.Is(err, ErrUnknownName) {
		t.Fatalf("SetStrategy: %v", err)
	}
	if err := r.SetSnippets([]string{"pm.users", "nothing"}); !errors.Is(err, ErrUnknownName) {
		t.Fatalf("SetSnippets: %v", err)
	}
	if err := r.GrantAction("posts:list", Params{"fields": []string{"a"}, "blacklst": []string{"b"}}); !errors.Is(err, ErrUnknownName) {
		t.Fatalf("GrantAction: %v", err)
	}
	got, _ := a.GetRole("m")
	if got != r {
		t.Fatal("a failed Define replaced the role")
	}
	wantJSON(t, r, mustJSON(t, before))
	if err := a.SetAvailableStrategy("member", StrategyOptions{Actions: []string{"nothing"}}); err == nil {
		t.Fatal("SetAvailableStrategy accepted an unknown action")
	}
	if s, _ := a.AvailableStrategy("member"); len(s.Actions) != 2 {
		t.Errorf("a refused SetAvailableStrategy changed the strategy: %v", s.Actions)
	}
}

func TestRegisterParamKeys(t *testing.T) {
	a := strictACL(t)
	if _, err := a.Define(RoleOptions{Name: "m", Actions: map[string]Params{"posts:export": {"columns": []string{"a"}}}}); !errors.Is(err, ErrUnknownName) {
		t.Fatalf("unregistered key: %v", err)
	}
	a.RegisterParamKeys("columns", "", "columns")
	mustDefine(t, a, RoleOptions{Name: "m", Actions: map[string]Params{"posts:export": {"columns": []string{"a"}}}})
	wantJSON(t, canPtr(a, CanArgs{Role: "m", Resource: "posts", Action: "export"}), `{"role":"m","resource":"posts","action":"export","params":{"columns":["a"]}}`)
	_, err := a.Define(RoleOptions{Name: "n", Actions: map[string]Params{"posts:export": {"colums": 1}}})
	if err == nil || err.Error() != `acl: unknown param "colums" in posts:export (did you mean "columns"?)` {
		t.Errorf("near a registered key: %v", err)
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"filter", "filter", 0},
		{"filtr", "filter", 1},
		{"feilds", "fields", 1},
		{"apends", "appends", 1},
		{"sort", "own", 3},
		{"", "own", 3},
		{"whitelist", "blacklist", 3},
		{string(make([]byte, 65)), string(make([]byte, 65)), 3},
	} {
		if got := editDistance(c.a, c.b, 2); got != min(c.want, 3) {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, min(c.want, 3))
		}
	}
	if got := suggest("sor", builtinParamKeys); got != "sort" {
		t.Errorf("suggest(sor) = %q", got)
	}
	if got := suggest("xyzzy", builtinParamKeys); got != "" {
		t.Errorf("suggest(xyzzy) = %q", got)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
