package aclstore_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// apiScopeID finds a scope's id by key through rolesResourcesScopes:list.
func apiScopeID(t *testing.T, s *apiServer, key string) float64 {
	t.Helper()
	r := s.do("GET", `/api/rolesResourcesScopes?paginate=false&filter={"key":"`+key+`"}`, nil).want(t, http.StatusOK, "")
	if len(r.list()) != 1 {
		t.Fatalf("scope %s: %s", key, r.Raw)
	}
	m, _ := r.list()[0].(map[string]any)
	id, _ := m["id"].(float64)
	return id
}

// TestAPIResources: roles.resources configures a role's grants on a
// resource in NocoBase's shape; the ACL answers with the fields, the
// scope's filter and the other params; update replaces the actions whole
// and destroy hands the resource back to the strategy.
func TestAPIResources(t *testing.T) {
	apiEach(t, func(t *testing.T, s *apiServer) {
		own := apiScopeID(t, s, "own")
		s.do("GET", "/api/roles/member/resources", nil).want(t, http.StatusOK, "")
		r := s.do("POST", "/api/roles/member/resources", map[string]any{
			"name": "posts", "usingActionsConfig": true,
			"actions": []any{
				map[string]any{"name": "view", "fields": []string{"title", "body"}, "scope": map[string]any{"id": own, "key": "own"}},
				map[string]any{"name": "update", "scopeId": own, "params": map[string]any{"whitelist": []string{"title"}}},
				map[string]any{"name": "create", "fields": nil, "id": 77},
			},
		}).want(t, http.StatusOK, "")
		want := `{"actions":[` +
			`{"fields":[],"name":"create","scopeId":null},` +
			`{"fields":[],"name":"update","params":{"whitelist":["title"]},"scopeId":2},` +
			`{"fields":["title","body"],"name":"view","scopeId":2}],` +
			`"name":"posts","roleName":"member","usingActionsConfig":true}`
		apiDiff(t, "created", want, apiJSON(t, r.data()))

		res, ok := s.acl.Can(acl.CanArgs{Role: "member", Resource: "posts", Action: "list"})
		apiDiff(t, "member posts:list", `true {"role":"member","resource":"posts","action":"list","params":{"fields":["title","body"],"filter":{"createdById":"{{ ctx.state.currentUser.id }}"}}}`,
			apiJSON(t, ok)+" "+apiJSON(t, res))
		if _, ok := s.acl.Can(acl.CanArgs{Role: "member", Resource: "posts", Action: "destroy"}); ok {
			t.Error("member may destroy posts: the resource's actions should replace the strategy there")
		}

		s.do("POST", "/api/roles/member/resources", map[string]any{"name": "posts"}).want(t, http.StatusConflict, `"posts"`)
		r = s.do("GET", "/api/roles/member/resources/posts", nil).want(t, http.StatusOK, "")
		apiDiff(t, "get", want, apiJSON(t, r.data()))
		r = s.do("GET", "/api/roles/member/resources", nil).want(t, http.StatusOK, "")
		apiDiff(t, "list", "["+want+"]", apiJSON(t, r.list()))

		r = s.do("PATCH", "/api/roles/member/resources/posts", map[string]any{
			"roleName": "member", "actions": []any{map[string]any{"name": "view", "fields": []string{"title"}}},
		}).want(t, http.StatusOK, "")
		apiDiff(t, "updated", `{"actions":[{"fields":["title"],"name":"view","scopeId":null}],"name":"posts","roleName":"member","usingActionsConfig":true}`, apiJSON(t, r.data()))
		apiDiff(t, "ACL after update", `{"role":"member","strategy":{"actions":["view","update:own","destroy:own","create"],"allowConfigure":false},"actions":{"posts:view":{"fields":["title"]}},"snippets":["!ui.*","!pm","!pm.*"]}`, s.roleJSON("member"))

		s.do("DELETE", "/api/roles/member/resources/posts", nil).want(t, http.StatusOK, "")
		s.do("GET", "/api/roles/member/resources/posts", nil).want(t, http.StatusNotFound, `"posts"`)
		s.do("DELETE", "/api/roles/member/resources/posts", nil).want(t, http.StatusNotFound, `"posts"`)
		if _, ok := s.acl.Can(acl.CanArgs{Role: "member", Resource: "posts", Action: "destroy"}); !ok {
			t.Error("member may not destroy posts after the resource was removed: the strategy should decide again")
		}
		s.do("GET", "/api/roles/ghost/resources", nil).want(t, http.StatusNotFound, `"ghost"`)
	})
}
