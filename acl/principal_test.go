package acl_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// TestWithPrincipalSetsWhatTheMiddlewareReads checks the getters after
// WithPrincipal: the record keeps its fields but its id is the one given,
// the caller's map is not changed, and the roles and role are set as given.
func TestWithPrincipalSetsWhatTheMiddlewareReads(t *testing.T) {
	a := acl.New()
	user := map[string]any{"id": "stale", "nickname": "ann"}
	loads := 0
	load := func(context.Context) (map[string]any, error) { loads++; return user, nil }
	ctx := a.WithPrincipal(context.Background(), int64(7), load, "__union__", []string{"a", "b"})

	if id, ok := acl.UserID(ctx); !ok || id != int64(7) {
		t.Errorf("UserID = %v, %v; want 7", id, ok)
	}
	if loads != 0 {
		t.Errorf("the record was loaded %d times before anything read it", loads)
	}
	for range 2 {
		rec, _ := acl.UserFrom(ctx)
		if diff := cmp.Diff(map[string]any{"id": int64(7), "nickname": "ann"}, rec); diff != "" {
			t.Errorf("record (-want +got):\n%s", diff)
		}
	}
	if loads != 1 {
		t.Errorf("the record was loaded %d times; want once", loads)
	}
	if user["id"] != "stale" {
		t.Errorf("the caller's map was changed: %v", user)
	}
	if roles, set := acl.CurrentRoles(ctx); !set || !cmp.Equal(roles, []string{"a", "b"}) {
		t.Errorf("CurrentRoles = %v, %v", roles, set)
	}
	if got := acl.CurrentRole(ctx); got != "__union__" {
		t.Errorf("CurrentRole = %q", got)
	}

	bare := a.WithPrincipal(context.Background(), int64(8), nil, "", []string{})
	if rec, ok := acl.UserFrom(bare); !ok || !cmp.Equal(rec, map[string]any{"id": int64(8)}) {
		t.Errorf("nil record: %v, %v", rec, ok)
	}
	if roles, set := acl.CurrentRoles(bare); !set || len(roles) != 0 {
		t.Errorf("an empty role list must stay set (it denies everything): %v, %v", roles, set)
	}
	if got := acl.CurrentRole(bare); got != "" {
		t.Errorf("no role given, CurrentRole = %q", got)
	}
}

// TestWithPrincipalDrivesTheMiddleware runs requests through acl.Middleware:
// the role list decides (one role alone, or the union), and the user makes
// the loggedIn condition pass.
func TestWithPrincipalDrivesTheMiddleware(t *testing.T) {
	a := acl.New()
	if _, err := a.Define(acl.RoleOptions{Name: "reader", Actions: map[string]acl.Params{"posts:list": {}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Define(acl.RoleOptions{Name: "writer", Actions: map[string]acl.Params{"posts:create": {}}}); err != nil {
		t.Fatal(err)
	}
	a.Allow("profile", []string{"get"}, "loggedIn")
	resource, action := "", ""
	src := acl.ActionSourceFunc(func(*http.Request) (acl.Action, bool) {
		return acl.Action{Resource: resource, Name: action}, true
	})
	h := a.Middleware(acl.MiddlewareOptions{Actions: src})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	status := func(ctx context.Context, res, act string) int {
		resource, action = res, act
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
		return w.Code
	}

	bg := context.Background()
	asReader := a.WithPrincipal(bg, int64(1), nil, "reader", []string{"reader"})
	asUnion := a.WithPrincipal(bg, int64(1), nil, "__union__", []string{"reader", "writer"})
	cases := []struct {
		name     string
		ctx      context.Context
		res, act string
		want     int
	}{
		{"picked role may list", asReader, "posts", "list", 200},
		{"picked role alone: the other role's grant does not apply", asReader, "posts", "create", 403},
		{"union may create", asUnion, "posts", "create", 200},
		{"union may list", asUnion, "posts", "list", 200},
		{"a principal is logged in", asReader, "profile", "get", 200},
		{"no principal is not", bg, "profile", "get", 403},
	}
	for _, c := range cases {
		if got := status(c.ctx, c.res, c.act); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
