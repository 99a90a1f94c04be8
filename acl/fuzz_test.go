package acl

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzACL drives the configuration API and the checks with arbitrary
// strings and params JSON: nothing may panic, errors must be typed, and
// Explain must agree with Can.
func FuzzACL(f *testing.F) {
	f.Add("posts:update", `{"fields":["a"],"filter":{"$or":[{"a":1}]}}`, "view,update:own", "pm.*", "users:*", "posts", "update", "users.posts")
	f.Add("posts", `{"own":true}`, "*", "!pm.users", "{a,b}:*", "a", "b", "")
	f.Add("a:b:c", `[]`, "x:y:z", "[", "a:[b-", "", "", "::")
	f.Add(":", `{"filter":"{{ ctx.state.currentUser.id }}"}`, "", "**", "#x", "r", "list", "r.s.t")
	f.Fuzz(func(t *testing.T, path, paramsJSON, strategy, rule, pattern, resource, action, raw string) {
		a := New()
		a.SetAvailableAction("view", ActionOptions{Aliases: []string{"get", "list", action}})
		strategyName := "s"
		if err := a.SetAvailableStrategy("s", StrategyOptions{Actions: strings.Split(strategy, ",")}); err != nil {
			if !isTyped(err) {
				t.Fatalf("SetAvailableStrategy: untyped error %v", err)
			}
			strategyName = ""
		}
		if err := a.RegisterSnippet(Snippet{Name: rule, Actions: []string{pattern}}); err != nil && !isTyped(err) {
			t.Fatalf("RegisterSnippet: untyped error %v", err)
		}
		var params Params
		_ = json.Unmarshal([]byte(paramsJSON), &params)
		a.AddFixedParams(resource, action, func() Params { return params })
		r, err := a.Define(RoleOptions{Name: "r", Strategy: strategyName, Actions: map[string]Params{path: params}, Snippets: []string{rule, "!" + rule}})
		if err != nil {
			if !isTyped(err) {
				t.Fatalf("Define: untyped error %v", err)
			}
			r, err = a.Define(RoleOptions{Name: "r", Strategy: strategyName})
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := r.GrantAction(path, params); err != nil && !isTyped(err) {
			t.Fatalf("GrantAction: untyped error %v", err)
		}
		_ = r.RevokeAction(path)
		if err := r.AddSnippet(pattern); err != nil && !isTyped(err) {
			t.Fatalf("AddSnippet: untyped error %v", err)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("role JSON: %v", err)
		}
		for _, args := range []CanArgs{
			{Role: "r", Resource: resource, Action: action, RawResourceName: raw},
			{Roles: []string{"r", "r", "missing"}, Resource: resource, Action: action},
			{Roles: []string{rule, "r"}, Resource: raw, Action: path},
		} {
			res := canPtr(a, args)
			d := a.Explain(args)
			if d.Allowed != (res != nil) {
				t.Fatalf("Explain(%+v).Allowed = %v, Can = %v", args, d.Allowed, res)
			}
			if res != nil {
				if _, err := json.Marshal(res); err != nil {
					t.Fatalf("result JSON: %v", err)
				}
			}
			_ = d.String()
		}
		ctx := WithUser(WithRoles(context.Background(), "r"), 1)
		if _, err := a.ResolveParams(ctx, resource, action, params); err != nil && !isTyped(err) {
			t.Fatalf("ResolveParams: untyped error %v", err)
		}
	})
}

// FuzzNarrowParams merges arbitrary request params with arbitrary grant
// params: nothing may panic, the only error is a FieldsError, and the
// result never reaches past the grant. (The full-stack target,
// FuzzRequestNarrowing, lives in resourcer/crud.)
func FuzzNarrowParams(f *testing.F) {
	f.Add(`{"fields":["id","email"],"appends":["roles"],"blacklist":"title"}`, `{"fields":["id","nickname"],"blacklist":["secret"]}`)
	f.Add(`{"fields":"","whitelist":[],"appends":"author.profile"}`, `{"fields":[],"whitelist":["title"],"appends":["author"]}`)
	f.Add(`{"fields":[1,true,null,{"a":"b"}],"filter":{"id":1}}`, `{"fields":{"x":"id"},"filter":"","appends":null}`)
	f.Add(`{"fields":["author"],"appends":["author.x","secret"]}`, `{"fields":["id","author"],"appends":["author"],"filter":{"a":1}}`)
	f.Fuzz(func(t *testing.T, requestJSON, grantJSON string) {
		var request, grant Params
		if json.Unmarshal([]byte(requestJSON), &request) != nil || json.Unmarshal([]byte(grantJSON), &grant) != nil {
			return
		}
		before, _ := json.Marshal(request)
		merged, err := narrowRequestParams("posts", request, grant)
		checkNarrowed(t, grant, request, merged, err)
		if after, _ := json.Marshal(request); string(after) != string(before) {
			t.Fatalf("request changed: %s -> %s", before, after)
		}
	})
}

func isTyped(err error) bool {
	return StatusCode(err) != 500
}

// FuzzGlob checks the pattern compiler never panics, that a pattern with no
// special characters matches exactly itself, and that negation inverts.
func FuzzGlob(f *testing.F) {
	for _, seed := range [][2]string{{"users:*", "users:list"}, {"{a,b{c,d}}:x", "bd:x"}, {"[!a-c]?:*", "d1:z"}, {`\*`, "*"}, {"pm.*", "pm.acl.roles"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		g, err := compileGlob(pattern)
		if err != nil {
			return
		}
		got := g.match(s)
		if !strings.ContainsAny(pattern, `*?[{\!#()`) && got != (pattern == s) {
			t.Fatalf("literal %q match %q = %v", pattern, s, got)
		}
		if n, err := compileGlob("!" + pattern); err == nil && n.match(s) == got {
			t.Fatalf("negated %q gives the same answer on %q", pattern, s)
		}
	})
}
