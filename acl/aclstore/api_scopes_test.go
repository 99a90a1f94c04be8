package aclstore_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// TestAPIScopes: rolesResourcesScopes lists the built-in scopes and those
// added, per resource, and a grant may use a scope added through it.
func TestAPIScopes(t *testing.T) {
	apiEach(t, func(t *testing.T, s *apiServer) {
		r := s.do("POST", "/api/rolesResourcesScopes", map[string]any{
			"key": "published", "name": "Published posts", "resourceName": "posts", "scope": map[string]any{"status": "published"},
		}).want(t, http.StatusOK, "")
		id := r.data()["id"]
		r = s.do("POST", "/api/rolesResourcesScopes", map[string]any{"name": "Mine", "scope": map[string]any{"ownerId": "{{ ctx.state.currentUser.id }}"}}).want(t, http.StatusOK, "")
		if key, _ := r.data()["key"].(string); key == "" {
			t.Errorf("a scope without a key got none: %s", r.Raw)
		}

		keys := func(r apiReply) []string {
			var out []string
			for _, e := range r.list() {
				m, _ := e.(map[string]any)
				out = append(out, m["key"].(string))
			}
			return out
		}
		r = s.do("GET", `/api/rolesResourcesScopes?filter={"resourceName":"posts"}`, nil).want(t, http.StatusOK, "")
		if got := keys(r); len(got) != 4 || got[0] != "all" || got[1] != "own" || got[2] != "published" {
			t.Errorf("scopes of posts = %v, want all, own, published and the generated one", got)
		}
		r = s.do("GET", `/api/rolesResourcesScopes?filter={"resourceName":"comments"}`, nil).want(t, http.StatusOK, "")
		if got := keys(r); len(got) != 3 {
			t.Errorf("scopes of comments = %v, want the three of every resource", got)
		}

		s.do("POST", "/api/roles/member/resources", map[string]any{
			"name": "posts", "usingActionsConfig": true, "actions": []any{map[string]any{"name": "view", "scopeId": id}},
		}).want(t, http.StatusOK, "")
		res, _ := s.acl.Can(acl.CanArgs{Role: "member", Resource: "posts", Action: "view"})
		apiDiff(t, "params", `{"filter":{"status":"published"}}`, apiJSON(t, res.Params))
		s.do("POST", "/api/roles/member/resources", map[string]any{
			"name": "comments", "usingActionsConfig": true, "actions": []any{map[string]any{"name": "view", "scopeId": id}},
		}).want(t, http.StatusBadRequest, "belongs to resource")
	})
}
