package aclstore_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// apiFuzzTargets are the writing actions FuzzAPIWrites sends bodies to.
var apiFuzzTargets = []struct{ method, path string }{
	{"POST", "/api/roles"},
	{"PATCH", "/api/roles/member"},
	{"POST", "/api/roles/member/resources"},
	{"PATCH", "/api/roles/member/resources/posts"},
	{"POST", "/api/roles/member/snippets:add"},
	{"POST", "/api/roles/member/snippets:remove"},
	{"POST", "/api/roles/member/users:add"},
	{"POST", "/api/roles/member/users:remove"},
	{"POST", "/api/rolesResourcesScopes"},
	{"POST", "/api/roles:setDefaultRole"},
}

// FuzzAPIWrites: whatever body a client sends to a writing action, on
// either database, the answer is never a server error, and a refusal
// (4xx) changes nothing in the database or the ACL.
func FuzzAPIWrites(f *testing.F) {
	seeds := []string{
		`{"name":"x","strategy":{"actions":["view"]}}`,
		`{"name":"posts","usingActionsConfig":true,"actions":[{"name":"view","fields":["a"],"scopeId":2,"params":{"whitelist":["a"]}}]}`,
		`{"actions":[{"name":"view","scope":{"id":1}}]}`,
		`["pm","!pm.*"]`, `[1,{"id":2},"3"]`, `{"roleName":"manager"}`,
		`{"key":"k","scope":{"status":{"$eq":"x"}}}`,
		`{"name":"a\u0000b"}`, `{"sort":1e400}`, `{"hidden":null,"title":null}`, `[`, `null`, `"x"`, `{}`,
	}
	for i, seed := range seeds {
		f.Add(uint8(i), seed)
	}
	servers := []*apiServer{apiNewServer(f, dbtest.SQLite(f)), apiNewServer(f, dbtest.Postgres(f))}
	f.Fuzz(func(t *testing.T, target uint8, body string) {
		to := apiFuzzTargets[int(target)%len(apiFuzzTargets)]
		for _, s := range servers {
			s.t = t
			before := s.state()
			r := s.do(to.method, to.path, body)
			switch {
			case r.Status >= http.StatusInternalServerError:
				t.Fatalf("%s %s %q: %s", to.method, to.path, body, r.Raw)
			case r.Status >= http.StatusBadRequest:
				apiDiff(t, "state after a refusal", before, s.state())
			}
		}
	})
}
