package aclstore_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// coreServer is a host's stack: authentication (the X-User header stands
// for a verified token; X-Role picks a role), the store's middleware, then
// acl.Middleware, then a handler naming the role that allowed the request.
func coreServer(s *aclstore.Store) *httptest.Server {
	actions := acl.ActionSourceFunc(func(r *http.Request) (acl.Action, bool) {
		resource, action, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/api/"), ":")
		return acl.Action{Resource: resource, Name: action}, ok
	})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		perm, _ := acl.PermissionFrom(r.Context())
		io.WriteString(w, perm.Can.Role)
	})
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if id := r.Header.Get("X-User"); id != "" {
				ctx = acl.WithUser(ctx, id)
			}
			if role := r.Header.Get("X-Role"); role != "" {
				ctx = acl.WithRole(ctx, role)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
	return httptest.NewServer(auth(s.Middleware()(s.ACL().Middleware(acl.MiddlewareOptions{Actions: actions})(handler))))
}

// TestCoreMiddleware: the roles a user has in the database decide, end to
// end through acl.Middleware; a role the user picks must be theirs; a
// database error is a 500 that tells nothing.
func TestCoreMiddleware(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := coreStore(t, db)
		ctx := context.Background()
		for _, name := range []string{"member", "admin"} {
			if err := s.CreateRole(ctx, &aclstore.Role{Name: name}); err != nil {
				t.Fatal(err)
			}
			if err := s.Grant(ctx, name, "posts:list", nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Grant(ctx, "admin", "posts:destroy", nil); err != nil {
			t.Fatal(err)
		}
		for _, a := range []struct {
			user int64
			role string
		}{{1, "member"}, {2, "member"}, {2, "admin"}} {
			if err := s.AssignUser(ctx, a.user, a.role); err != nil {
				t.Fatal(err)
			}
		}
		srv := coreServer(s)
		defer srv.Close()
		cases := []struct {
			name, path, user, role string
			status                 int
			body                   string
		}{
			{"member lists", "/api/posts:list", "1", "", 200, "member"},
			{"member may not destroy", "/api/posts:destroy", "1", "", 403, "No permissions"},
			{"the union of a user's roles", "/api/posts:destroy", "2", "", 200, "admin"},
			{"a picked role alone", "/api/posts:destroy", "2", "member", 403, "No permissions"},
			{"a role the user lacks", "/api/posts:list", "1", "admin", 403, "not one of the user's roles"},
			{"no user: anonymous", "/api/posts:list", "", "", 403, "No permissions"},
			{"a user without roles", "/api/posts:list", "3", "", 403, "No permissions"},
		}
		for _, c := range cases {
			status, body := coreGet(t, srv.URL+c.path, c.user, c.role)
			if status != c.status || !strings.Contains(body, c.body) {
				t.Errorf("%s: %d %q, want %d containing %q", c.name, status, body, c.status, c.body)
			}
		}
		db.Close()
		status, body := coreGet(t, srv.URL+"/api/posts:list", "4", "")
		if status != http.StatusInternalServerError || body != `{"errors":[{"message":"Internal server error"}]}` {
			t.Errorf("with the database closed: %d %q", status, body)
		}
	})
}

func coreGet(t *testing.T, url, user, role string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if user != "" {
		req.Header.Set("X-User", user)
	}
	if role != "" {
		req.Header.Set("X-Role", role)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
