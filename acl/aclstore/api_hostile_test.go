package aclstore_test

import (
	"strings"
	"testing"
)

// TestAPIHostileInput: input a client should not send — unknown param
// keys, fields of the wrong type, malformed or oversized JSON, names that
// look like paths, the root role, unknown roles and scopes — answers a
// 4xx naming what is wrong, and changes nothing in the database or the
// ACL.
func TestAPIHostileInput(t *testing.T) {
	view := func(action map[string]any) map[string]any {
		return map[string]any{"name": "posts", "usingActionsConfig": true, "actions": []any{action}}
	}
	cases := []struct {
		name         string
		method, path string
		body         any
		status       int
		msg          string
	}{
		{"unknown param key", "POST", "/api/roles/member/resources", view(map[string]any{"name": "view", "params": map[string]any{"filtr": map[string]any{}}}), 400, `"filtr"`},
		{"filter as a param", "POST", "/api/roles/member/resources", view(map[string]any{"name": "view", "params": map[string]any{"filter": map[string]any{"a": 1}}}), 400, `"filter"`},
		{"params not an object", "POST", "/api/roles/member/resources", view(map[string]any{"name": "view", "params": []int{1}}), 400, "params must be an object"},
		{"fields as text", "POST", "/api/roles/member/resources", view(map[string]any{"name": "view", "fields": "title,body"}), 400, "fields must be a list"},
		{"field not a string", "POST", "/api/roles/member/resources", view(map[string]any{"name": "view", "fields": []any{"title", 3}}), 400, "fields[1]"},
		{"unknown action field", "POST", "/api/roles/member/resources", view(map[string]any{"name": "view", "whitelist": []string{"a"}}), 400, `"whitelist"`},
		{"action twice", "POST", "/api/roles/member/resources", map[string]any{"name": "posts", "actions": []any{map[string]any{"name": "view"}, map[string]any{"name": "view"}}}, 400, "twice"},
		{"action without a name", "POST", "/api/roles/member/resources", view(map[string]any{"fields": []string{"a"}}), 400, "name is required"},
		{"actions not a list", "POST", "/api/roles/member/resources", map[string]any{"name": "posts", "actions": "view"}, 400, "actions must be a list"},
		{"usingActionsConfig as text", "POST", "/api/roles/member/resources", map[string]any{"name": "posts", "usingActionsConfig": "yes"}, 400, "usingActionsConfig"},
		{"unknown scope", "POST", "/api/roles/member/resources", view(map[string]any{"name": "view", "scopeId": 999}), 400, "999"},
		{"scope ids disagree", "POST", "/api/roles/member/resources", view(map[string]any{"name": "view", "scopeId": 1, "scope": map[string]any{"id": 2}}), 400, "disagree"},
		{"negative scope id", "POST", "/api/roles/member/resources", view(map[string]any{"name": "view", "scopeId": -1}), 400, "scopeId"},
		{"resource named like a path", "POST", "/api/roles/member/resources", map[string]any{"name": "../users"}, 400, "not allowed in a name"},
		{"resource with a colon", "POST", "/api/roles/member/resources", map[string]any{"name": "posts:view"}, 400, "not allowed in a name"},
		{"other role in values", "POST", "/api/roles/member/resources", map[string]any{"name": "posts", "roleName": "admin"}, 400, "roleName"},
		{"resources of an unknown role", "POST", "/api/roles/ghost/resources", view(map[string]any{"name": "view"}), 404, `"ghost"`},
		{"rename a resource", "PATCH", "/api/roles/member/resources/posts", map[string]any{"name": "comments"}, 404, `"posts"`},

		{"role name not a string", "POST", "/api/roles", map[string]any{"name": 5}, 400, "values.name must be a string"},
		{"role named like a path", "POST", "/api/roles", map[string]any{"name": "../admin"}, 400, "not allowed in a name"},
		{"role named dot dot", "POST", "/api/roles", map[string]any{"name": ".."}, 400, `".."`},
		{"role name with NUL", "POST", "/api/roles", map[string]any{"name": "x\x00y"}, 400, "NUL"},
		{"title with NUL", "POST", "/api/roles", map[string]any{"name": "x", "title": "a\x00"}, 400, "NUL"},
		{"role name too long", "POST", "/api/roles", map[string]any{"name": strings.Repeat("a", 200)}, 400, "at most 128"},
		{"unknown role field", "POST", "/api/roles", map[string]any{"name": "x", "resources": []any{}}, 400, `"resources"`},
		{"unknown strategy action", "POST", "/api/roles", map[string]any{"name": "x", "strategy": map[string]any{"actions": []string{"fly"}}}, 400, `"fly"`},
		{"strategy as text", "POST", "/api/roles", map[string]any{"name": "x", "strategy": "view"}, 400, "values.strategy must be an object"},
		{"unknown strategy field", "POST", "/api/roles", map[string]any{"name": "x", "strategy": map[string]any{"action": []string{"view"}}}, 400, `"action"`},
		{"unknown snippet", "POST", "/api/roles", map[string]any{"name": "x", "snippets": []string{"nosuch.*"}}, 400, "nosuch"},
		{"sort a fraction", "POST", "/api/roles", map[string]any{"name": "x", "sort": 1.5}, 400, "values.sort"},
		{"hidden as text", "POST", "/api/roles", map[string]any{"name": "x", "hidden": "true"}, 400, "values.hidden"},
		{"taken name", "POST", "/api/roles", map[string]any{"name": "admin"}, 409, `"admin"`},
		{"taken title", "POST", "/api/roles", map[string]any{"name": "x", "title": "Admin"}, 409, "title"},
		{"values a list", "POST", "/api/roles", []string{"x"}, 400, "values must be an object"},
		{"invalid JSON", "POST", "/api/roles", `{"name": "x"`, 400, "JSON"},
		{"data after the JSON", "POST", "/api/roles", `{"name": "x"} {}`, 400, "after"},
		{"huge body", "POST", "/api/roles", `{"name": "x", "description": "` + strings.Repeat("a", apiMaxBody) + `"}`, 413, ""},
		{"deep JSON", "POST", "/api/roles", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), 400, ""},
		{"rename a role", "PATCH", "/api/roles/member", map[string]any{"name": "boss"}, 400, "cannot be renamed"},
		{"update an unknown role", "PATCH", "/api/roles/ghost", map[string]any{"title": "x"}, 404, `"ghost"`},
		{"update with a bad strategy", "PATCH", "/api/roles/member", map[string]any{"strategy": map[string]any{"actions": []string{"view:mine"}}}, 400, "mine"},
		{"delete root", "DELETE", "/api/roles/root", nil, 400, "root"},
		{"delete an undeletable role", "DELETE", "/api/roles/admin", nil, 400, `"admin"`},
		{"delete with GET", "GET", "/api/roles:destroy/member", nil, 405, "changes data"},
		{"get a path-like name", "GET", "/api/roles/..%2Fadmin", nil, 400, "not allowed in a name"},
		{"default to an unknown role", "POST", "/api/roles:setDefaultRole", map[string]any{"roleName": "ghost"}, 404, `"ghost"`},
		{"default role not a string", "POST", "/api/roles:setDefaultRole", map[string]any{"roleName": []int{1}}, 400, "roleName"},
		{"a filter the list cannot apply", "GET", `/api/roles?filter={"$or":[{"name":"admin"}]}`, nil, 400, "$or"},

		{"assign to an unknown role", "POST", "/api/roles/ghost/users:add", []int{2}, 404, `"ghost"`},
		{"user id not a number", "POST", "/api/roles/member/users:add", []any{4, "x"}, 400, "values[1]"},
		{"user id zero", "POST", "/api/roles/member/users:add", []any{0}, 400, "values[0]"},
		{"user id a fraction", "POST", "/api/roles/member/users:add", []any{map[string]any{"id": 1.5}}, 400, "values[0].id"},
		{"users as an object", "POST", "/api/roles/member/users:add", map[string]any{"id": 4}, 400, "values must be a list"},
		{"no users", "POST", "/api/roles/member/users:remove", nil, 400, "values is required"},
		{"unassign from an unknown role", "POST", "/api/roles/ghost/users:remove", []int{1}, 404, `"ghost"`},

		{"unknown snippet rule", "POST", "/api/roles/member/snippets:add", []string{"pm.nosuch"}, 400, "pm.nosuch"},
		{"snippet rule not a string", "POST", "/api/roles/member/snippets:add", []any{"pm", 1}, 400, "values[1]"},
		{"empty snippet rule", "POST", "/api/roles/member/snippets:add", []any{"!"}, 400, "values[0]"},
		{"snippets of an unknown role", "POST", "/api/roles/ghost/snippets:add", []string{"pm"}, 404, `"ghost"`},

		{"taken scope key", "POST", "/api/rolesResourcesScopes", map[string]any{"key": "all"}, 400, `"all"`},
		{"scope not an object", "POST", "/api/rolesResourcesScopes", map[string]any{"key": "k", "scope": "status=1"}, 400, "values.scope"},
		{"unknown scope field", "POST", "/api/rolesResourcesScopes", map[string]any{"key": "k", "filter": map[string]any{}}, 400, `"filter"`},
	}
	apiEach(t, func(t *testing.T, s *apiServer) {
		before := s.state()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s.t = t
				s.do(c.method, c.path, c.body).want(t, c.status, c.msg)
				apiDiff(t, "state", before, s.state())
			})
		}
	})
}
