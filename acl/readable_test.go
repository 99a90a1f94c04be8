package acl

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readableRouter is an ActionSource the way a router implements one, that
// also takes the readable function back (ReadableSetter).
type readableRouter struct {
	resource, action string
	readable         func(string) ([]string, bool)
	setCalls         int
}

func (rt *readableRouter) RequestAction(*http.Request) (string, string, map[string]any, bool) {
	return rt.resource, rt.action, nil, true
}

func (rt *readableRouter) SetRequestParams(*http.Request, map[string]any) {}

func (rt *readableRouter) SetRequestReadable(_ *http.Request, fn func(string) ([]string, bool)) {
	rt.readable, rt.setCalls = fn, rt.setCalls+1
}

func readableACL(t *testing.T) *ACL {
	t.Helper()
	a := New()
	a.SetAvailableAction("view", ActionOptions{Aliases: []string{"list", "get"}})
	mustDefine(t, a, RoleOptions{Name: "member", Actions: map[string]Params{
		"users:list": {"fields": []string{"id", "nickname"}},
		"users:get":  {"fields": []string{"id", "email"}, "appends": []string{"roles"}},
		"posts:view": {"own": true},
		"notes:list": {"fields": []string{}},
		"tasks:list": {"appends": []string{"assignee"}},
	}})
	mustDefine(t, a, RoleOptions{Name: "viewer", Actions: map[string]Params{
		"users:list": {"fields": []string{"avatar"}},
	}})
	a.Allow("tags", []string{"list"}, "public")
	return a
}

type readableWant struct {
	fields []string
	all    bool
}

func checkReadable(t *testing.T, fn func(string) ([]string, bool), want map[string]readableWant) {
	t.Helper()
	for collection, w := range want {
		fields, all := fn(collection)
		slices.Sort(fields)
		if all != w.all || !slices.Equal(fields, w.fields) {
			t.Errorf("readable(%s) = %v, %v; want %v, %v", collection, fields, all, w.fields, w.all)
		}
	}
}

func TestMiddlewareHandsReadable(t *testing.T) {
	a := readableACL(t)
	cases := []struct {
		name             string
		ctx              context.Context
		resource, action string
		want             map[string]readableWant
	}{
		{"two roles", WithRoles(context.Background(), "member", "viewer"), "posts", "list", map[string]readableWant{
			"users":    {fields: []string{"avatar", "email", "id", "nickname", "roles"}},
			"posts":    {all: true},
			"notes":    {fields: []string{}},
			"tasks":    {fields: []string{AllFields, "assignee"}},
			"comments": {},
		}},
		{"one role", WithRole(context.Background(), "viewer"), "users", "list", map[string]readableWant{
			"users": {fields: []string{"avatar"}},
			"posts": {},
		}},
		{"allowed by a condition", context.Background(), "tags", "list", map[string]readableWant{
			"tags":  {all: true},
			"users": {},
		}},
		{"root", WithRoles(context.Background(), "viewer", "root"), "users", "list", map[string]readableWant{
			"users": {all: true},
		}},
	}
	mustDefine(t, a, RoleOptions{Name: "root"})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt := &readableRouter{resource: c.resource, action: c.action}
			h := a.Middleware(MiddlewareOptions{Actions: rt})(okHandler)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil).WithContext(c.ctx))
			if w.Code != http.StatusNoContent || rt.setCalls != 1 {
				t.Fatalf("status %d, SetRequestReadable called %d times", w.Code, rt.setCalls)
			}
			checkReadable(t, rt.readable, c.want)
			checkReadable(t, func(collection string) ([]string, bool) {
				ctx := c.ctx
				if c.name == "allowed by a condition" {
					ctx = context.WithValue(ctx, permissionKey, &Permission{Resource: "tags", Skip: true})
				}
				return a.Readable(ctx, collection)
			}, c.want)
		})
	}
}

func TestReadableIsNotSetForDeniedRequests(t *testing.T) {
	a := readableACL(t)
	rt := &readableRouter{resource: "comments", action: "list"}
	h := a.Middleware(MiddlewareOptions{Actions: rt})(okHandler)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil).WithContext(WithRole(context.Background(), "member")))
	if w.Code != http.StatusForbidden || rt.setCalls != 0 {
		t.Errorf("status %d, SetRequestReadable called %d times", w.Code, rt.setCalls)
	}
}

// TestReadableAnswersAreCallersOwn: the per-request cache hands out copies,
// and answers from the snapshot the request started with.
func TestReadableAnswersAreCallersOwn(t *testing.T) {
	a := readableACL(t)
	var fn func(string) ([]string, bool)
	src := ActionSourceFunc(func(*http.Request) (Action, bool) {
		return Action{Resource: "users", Name: "list", SetReadable: func(f func(string) ([]string, bool)) { fn = f }}, true
	})
	h := a.Middleware(MiddlewareOptions{Actions: src})(okHandler)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(WithRole(context.Background(), "viewer")))
	if fn == nil {
		t.Fatal("SetReadable not called")
	}
	first, _ := fn("users")
	first[0] = "password"
	mustDefine(t, a, RoleOptions{Name: "viewer"}) // a new snapshot without the grant
	second, all := fn("users")
	if diff := cmp.Diff([]string{"avatar"}, second); diff != "" || all {
		t.Errorf("second answer (all=%v):\n%s", all, diff)
	}
	if fields, all := a.Readable(WithRole(context.Background(), "viewer"), "users"); fields != nil || all {
		t.Errorf("Readable after the change = %v, %v", fields, all)
	}
}
