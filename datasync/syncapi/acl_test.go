package syncapi_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/syncapi"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// *acl.ACL is what RegisterACL is meant for.
var _ syncapi.SnippetRegistrar = (*acl.ACL)(nil)

// TestACLSnippet: the snippet pm.user-data-sync, registered on a real ACL
// wired in front of the API, grants a role every action of the three
// resources, and a role without it none.
func TestACLSnippet(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		a := acl.New()
		if err := syncapi.RegisterACL(a); err != nil {
			t.Fatal(err)
		}
		want := []acl.Snippet{{Name: "pm.user-data-sync", Actions: []string{"userData:*", "userDataSyncSources:*", "userDataSyncTasks:*"}}}
		if diff := cmp.Diff(want, a.Snippets()); diff != "" {
			t.Errorf("snippets (-want +got):\n%s", diff)
		}
		if _, err := a.Define(acl.RoleOptions{Name: "syncAdmin", Snippets: []string{"pm.user-data-sync"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Define(acl.RoleOptions{Name: "member"}); err != nil {
			t.Fatal(err)
		}

		m := synctest.Directory(t, db)
		if err := m.RegisterSourceType("static", datasync.SourceType{New: newStatic}); err != nil {
			t.Fatal(err)
		}
		rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
		rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: rs}), resourcer.UseOptions{Tag: "acl"})
		if err := syncapi.Register(rs, m, syncapi.Options{}); err != nil {
			t.Fatal(err)
		}
		// The host's authentication, reduced to a header naming the role.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rs.ServeHTTP(w, r.WithContext(acl.WithRole(r.Context(), r.Header.Get("X-Role"))))
		}))
		t.Cleanup(srv.Close)
		s := &server{t: t, m: m, url: srv.URL}

		requests := []struct {
			method, path string
			body         map[string]any
			status       int // for syncAdmin
		}{
			{"POST", "/api/userDataSyncSources", map[string]any{"name": "hr", "sourceType": "static", "enabled": true, "options": map[string]any{"users": people("ada")}}, 200},
			{"GET", "/api/userDataSyncSources", nil, 200},
			{"GET", "/api/userData:listSyncTypes", nil, 200},
			{"POST", "/api/userData:pull/hr", nil, 202},
			{"GET", "/api/userDataSyncTasks", nil, 200},
			{"GET", "/api/userDataSyncTasks:searchHistory", nil, 200},
			{"POST", "/api/userData:push", map[string]any{"dataType": "user", "records": people("bob")}, 200},
		}
		for _, role := range []string{"member", "syncAdmin"} {
			s.header = http.Header{"X-Role": {role}}
			for _, req := range requests {
				want := req.status
				if role == "member" {
					want = http.StatusForbidden
				}
				var body any
				if req.body != nil {
					body = req.body
				}
				if got := s.do(req.method, req.path, body); got.Status != want {
					t.Errorf("%s: %s %s = %d, want %d: %s", role, req.method, req.path, got.Status, want, got.Raw)
				} else if got.Status == http.StatusAccepted {
					s.wait(id(t, got.data(), "taskId"))
				}
			}
		}
	})
}
