package aclstore_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
)

// apiRequest is one request of a table, with its body and the status a
// role allowed to run it gets.
type apiRequest struct {
	method, path string
	body         any
	status       int
}

// apiEveryAction is a request for every action of the API, in an order
// that works when run once: X stands for a name of the run's own.
func apiEveryAction() []apiRequest {
	posts := map[string]any{"name": "posts", "usingActionsConfig": true, "actions": []any{map[string]any{"name": "view"}}}
	return []apiRequest{
		{"GET", "/api/roles", nil, 200},
		{"GET", "/api/roles/admin", nil, 200},
		{"POST", "/api/roles", map[string]any{"name": "rX"}, 200},
		{"PATCH", "/api/roles/rX", map[string]any{"title": "Title X"}, 200},
		{"POST", "/api/roles/rX/resources", posts, 200},
		{"GET", "/api/roles/rX/resources", nil, 200},
		{"GET", "/api/roles/rX/resources/posts", nil, 200},
		{"PATCH", "/api/roles/rX/resources/posts", map[string]any{"actions": []any{}}, 200},
		{"DELETE", "/api/roles/rX/resources/posts", nil, 200},
		{"GET", "/api/roles/rX/snippets", nil, 200},
		{"POST", "/api/roles/rX/snippets:add", []string{"pm"}, 200},
		{"POST", "/api/roles/rX/snippets:remove", []string{"pm"}, 200},
		{"POST", "/api/roles/rX/users:add", []int{50}, 200},
		{"GET", "/api/roles/rX/users", nil, 200},
		{"POST", "/api/roles/rX/users:remove", []int{50}, 200},
		{"GET", "/api/rolesResourcesScopes", nil, 200},
		{"POST", "/api/rolesResourcesScopes", map[string]any{"key": "kX", "scope": map[string]any{"x": 1}}, 200},
		{"GET", "/api/availableActions:list", nil, 200},
		{"POST", "/api/roles:setDefaultRole", map[string]any{"roleName": "member"}, 200},
		{"DELETE", "/api/roles/rX", nil, 200},
	}
}

// TestAPISnippetGuard: behind acl.Middleware, the snippet pm.acl.roles
// (RegisterACL) grants every action of the API: a role without it (member,
// whose rules switch pm.* off) gets 403 for each and changes nothing; a
// role with it alone (manager), or through pm.* (admin), runs them all.
// roles:check needs no snippet.
func TestAPISnippetGuard(t *testing.T) {
	apiEach(t, func(t *testing.T, s *apiServer) {
		apiDiff(t, "snippet", []acl.Snippet{{Name: "pm.acl.roles", Actions: aclstore.SnippetPatterns()}}, s.acl.Snippets()[2:])
		before := s.state()
		for _, user := range []int64{apiMember, apiManager, apiAdmin} {
			s.user = user
			suffix := string(rune('a' + user))
			for _, req := range apiEveryAction() {
				want := req.status
				if user == apiMember {
					want = http.StatusForbidden
				}
				path := strings.ReplaceAll(req.path, "X", suffix)
				body := req.body
				if m, ok := body.(map[string]any); ok {
					body = apiReplaceX(m, suffix)
				}
				if got := s.do(req.method, path, body); got.Status != want {
					t.Errorf("user %d: %s %s = %d, want %d: %s", user, req.method, path, got.Status, want, got.Raw)
				}
			}
			if user == apiMember {
				apiDiff(t, "state after the member's requests", before, s.state())
			}
			s.do("GET", "/api/roles:check", nil).want(t, http.StatusOK, "")
		}
	})
}

// apiReplaceX replaces X in a body's top-level strings.
func apiReplaceX(m map[string]any, suffix string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			v = strings.ReplaceAll(s, "X", suffix)
		}
		out[k] = v
	}
	return out
}
