package acl

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func fixedAction(resource, action string, params Params) ActionSource {
	return ActionSourceFunc(func(*http.Request) (Action, bool) {
		return Action{Resource: resource, Name: action, Params: params}, true
	})
}

func TestMiddlewareDeniesWith403(t *testing.T) {
	a := New()
	mustDefine(t, a, RoleOptions{Name: "member", Actions: map[string]Params{"posts:list": {}}})
	called := false
	h := a.Middleware(MiddlewareOptions{Actions: fixedAction("posts", "destroy", nil)})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	for _, ctx := range []context.Context{
		context.Background(),                         // anonymous, not defined
		WithRole(context.Background(), "member"),     // no grant for destroy
		WithRoles(context.Background()),              // an empty role list denies
		WithRoles(context.Background(), "ghost", ""), // unknown roles
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", "/api/posts:destroy", nil).WithContext(ctx))
		if w.Code != http.StatusForbidden {
			t.Errorf("status %d, want 403", w.Code)
		}
		if got := strings.TrimSpace(w.Body.String()); got != `{"errors":[{"message":"No permissions"}]}` {
			t.Errorf("body %s", got)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("content type %q", ct)
		}
	}
	if called {
		t.Error("a denied request reached the handler")
	}
}

func TestMiddlewareMergesParams(t *testing.T) {
	a := New()
	a.SetAvailableAction("view", ActionOptions{Aliases: []string{"list", "get"}})
	mustDefine(t, a, RoleOptions{Name: "member", Actions: map[string]Params{
		"posts:view": {"own": true, "fields": []string{"id", "title", "author"}, "appends": []string{"author"}},
	}})
	request := Params{"filter": Params{"status": "published"}, "fields": []string{"title", "body", "author"}}
	var perm *Permission
	var routerParams Params
	source := ActionSourceFunc(func(*http.Request) (Action, bool) {
		return Action{Resource: "posts", Name: "list", Params: request, SetParams: func(p Params) { routerParams = p }}, true
	})
	h := a.Middleware(MiddlewareOptions{Actions: source})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		perm, _ = PermissionFrom(r.Context())
	}))
	ctx := WithUser(WithRole(context.Background(), "member"), 42)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/posts:list", nil).WithContext(ctx))
	if perm == nil {
		t.Fatal("handler not reached")
	}
	wantJSON(t, perm.MergedParams, `{
		"filter": {"$and": [{"status": "published"}, {"createdById": 42}]},
		"fields": ["title"],
		"appends": ["author"]
	}`)
	wantJSON(t, routerParams, `{
		"filter": {"$and": [{"status": "published"}, {"createdById": 42}]},
		"fields": ["title"],
		"appends": ["author"]
	}`)
	wantJSON(t, perm.Can, `{"role":"member","resource":"posts","action":"list","params":{"filter":{"createdById":"{{ ctx.state.currentUser.id }}"},"fields":["id","title","author"],"appends":["author"]}}`)
	if perm.Resource != "posts" || perm.Action != "list" || perm.Skip {
		t.Errorf("permission %+v", perm)
	}
	wantJSON(t, request, `{"filter":{"status":"published"},"fields":["title","body","author"]}`)
}

func TestMiddlewareAssociationAndHasField(t *testing.T) {
	a := New()
	mustDefine(t, a, RoleOptions{Name: "member", Actions: map[string]Params{"comments:list": {"own": true}}})
	ctx := WithUser(WithRole(context.Background(), "member"), 1)
	for _, c := range []struct {
		hasField bool
		want     int
	}{{true, http.StatusNoContent}, {false, http.StatusForbidden}} {
		h := a.Middleware(MiddlewareOptions{
			Actions:  fixedAction("posts.comments", "list", nil),
			HasField: func(resource, field string) bool { return resource == "comments" && c.hasField },
		})(okHandler)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
		if w.Code != c.want {
			t.Errorf("hasField=%v: status %d, want %d", c.hasField, w.Code, c.want)
		}
	}
}

func TestUseOrder(t *testing.T) {
	a := New()
	var trace []string
	mark := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				perm, _ := PermissionFrom(r.Context())
				trace = append(trace, name+":"+map[bool]string{true: "merged", false: "unmerged"}[perm.MergedParams != nil])
				next.ServeHTTP(w, r)
			})
		}
	}
	if err := a.Use(mark("after"), UseOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := a.Use(mark("before-core"), UseOptions{Tag: "audit", Before: []string{"core"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Use(mark("last"), UseOptions{Tag: "last", After: []string{"prep"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Use(mark("cycle"), UseOptions{Tag: "y", Before: []string{"allow-manager"}, After: []string{"core"}}); err == nil {
		t.Error("a cyclic Use was accepted")
	}
	mustDefine(t, a, RoleOptions{Name: "anonymous", Actions: map[string]Params{"posts:list": {}}})
	h := a.Middleware(MiddlewareOptions{Actions: fixedAction("posts", "list", nil)})(okHandler)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// As in NocoBase (checked with its Toposort): a Before "core" item pulls
	// the earlier plain one ahead of core with it.
	want := []string{"after:unmerged", "before-core:unmerged", "last:merged"}
	if strings.Join(trace, ",") != strings.Join(want, ",") {
		t.Errorf("order %v, want %v", trace, want)
	}
}

func TestMiddlewarePassesUnrecognisedRequests(t *testing.T) {
	a := New()
	h := a.Middleware(MiddlewareOptions{Actions: ActionSourceFunc(func(*http.Request) (Action, bool) { return Action{}, false })})(okHandler)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if w.Code != http.StatusNoContent {
		t.Errorf("status %d", w.Code)
	}
}

func TestMiddlewareRejectsBadRequestParams(t *testing.T) {
	a := New()
	mustDefine(t, a, RoleOptions{Name: "anonymous", Actions: map[string]Params{"posts:list": {}}})
	h := a.Middleware(MiddlewareOptions{Actions: fixedAction("posts", "list", Params{"filter": make(chan int)})})(okHandler)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusBadRequest {
		t.Errorf("status %d, want 400", w.Code)
	}
	var body struct{ Errors []struct{ Message string } }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 || !strings.Contains(body.Errors[0].Message, "filter") {
		t.Errorf("body %s (%v)", w.Body, err)
	}
}

// router is an ActionSource the way a router implements one: plain types,
// and the merged params handed back through ParamsSetter.
type router struct{ params map[string]any }

func (rt *router) RequestAction(*http.Request) (string, string, map[string]any, bool) {
	return "posts", "list", rt.params, true
}

func (rt *router) SetRequestParams(_ *http.Request, p map[string]any) { rt.params = p }

func TestMiddlewareWithPlainActionSource(t *testing.T) {
	a := New()
	mustDefine(t, a, RoleOptions{Name: "anonymous", Actions: map[string]Params{"posts:list": {"filter": Params{"published": true}}}})
	rt := &router{params: map[string]any{"filter": map[string]any{"id": 1}}}
	h := a.Middleware(MiddlewareOptions{Actions: rt})(okHandler)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusNoContent {
		t.Fatalf("status %d", w.Code)
	}
	wantJSON(t, rt.params, `{"filter":{"$and":[{"id":1},{"published":true}]}}`)
}
