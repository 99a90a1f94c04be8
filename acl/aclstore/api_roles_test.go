package aclstore_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// apiNames are the names of a list answer's objects.
func apiNames(t *testing.T, r apiReply) []string {
	t.Helper()
	var out []string
	for _, e := range r.list() {
		m, _ := e.(map[string]any)
		name, _ := m["name"].(string)
		out = append(out, name)
	}
	return out
}

// TestAPIRolesList: roles:list answers NocoBase's list with meta, sorted
// by sort then name, without anonymous unless asked, filtered by name,
// title and hidden, and refuses a filter it cannot apply.
func TestAPIRolesList(t *testing.T) {
	apiEach(t, func(t *testing.T, s *apiServer) {
		s.do("POST", "/api/roles", map[string]any{"name": "anonymous", "title": "Anonymous", "sort": 0}).want(t, http.StatusOK, "")

		r := s.do("GET", "/api/roles", nil).want(t, http.StatusOK, "")
		apiDiff(t, "names", []string{"root", "admin", "member", "manager"}, apiNames(t, r))
		apiDiff(t, "meta", map[string]any{"count": 4.0, "page": 1.0, "pageSize": 20.0, "totalPage": 1.0}, r.Body["meta"])

		r = s.do("GET", "/api/roles?showAnonymous=true&pageSize=2&page=2", nil).want(t, http.StatusOK, "")
		apiDiff(t, "page 2 with anonymous", []string{"admin", "member"}, apiNames(t, r))

		r = s.do("GET", `/api/roles?filter={"hidden":true}`, nil).want(t, http.StatusOK, "")
		apiDiff(t, "hidden", []string{"root"}, apiNames(t, r))
		r = s.do("GET", `/api/roles?filter={"$and":[{"title.$eq":"Member"},{"hidden":false}]}`, nil).want(t, http.StatusOK, "")
		apiDiff(t, "title", []string{"member"}, apiNames(t, r))
		r = s.do("GET", `/api/roles?paginate=false&filter={"name":{"$eq":"admin"}}`, nil).want(t, http.StatusOK, "")
		apiDiff(t, "name", []string{"admin"}, apiNames(t, r))
		if _, has := r.Body["meta"]; has {
			t.Errorf("paginate=false answered meta: %s", r.Raw)
		}

		s.do("GET", `/api/roles?filter={"title":{"$includes":"Adm"}}`, nil).want(t, http.StatusBadRequest, "only $eq")
		s.do("GET", `/api/roles?filter={"strategy":"x"}`, nil).want(t, http.StatusBadRequest, "name, title, hidden")
		s.do("GET", "/api/roles?pageSize=100000", nil).want(t, http.StatusBadRequest, "pageSize")
	})
}

// TestAPIRolesCRUD: create, get, update and destroy change the table and
// the ACL together, record the acting user, and answer the row.
func TestAPIRolesCRUD(t *testing.T) {
	apiEach(t, func(t *testing.T, s *apiServer) {
		r := s.do("POST", "/api/roles", map[string]any{
			"name": "editor", "title": "Editor", "description": "edits posts", "sort": 5,
			"strategy": map[string]any{"actions": []string{"view", "update:own"}}, "snippets": []string{"ui.*"},
			"allowNewMenu": true, "createdAt": "ignored",
		}).want(t, http.StatusOK, "")
		got := r.data()
		for k, want := range map[string]string{
			"name": `"editor"`, "title": `"Editor"`, "description": `"edits posts"`, "sort": "5", "allowNewMenu": "true",
			"strategy": `{"actions":["view","update:own"],"allowConfigure":false}`, "snippets": `["ui.*"]`,
			"createdById": "1", "updatedById": "1",
		} {
			if g := apiField(t, got, k); g != want {
				t.Errorf("created %s = %s, want %s", k, g, want)
			}
		}
		apiDiff(t, "ACL role", `{"role":"editor","strategy":{"actions":["view","update:own"],"allowConfigure":false},"actions":{},"snippets":["ui.*"]}`, s.roleJSON("editor"))

		r = s.do("POST", "/api/roles", map[string]any{"title": "Unnamed"}).want(t, http.StatusOK, "")
		if name, _ := r.data()["name"].(string); !strings.HasPrefix(name, "r_") || len(name) != 13 {
			t.Errorf("a role without a name got %q, want r_ and 11 characters", name)
		}

		s.do("GET", "/api/roles/editor", nil).want(t, http.StatusOK, "")
		r = s.do("PATCH", "/api/roles/editor", map[string]any{"name": "editor", "title": "Chief editor", "hidden": true, "strategy": nil}).want(t, http.StatusOK, "")
		for k, want := range map[string]string{"title": `"Chief editor"`, "hidden": "true", "description": `"edits posts"`, "strategy": "null", "sort": "5"} {
			if g := apiField(t, r.data(), k); g != want {
				t.Errorf("updated %s = %s, want %s", k, g, want)
			}
		}
		if _, ok := s.acl.Can(acl.CanArgs{Role: "editor", Resource: "posts", Action: "list"}); ok {
			t.Error("editor may still list posts after its strategy was removed")
		}

		s.user = apiManager
		s.do("PUT", "/api/roles/editor", map[string]any{"description": "by the manager"}).want(t, http.StatusOK, "")
		row, err := s.s.Role(context.Background(), "editor")
		if err != nil {
			t.Fatal(err)
		}
		if row.CreatedByID == nil || *row.CreatedByID != apiAdmin || row.UpdatedByID == nil || *row.UpdatedByID != apiManager {
			t.Errorf("audit createdById %v updatedById %v, want %d and %d", row.CreatedByID, row.UpdatedByID, apiAdmin, apiManager)
		}

		s.do("DELETE", "/api/roles/editor", nil).want(t, http.StatusOK, "")
		s.do("GET", "/api/roles/editor", nil).want(t, http.StatusNotFound, `"editor"`)
		apiDiff(t, "ACL role after destroy", "<none>", s.roleJSON("editor"))
		s.do("DELETE", "/api/roles/editor", nil).want(t, http.StatusNotFound, `"editor"`)
	})
}

// TestAPISetDefaultRole: roles:setDefaultRole (values {roleName}) moves the
// default flag, and users without a role get the new default.
func TestAPISetDefaultRole(t *testing.T) {
	apiEach(t, func(t *testing.T, s *apiServer) {
		r := s.do("POST", "/api/roles:setDefaultRole", map[string]any{"roleName": "manager"}).want(t, http.StatusOK, "")
		apiDiff(t, "answer", "true", apiField(t, r.data(), "default"))
		r = s.do("GET", `/api/roles?paginate=false&filter={"name":"member"}`, nil).want(t, http.StatusOK, "")
		if m, _ := r.list()[0].(map[string]any); m["default"] != false {
			t.Errorf("member is still a default role: %s", r.Raw)
		}
		roles, err := s.s.RolesOf(context.Background(), 99)
		if err != nil {
			t.Fatal(err)
		}
		apiDiff(t, "roles of a user without any", []string{"manager"}, roles)
		s.do("POST", "/api/roles:setDefaultRole", map[string]any{"roleName": "ghost"}).want(t, http.StatusNotFound, `"ghost"`)
		s.do("POST", "/api/roles:setDefaultRole", nil).want(t, http.StatusBadRequest, "roleName")
	})
}
