package aclstore_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// TestAPISnippets: roles.snippets lists a role's rules, add appends the
// ones it lacks, remove takes them out, and the ACL follows.
func TestAPISnippets(t *testing.T) {
	apiEach(t, func(t *testing.T, s *apiServer) {
		r := s.do("GET", "/api/roles/member/snippets", nil).want(t, http.StatusOK, "")
		apiDiff(t, "list", `["!ui.*","!pm","!pm.*"]`, apiJSON(t, r.list()))

		r = s.do("POST", "/api/roles/member/snippets:add", []string{"pm.acl.roles", "!pm"}).want(t, http.StatusOK, "")
		apiDiff(t, "after add", `["!ui.*","!pm","!pm.*","pm.acl.roles"]`, apiJSON(t, r.list()))
		if _, ok := s.acl.Can(acl.CanArgs{Role: "member", Resource: "roles", Action: "create"}); ok {
			t.Error("member may create roles while its rule !pm.* switches pm.acl.roles off")
		}

		r = s.do("POST", "/api/roles/member/snippets:remove", []string{"!pm.*", "!pm", "nothing"}).want(t, http.StatusOK, "")
		apiDiff(t, "after remove", `["!ui.*","pm.acl.roles"]`, apiJSON(t, r.list()))
		apiDiff(t, "ACL", `{"role":"member","strategy":{"actions":["view","update:own","destroy:own","create"],"allowConfigure":false},"actions":{},"snippets":["!ui.*","pm.acl.roles"]}`, s.roleJSON("member"))
		r = s.do("GET", "/api/roles/member/snippets", nil).want(t, http.StatusOK, "")
		apiDiff(t, "list after", `["!ui.*","pm.acl.roles"]`, apiJSON(t, r.list()))
		if _, ok := s.acl.Can(acl.CanArgs{Role: "member", Resource: "roles", Action: "create"}); !ok {
			t.Error("member may not create roles with pm.acl.roles and no rule against it")
		}
	})
}
