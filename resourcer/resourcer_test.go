package resourcer

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// trace records the onion order of middlewares and handlers, as the
// reference tests' ctx.arr does.
type trace struct {
	mu  sync.Mutex
	got []any
}

func (t *trace) push(v any) {
	t.mu.Lock()
	t.got = append(t.got, v)
	t.mu.Unlock()
}

func (t *trace) take() []any {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.got
	t.got = nil
	return out
}

// around pushes before, runs next, pushes after.
func (t *trace) around(before, after any) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.push(before)
			next.ServeHTTP(w, r)
			if after != nil {
				t.push(after)
			}
		})
	}
}

// handler pushes a then b and answers with the action's params.
func (t *trace) handler(a, b any) http.Handler {
	return HandlerFunc(func(r *http.Request, ac *ActionContext) (any, error) {
		t.push(a)
		t.push(b)
		return ac.Params, nil
	})
}

type response struct {
	code   int
	data   map[string]any
	errors []map[string]any
}

func serve(t *testing.T, h http.Handler, method, target, body string) response {
	t.Helper()
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var out struct {
		Data   map[string]any   `json:"data"`
		Errors []map[string]any `json:"errors"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: body %q is not JSON: %v", method, target, w.Body, err)
	}
	return response{code: w.Code, data: out.Data, errors: out.Errors}
}

func mustDefine(t *testing.T, rs *Resourcer, opts ResourceOptions) *Resource {
	t.Helper()
	r, err := rs.Define(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func wantTrace(t *testing.T, tr *trace, want ...any) {
	t.Helper()
	if diff := cmp.Diff(want, tr.take()); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// resourcer.test.ts
func TestActionsAndOrder(t *testing.T) {
	t.Run("action", func(t *testing.T) {
		tr := &trace{}
		rs := New(Options{})
		mustDefine(t, rs, ResourceOptions{Name: "test", Actions: map[string]ActionOptions{
			"list": {Handler: HandlerFunc(func(r *http.Request, ac *ActionContext) (any, error) {
				tr.push(1)
				tr.push(2)
				if ac.ActionName != "list" || ac.ResourceName != "test" || ac.Resource.Name() != "test" {
					t.Errorf("action context %+v", ac)
				}
				return nil, nil
			})},
		}})
		serve(t, rs, "GET", "/test", "")
		wantTrace(t, tr, 1, 2)
	})
	t.Run("local, global and specific handlers", func(t *testing.T) {
		tr := &trace{}
		rs := New(Options{})
		rs.RegisterActionHandlers(map[string]http.Handler{"list": tr.handler(11, 22), "test:list": tr.handler(1, 2)})
		mustDefine(t, rs, ResourceOptions{Name: "test", Actions: map[string]ActionOptions{"test": {Handler: tr.handler(33, 44)}}})
		mustDefine(t, rs, ResourceOptions{Name: "test2"})
		serve(t, rs, "GET", "/test", "")
		wantTrace(t, tr, 1, 2)
		serve(t, rs, "GET", "/test2", "")
		wantTrace(t, tr, 11, 22)
		serve(t, rs, "GET", "/test:test", "")
		wantTrace(t, tr, 33, 44)
	})
	t.Run("registerActionHandlers twice", func(t *testing.T) {
		tr := &trace{}
		rs := New(Options{})
		rs.RegisterActionHandlers(map[string]http.Handler{"list": tr.handler(11, 22)})
		rs.RegisterActionHandlers(map[string]http.Handler{"get": tr.handler(33, 44)})
		mustDefine(t, rs, ResourceOptions{Name: "test"})
		serve(t, rs, "GET", "/test", "")
		wantTrace(t, tr, 11, 22)
		serve(t, rs, "GET", "/test/1", "")
		wantTrace(t, tr, 33, 44)
	})
	for _, c := range []struct {
		name string
		opts ResourceOptions
	}{
		{"only", ResourceOptions{Only: []string{"list"}}},
		{"except", ResourceOptions{Except: []string{"test"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := &trace{}
			rs := New(Options{})
			opts := c.opts
			opts.Name = "test"
			opts.Actions = map[string]ActionOptions{"list": {Handler: tr.handler(1, 2)}, "test": {Handler: tr.handler(3, 4)}}
			mustDefine(t, rs, opts)
			serve(t, rs, "GET", "/test", "")
			wantTrace(t, tr, 1, 2)
			res := serve(t, rs, "GET", "/test:test", "")
			if res.code != 404 || res.errors[0]["message"] != "test action is not allowed" {
				t.Errorf("test action: %d %v", res.code, res.errors)
			}
			wantTrace(t, tr)
		})
	}
	t.Run("middlewares and global", func(t *testing.T) {
		tr := &trace{}
		rs := New(Options{})
		mustDefine(t, rs, ResourceOptions{Name: "test",
			Middlewares: []Middleware{{Handler: tr.around(1, 6)}, {Handler: tr.around(2, 5)}},
			Actions:     map[string]ActionOptions{"list": {Handler: tr.handler(3, 4)}}})
		serve(t, rs, "GET", "/test", "")
		wantTrace(t, tr, 1, 2, 3, 4, 5, 6)
		if err := rs.Use(tr.around(7, 8), UseOptions{}); err != nil {
			t.Fatal(err)
		}
		serve(t, rs, "GET", "/test", "")
		wantTrace(t, tr, 7, 1, 2, 3, 4, 5, 6, 8)
	})
	t.Run("sorts middleware", func(t *testing.T) {
		tr := &trace{}
		rs := New(Options{})
		rs.Use(tr.around("parseVariables", nil), UseOptions{Group: "parseVariables"})
		rs.Use(tr.around("default", nil), UseOptions{})
		rs.Use(tr.around("requestInterceptor", nil), UseOptions{After: []string{"parseVariables"}, Before: []string{"default"}})
		mustDefine(t, rs, ResourceOptions{Name: "test", Actions: map[string]ActionOptions{"list": {Handler: HandlerFunc(func(*http.Request, *ActionContext) (any, error) {
			tr.push("action")
			return nil, nil
		})}}})
		serve(t, rs, "GET", "/test", "")
		wantTrace(t, tr, "parseVariables", "requestInterceptor", "default", "action")
	})
	for _, c := range []struct {
		name     string
		mw1, mw2 Middleware
	}{
		{"middlewares#only", Middleware{Only: []string{"list"}}, Middleware{Only: []string{"create"}}},
		{"middlewares#except", Middleware{Except: []string{"create"}}, Middleware{Except: []string{"list"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := &trace{}
			rs := New(Options{})
			c.mw1.Handler, c.mw2.Handler = tr.around(1, 6), tr.around(2, 5)
			mustDefine(t, rs, ResourceOptions{Name: "test", Middlewares: []Middleware{c.mw1, c.mw2},
				Actions: map[string]ActionOptions{"list": {Handler: tr.handler(3, 4)}, "create": {Handler: tr.handler(7, 8)}}})
			serve(t, rs, "GET", "/test", "")
			wantTrace(t, tr, 1, 3, 4, 6)
			serve(t, rs, "POST", "/test", "")
			wantTrace(t, tr, 2, 7, 8, 5)
		})
	}
	t.Run("should work", func(t *testing.T) {
		tr := &trace{}
		rs := New(Options{})
		mustDefine(t, rs, ResourceOptions{Name: "test",
			Middlewares: []Middleware{{Handler: tr.around(5, 6)}, {Handler: tr.around(7, 8)}},
			Actions: map[string]ActionOptions{"list": {
				Middlewares: []Middleware{{Handler: tr.around(1, 2)}, {Handler: tr.around(9, 10)}},
				Handler:     tr.handler(3, 4),
			}}})
		serve(t, rs, "GET", "/test", "")
		wantTrace(t, tr, 5, 7, 1, 9, 3, 4, 10, 2, 8, 6)
	})
	t.Run("add action", func(t *testing.T) {
		tr := &trace{}
		rs := New(Options{})
		mustDefine(t, rs, ResourceOptions{Name: "test", Middlewares: []Middleware{{Handler: tr.around(2, 3)}}})
		if err := rs.AddAction("test", "new", ActionOptions{Handler: tr.handler(100, 101)}); err != nil {
			t.Fatal(err)
		}
		serve(t, rs, "GET", "/test:new", "")
		wantTrace(t, tr, 2, 100, 101, 3)
		if err := rs.AddAction("test", "new", ActionOptions{Handler: tr.handler(0, 0)}); err == nil || !strings.Contains(err.Error(), "new action already exists") {
			t.Errorf("second AddAction: %v", err)
		}
	})
}

// pre-action-handler.test.ts
func TestPreActionHandlers(t *testing.T) {
	t.Run("general", func(t *testing.T) {
		tr := &trace{}
		rs := New(Options{})
		rs.RegisterPreActionHandler("list", tr.around(3, nil), UseOptions{})
		rs.Use(tr.around(4, nil), UseOptions{})
		mustDefine(t, rs, ResourceOptions{Name: "test", Actions: map[string]ActionOptions{"list": {Handler: tr.handler(1, 2)}}})
		serve(t, rs, "GET", "/test", "")
		wantTrace(t, tr, 4, 3, 1, 2)
	})
	t.Run("specific replaces general", func(t *testing.T) {
		tr := &trace{}
		rs := New(Options{})
		rs.RegisterPreActionHandler("list", tr.around(3, nil), UseOptions{})
		rs.RegisterPreActionHandler("test:list", tr.around(4, nil), UseOptions{})
		rs.Use(tr.around(5, nil), UseOptions{})
		mustDefine(t, rs, ResourceOptions{Name: "test", Actions: map[string]ActionOptions{"list": {Handler: tr.handler(1, 2)}}})
		serve(t, rs, "GET", "/test", "")
		wantTrace(t, tr, 5, 4, 1, 2)
	})
}

// koa.test.ts: routing, params merging and association types over HTTP.
func TestHTTP(t *testing.T) {
	echo := HandlerFunc(func(r *http.Request, ac *ActionContext) (any, error) { return ac.Params, nil })
	t.Run("prefix and accessors", func(t *testing.T) {
		rs := New(Options{Prefix: "/api", Accessors: Accessors{List: "index"}})
		rs.RegisterActionHandler("index", echo)
		mustDefine(t, rs, ResourceOptions{Name: "test"})
		if res := serve(t, rs, "GET", "/api/test", ""); res.code != 200 || res.data["actionName"] != "index" {
			t.Errorf("GET /api/test: %d %v", res.code, res.data)
		}
		if res := serve(t, rs, "GET", "/test", ""); res.code != 404 {
			t.Errorf("GET /test without the prefix: %d", res.code)
		}
	})
	t.Run("no resources", func(t *testing.T) {
		res := serve(t, New(Options{}), "GET", "/test", "")
		if res.code != 404 || res.errors[0]["message"] != "test resource does not exist" {
			t.Errorf("%d %v", res.code, res.errors)
		}
	})
	t.Run("association resource", func(t *testing.T) {
		rs := New(Options{})
		mustDefine(t, rs, ResourceOptions{Name: "tables.fields", Actions: map[string]ActionOptions{"list": {Handler: echo}}})
		res := serve(t, rs, "GET", "/tables/demos/fields", "")
		wantParams(t, res.data, `{"actionName":"list","associatedIndex":"demos","associatedName":"tables","resourceName":"fields","values":{}}`)
	})
	defaults := func(action string, params string) *Resourcer {
		rs := New(Options{})
		var p Params
		if err := json.Unmarshal([]byte(params), &p); err != nil {
			t.Fatal(err)
		}
		mustDefine(t, rs, ResourceOptions{Name: "tests", Actions: map[string]ActionOptions{action: {Handler: echo, Params: p}}})
		return rs
	}
	t.Run("options1", func(t *testing.T) {
		rs := defaults("list", `{"filter":{"col1":"val1","col2":"val2"},"fields":["id"],"sort":["-id"]}`)
		q := `/tests?filter=` + urlJSON(`{"col2":"&val2","col3":"val3"}`) + `&other=other1&sort=-id`
		wantParams(t, serve(t, rs, "GET", q, "").data, `{"actionName":"list","fields":["id"],"filter":{"$and":[{"col1":"val1","col2":"val2"},{"col2":"&val2","col3":"val3"}]},"other":"other1","resourceName":"tests","sort":"-id","values":{}}`)
	})
	t.Run("options2", func(t *testing.T) {
		rs := defaults("create", `{"values":{"col1":"val1"}}`)
		wantParams(t, serve(t, rs, "POST", "/tests", `{"aa":"aa"}`).data, `{"actionName":"create","resourceName":"tests","values":{"aa":"aa","col1":"val1"}}`)
	})
	t.Run("options3", func(t *testing.T) {
		rs := defaults("create", `{"values":{"col1":"val1"}}`)
		wantParams(t, serve(t, rs, "POST", "/resourcer/tests:create", `{"values":{"aa":"aa"}}`).data, `{"actionName":"create","resourceName":"tests","values":{"aa":"aa","col1":"val1"}}`)
	})
	t.Run("options4", func(t *testing.T) {
		rs := defaults("update", `{"values":{"col1":"val1"}}`)
		wantParams(t, serve(t, rs, "POST", "/resourcer/tests:update", `{"resourceIndex":1,"values":{"aa":"aa"}}`).data, `{"actionName":"update","resourceIndex":1,"resourceName":"tests","values":{"aa":"aa","col1":"val1"}}`)
	})
	types := []struct {
		typ    ResourceType
		name   string
		method string
		path   string
		want   string
	}{
		{TypeHasOne, "users.settings", "GET", "/users/1/settings", `{"actionName":"get","associatedIndex":"1","associatedName":"users","resourceName":"settings","values":{}}`},
		{TypeHasOne, "users.settings", "POST", "/users/1/settings", `{"actionName":"update","associatedIndex":"1","associatedName":"users","resourceName":"settings","values":{}}`},
		{TypeHasOne, "users.settings", "DELETE", "/users/1/settings", `{"actionName":"destroy","associatedIndex":"1","associatedName":"users","resourceName":"settings","values":{}}`},
		{TypeHasMany, "users.posts", "GET", "/users/1/posts", `{"actionName":"list","associatedIndex":"1","associatedName":"users","resourceName":"posts","values":{}}`},
		{TypeHasMany, "users.posts", "GET", "/users/1/posts/1", `{"actionName":"get","associatedIndex":"1","associatedName":"users","filterByTk":"1","resourceIndex":"1","resourceName":"posts","values":{}}`},
		{TypeHasMany, "users.posts", "POST", "/users/1/posts", `{"actionName":"create","associatedIndex":"1","associatedName":"users","resourceName":"posts","values":{}}`},
		{TypeHasMany, "users.posts", "PUT", "/users/1/posts/1", `{"actionName":"update","associatedIndex":"1","associatedName":"users","filterByTk":"1","resourceIndex":"1","resourceName":"posts","values":{}}`},
		{TypeHasMany, "users.posts", "DELETE", "/users/1/posts/1", `{"actionName":"destroy","associatedIndex":"1","associatedName":"users","filterByTk":"1","resourceIndex":"1","resourceName":"posts","values":{}}`},
		{TypeBelongsTo, "posts.user", "GET", "/posts/1/user", `{"actionName":"get","associatedIndex":"1","associatedName":"posts","resourceName":"user","values":{}}`},
		{TypeBelongsTo, "posts.user", "POST", "/posts/1/user/1", `{"actionName":"set","associatedIndex":"1","associatedName":"posts","filterByTk":"1","resourceIndex":"1","resourceName":"user","values":{}}`},
		{TypeBelongsTo, "posts.user", "DELETE", "/posts/1/user", `{"actionName":"remove","associatedIndex":"1","associatedName":"posts","resourceName":"user","values":{}}`},
		{TypeBelongsToMany, "posts.tags", "GET", "/posts/1/tags", `{"actionName":"list","associatedIndex":"1","associatedName":"posts","resourceName":"tags","values":{}}`},
		{TypeBelongsToMany, "posts.tags", "GET", "/posts/1/tags/1", `{"actionName":"get","associatedIndex":"1","associatedName":"posts","filterByTk":"1","resourceIndex":"1","resourceName":"tags","values":{}}`},
		{TypeBelongsToMany, "posts.tags", "POST", "/posts/1/tags", `{"actionName":"set","associatedIndex":"1","associatedName":"posts","resourceName":"tags","values":{}}`},
		{TypeBelongsToMany, "posts.tags", "POST", "/posts/1/tags/1", `{"actionName":"add","associatedIndex":"1","associatedName":"posts","filterByTk":"1","resourceIndex":"1","resourceName":"tags","values":{}}`},
		{TypeBelongsToMany, "posts.tags", "PUT", "/posts/1/tags/1", `{"actionName":"update","associatedIndex":"1","associatedName":"posts","filterByTk":"1","resourceIndex":"1","resourceName":"tags","values":{}}`},
		{TypeBelongsToMany, "posts.tags", "DELETE", "/posts/1/tags/1", `{"actionName":"remove","associatedIndex":"1","associatedName":"posts","filterByTk":"1","resourceIndex":"1","resourceName":"tags","values":{}}`},
	}
	for _, c := range types {
		t.Run(fmt.Sprintf("%s %s %s", c.typ, c.method, c.path), func(t *testing.T) {
			rs := New(Options{})
			rs.RegisterActionHandlers(map[string]http.Handler{"list": echo, "get": echo, "create": echo, "update": echo, "destroy": echo, "set": echo, "add": echo, "remove": echo})
			mustDefine(t, rs, ResourceOptions{Name: c.name, Type: c.typ})
			res := serve(t, rs, c.method, c.path, "")
			if res.code != 200 {
				t.Fatalf("%d %v", res.code, res.errors)
			}
			wantParams(t, res.data, c.want)
		})
	}
	fieldCases := []struct {
		name, defaults, target, want string
	}{
		{"fields1", `{}`, "/users?fields=id,col1", `{"actionName":"list","fields":["id","col1"],"resourceName":"users","values":{}}`},
		{"fields1 array", `{}`, "/users?fields[]=id&fields[]=col1", `{"actionName":"list","fields":["id","col1"],"resourceName":"users","values":{}}`},
		{"fields2", `{"fields":["id"]}`, "/users?fields=id,col1", `{"actionName":"list","fields":["id"],"resourceName":"users","values":{}}`},
		{"fields3", `{"except":["password"]}`, "/users?fields=id,col1,password", `{"actionName":"list","except":["password"],"fields":["id","col1","password"],"resourceName":"users","values":{}}`},
		{"fields4", `{"except":["password"]}`, "/users?fields=id,col1,password&appends=col2", `{"actionName":"list","appends":["col2"],"except":["password"],"fields":["id","col1","password"],"resourceName":"users","values":{}}`},
		{"fields5", `{"appends":["col2"]}`, "/users?appends=relation1", `{"actionName":"list","appends":["col2","relation1"],"resourceName":"users","values":{}}`},
		{"fields6", `{}`, "/users?appends=rel1,rel2", `{"actionName":"list","appends":["rel1","rel2"],"resourceName":"users","values":{}}`},
	}
	for _, c := range fieldCases {
		t.Run(c.name, func(t *testing.T) {
			rs := New(Options{})
			var p Params
			json.Unmarshal([]byte(c.defaults), &p)
			mustDefine(t, rs, ResourceOptions{Name: "users", Actions: map[string]ActionOptions{"list": {Handler: echo, Params: p}}})
			wantParams(t, serve(t, rs, "GET", c.target, "").data, c.want)
		})
	}
	t.Run("fields7-9: association index and middlewares merging params", func(t *testing.T) {
		rs := New(Options{})
		mergeFromIndex := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ac, _ := ActionFrom(r.Context())
				ac.MergeParams(Params{"filter": map[string]any{"user_name": ac.Route.AssociatedIndex}, "fields": []any{ac.SourceID}}, nil)
				next.ServeHTTP(w, r)
			})
		}
		mustDefine(t, rs, ResourceOptions{Name: "users.posts", Actions: map[string]ActionOptions{"list": {
			Handler: echo, Middlewares: []Middleware{{Handler: mergeFromIndex}},
		}}})
		wantParams(t, serve(t, rs, "GET", "/users/name/posts?appends=a,b", "").data,
			`{"actionName":"list","appends":["a","b"],"associatedIndex":"name","associatedName":"users","fields":["name"],"filter":{"user_name":"name"},"resourceName":"posts","values":{}}`)
	})
}

func urlJSON(s string) string {
	r := strings.NewReplacer("{", "%7B", "}", "%7D", `"`, "%22", "&", "%26", ":", "%3A", ",", "%2C", " ", "%20")
	return r.Replace(s)
}

// wantParams checks that got equals want (JSON) exactly: a key the
// handler should not see (a leaked or widened param) fails as surely as a
// missing one.
func wantParams(t *testing.T, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want: %v", err)
	}
	if diff := cmp.Diff(w, got); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
}
