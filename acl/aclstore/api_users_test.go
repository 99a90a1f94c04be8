package aclstore_test

import (
	"net/http"
	"testing"
)

// TestAPIUsers: roles.users lists a role's users by id; add and remove
// take ids or {id} objects, and the users' roles change at once.
func TestAPIUsers(t *testing.T) {
	apiEach(t, func(t *testing.T, s *apiServer) {
		s.do("POST", "/api/roles/manager/users:add", []any{7, map[string]any{"id": 5}, "6", 7}).want(t, http.StatusOK, "")
		r := s.do("GET", "/api/roles/manager/users", nil).want(t, http.StatusOK, "")
		apiDiff(t, "list", `[{"id":3},{"id":5},{"id":6},{"id":7}]`, apiJSON(t, r.list()))

		s.do("POST", "/api/roles/manager/users:remove", []any{5, 3}).want(t, http.StatusOK, "")
		r = s.do("GET", "/api/roles/manager/users?pageSize=1&page=2", nil).want(t, http.StatusOK, "")
		apiDiff(t, "page 2", `[{"id":7}]`, apiJSON(t, r.list()))
		apiDiff(t, "count", "2", apiField(t, r.Body["meta"].(map[string]any), "count"))

		// User 3 lost manager, its only role: it gets the default role.
		s.user = apiManager
		r = s.do("GET", "/api/roles:check", nil).want(t, http.StatusOK, "")
		apiDiff(t, "roles of user 3", `["member"]`, apiField(t, r.data(), "roles"))
	})
}
