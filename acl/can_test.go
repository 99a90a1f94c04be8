package acl

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// scribble overwrites everything reachable from v: nested values first,
// then every map entry and list element, plus a new map key.
func scribble(v any) {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return
		}
		for k, e := range x {
			scribble(e)
			x[k] = "scribbled"
		}
		x["added"] = "scribbled"
	case []any:
		for i, e := range x {
			scribble(e)
			x[i] = "scribbled"
		}
	}
}

func scribbleResult(res *CanResult) {
	scribble(map[string]any(res.Params))
	res.Role, res.Resource, res.Action = "scribbled", "scribbled", "scribbled"
	res.Params = Params{"filter": "scribbled"}
}

// TestCanResultsShareNothing writes every field of every kind of answer
// (parameter-free grants, strategies, snippets and root, which used to be
// shared; params; unions) and checks the next answer is unchanged.
func TestCanResultsShareNothing(t *testing.T) {
	a := New()
	a.SetAvailableAction("view", ActionOptions{Aliases: []string{"list", "get"}})
	if err := a.SetAvailableStrategy("reader", StrategyOptions{Actions: []string{"view"}}); err != nil {
		t.Fatal(err)
	}
	mustRegister(t, a, "pm.users", "users:*")
	a.AddFixedParams("users", "destroy", func() Params { return Params{"filter": Params{"id.$ne": 1}} })
	mustDefine(t, a, RoleOptions{Name: "root"})
	mustDefine(t, a, RoleOptions{Name: "r", Strategy: "reader", Snippets: []string{"pm.*"}, Actions: map[string]Params{
		"posts:create": nil,
		"posts:update": {"fields": []string{"a"}, "filter": Params{"$or": []any{Params{"x": Params{"$in": []int{1, 2}}}}}},
	}})
	mustDefine(t, a, RoleOptions{Name: "s", Actions: map[string]Params{"posts:update": {"fields": []string{"b"}}}})
	questions := []CanArgs{
		{Role: "r", Resource: "posts", Action: "create"},
		{Role: "r", Resource: "posts", Action: "update"},
		{Role: "r", Resource: "comments", Action: "list"},
		{Role: "r", Resource: "users", Action: "destroy"},
		{Role: "root", Resource: "anything", Action: "export"},
		{Roles: []string{"r"}, Resource: "posts", Action: "create"},
		{Roles: []string{"r"}, Resource: "posts", Action: "update"},
		{Roles: []string{"r", "s"}, Resource: "posts", Action: "update"},
		{Roles: []string{"r", "s"}, Resource: "comments", Action: "get"},
	}
	for _, q := range questions {
		first, ok := a.Can(q)
		if !ok {
			t.Fatalf("%+v denied", q)
		}
		want, _ := json.Marshal(first)
		scribbleResult(&first)
		again, _ := a.Can(q)
		if got, _ := json.Marshal(again); string(got) != string(want) {
			t.Errorf("%+v after writing the first answer: %s, want %s", q, got, want)
		}
		d := a.Explain(q)
		scribbleResult(d.Result)
		for _, step := range d.Steps {
			scribble(map[string]any(step.Params))
		}
		if got, _ := json.Marshal(a.Explain(q).Result); string(got) != string(want) {
			t.Errorf("%+v after writing an Explain result: %s, want %s", q, got, want)
		}
	}

	// A request's Permission is its own too.
	h := a.Middleware(MiddlewareOptions{Actions: fixedAction("comments", "list", nil)})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		perm, _ := PermissionFrom(r.Context())
		scribbleResult(perm.Can)
		scribble(map[string]any(perm.MergedParams))
	}))
	for range 2 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(WithRole(context.Background(), "r")))
	}
	wantJSON(t, canPtr(a, CanArgs{Role: "r", Resource: "comments", Action: "list"}), `{"role":"r","resource":"comments","action":"list"}`)
}
