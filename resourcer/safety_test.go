package resourcer

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStateChangingActionsRefuseGET(t *testing.T) {
	ran := map[string]int{}
	handler := func(name string) http.Handler {
		return HandlerFunc(func(*http.Request, *ActionContext) (any, error) {
			ran[name]++
			return map[string]any{"ran": name}, nil
		})
	}
	build := func(opts Options) *Resourcer {
		rs := New(opts)
		rs.RegisterActionHandlers(map[string]http.Handler{
			"list":                handler("list"),
			"destroy":             handler("destroy"),
			"posts:updateProfile": StateChanging(handler("updateProfile")),
			"export":              handler("export"),
		})
		mustDefine(t, rs, ResourceOptions{Name: "posts", Actions: map[string]ActionOptions{
			"publish": {Handler: handler("publish"), StateChanging: true},
		}})
		return rs
	}
	cases := []struct {
		method, target string
		status         int
	}{
		{"GET", "/posts:destroy?filterByTk=2", 405},
		{"HEAD", "/posts:destroy?filterByTk=2", 405},
		{"GET", "/posts:publish", 405},
		{"GET", "/posts:updateProfile", 405},
		{"DELETE", "/posts/2", 200},
		{"POST", "/posts:destroy?filterByTk=2", 200},
		{"POST", "/posts:publish", 200},
		{"POST", "/posts:updateProfile", 200},
		{"GET", "/posts", 200},
		{"GET", "/posts:export", 200},
	}
	rs := build(Options{Logger: slog.New(slog.DiscardHandler)})
	for _, c := range cases {
		res := serve(t, rs, c.method, c.target, "")
		if res.code != c.status {
			t.Errorf("%s %s: status %d, want %d (%v)", c.method, c.target, res.code, c.status, res.errors)
		}
		if c.status == 405 && c.method == "GET" && (len(res.errors) != 1 || !strings.Contains(fmt.Sprint(res.errors[0]["message"]), "changes data")) {
			t.Errorf("%s %s: errors %v, want a message saying the action changes data", c.method, c.target, res.errors)
		}
	}
	if want := (map[string]int{"destroy": 2, "publish": 1, "updateProfile": 1, "list": 1, "export": 1}); !cmp.Equal(ran, want) {
		t.Errorf("handlers ran %v, want %v (no GET may reach a state-changing handler)", ran, want)
	}

	optedIn := build(Options{AllowStateChangingGET: true})
	if res := serve(t, optedIn, "GET", "/posts:destroy?filterByTk=2", ""); res.code != 200 {
		t.Errorf("AllowStateChangingGET: status %d, want 200", res.code)
	}
}

func TestRequestParamsAndReadable(t *testing.T) {
	var seen *ActionContext
	rs := New(Options{})
	rs.RegisterActionHandler("list", HandlerFunc(func(_ *http.Request, ac *ActionContext) (any, error) {
		seen = ac
		return nil, nil
	}))
	mustDefine(t, rs, ResourceOptions{Name: "posts"})
	narrow := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _, params, _ := rs.RequestAction(r)
			narrowed := map[string]any{"filter": map[string]any{"$and": []any{params["filter"], map[string]any{"createdById": 1}}}}
			rs.SetRequestParams(r, narrowed)
			rs.SetRequestReadable(r, func(collection string) ([]string, bool) { return []string{"id", "title"}, false })
			next.ServeHTTP(w, r)
		})
	}
	if err := rs.Use(narrow, UseOptions{Tag: "acl"}); err != nil {
		t.Fatal(err)
	}
	if res := serve(t, rs, "GET", `/posts?filter={"title":"a"}`, ""); res.code != 200 {
		t.Fatalf("status %d", res.code)
	}
	if diff := cmp.Diff(map[string]any{"title": "a"}, seen.RequestParams["filter"]); diff != "" {
		t.Errorf("RequestParams keep the request's own filter (-want +got):\n%s", diff)
	}
	if _, ok := seen.Params["filter"].(map[string]any)["$and"]; !ok {
		t.Errorf("Params = %v, want the narrowed filter", seen.Params)
	}
	if seen.Readable == nil {
		t.Fatal("Readable was not set")
	}
	if fields, all := seen.Readable("posts"); all || !cmp.Equal(fields, []string{"id", "title"}) {
		t.Errorf("Readable(posts) = %v, %v", fields, all)
	}
}

func TestCancelledAndTimedOutRequests(t *testing.T) {
	var logs bytes.Buffer
	rs := New(Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	rs.RegisterActionHandler("list", HandlerFunc(func(r *http.Request, _ *ActionContext) (any, error) {
		if r.Header.Get("X-Slow") != "" {
			return nil, fmt.Errorf("query: %w", context.DeadlineExceeded)
		}
		<-r.Context().Done()
		return nil, fmt.Errorf("query: %w", r.Context().Err())
	}))
	rs.RegisterActionHandler("get", HandlerFunc(func(*http.Request, *ActionContext) (any, error) {
		return nil, &StatusError{Status: http.StatusServiceUnavailable, Message: "database is busy", Header: http.Header{"Retry-After": {"1"}}}
	}))
	mustDefine(t, rs, ResourceOptions{Name: "posts"})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := httptest.NewRecorder()
	rs.ServeHTTP(w, httptest.NewRequest("GET", "/posts", nil).WithContext(ctx))
	if w.Code != StatusClientClosedRequest {
		t.Errorf("cancelled request: status %d, want %d", w.Code, StatusClientClosedRequest)
	}
	if logs.Len() != 0 {
		t.Errorf("a cancelled request is no server error, but it was logged: %s", logs.String())
	}

	req := httptest.NewRequest("GET", "/posts", nil)
	req.Header.Set("X-Slow", "1")
	w = httptest.NewRecorder()
	rs.ServeHTTP(w, req)
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("statement timeout: status %d, want 503", w.Code)
	}

	w = httptest.NewRecorder()
	rs.ServeHTTP(w, httptest.NewRequest("GET", "/posts/1", nil))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" {
		t.Errorf("busy: status %d, Retry-After %q; want 503 with Retry-After 1", w.Code, w.Header().Get("Retry-After"))
	}
}

func TestPanicInHandlerIsA500(t *testing.T) {
	var logs bytes.Buffer
	rs := New(Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	rs.RegisterActionHandler("list", HandlerFunc(func(*http.Request, *ActionContext) (any, error) {
		panic("a bug: nil map")
	}))
	mustDefine(t, rs, ResourceOptions{Name: "posts"})
	res := serve(t, rs, "GET", "/posts", "")
	if res.code != 500 || len(res.errors) != 1 || res.errors[0]["message"] != "Internal server error" {
		t.Errorf("status %d, errors %v; want a plain 500", res.code, res.errors)
	}
	if !strings.Contains(logs.String(), "panic serving request") || !strings.Contains(logs.String(), "nil map") {
		t.Errorf("the panic was not logged with its cause: %s", logs.String())
	}
}

func TestBodyLimitIsExact(t *testing.T) {
	echo := HandlerFunc(func(_ *http.Request, ac *ActionContext) (any, error) { return ac.Params, nil })
	body := func(n int) string { // a JSON object of exactly n bytes
		return `{"t":"` + strings.Repeat("x", n-8) + `"}`
	}
	for _, c := range []struct {
		name  string
		limit int64
		size  int
		want  int
	}{
		{"at the limit", 64, 64, 200},
		{"one byte over", 64, 65, 413},
		{"default limit, at it", 0, DefaultMaxBodyBytes, 200},
		{"default limit, one byte over", 0, DefaultMaxBodyBytes + 1, 413},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs := New(Options{MaxBodyBytes: c.limit})
			rs.RegisterActionHandler("create", echo)
			mustDefine(t, rs, ResourceOptions{Name: "posts"})
			b := body(c.size)
			if len(b) != c.size {
				t.Fatalf("body is %d bytes, want %d", len(b), c.size)
			}
			req := httptest.NewRequest("POST", "/posts", strings.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			rs.ServeHTTP(w, req)
			if w.Code != c.want {
				t.Errorf("a %d-byte body under a %d-byte limit: status %d, want %d", c.size, c.limit, w.Code, c.want)
			}
		})
	}
}

// TestRequestActionOutsideServeHTTP: a permission layer wrapped around
// the Resourcer, instead of added with Use, is told of no action it could
// check and narrow; a request the Resourcer routes is then the action ""
// of the resource "" (which no role may run), so nothing passes
// unchecked, and the mistake is logged once.
func TestRequestActionOutsideServeHTTP(t *testing.T) {
	var logs strings.Builder
	rs := New(Options{Prefix: "/api", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	mustDefine(t, rs, ResourceOptions{Name: "posts"})
	for _, c := range []struct {
		path string
		ok   bool
	}{
		{"/api/posts:list", true},
		{"/api/posts/1", true},
		{"/api/nosuch:list", true},
		{"/other", false},
		{"/", false},
	} {
		res, act, params, ok := rs.RequestAction(httptest.NewRequest("GET", c.path, nil))
		if ok != c.ok || res != "" || act != "" || params != nil {
			t.Errorf("%s: RequestAction = %q %q %v %v, want ok %v and nothing else", c.path, res, act, params, ok, c.ok)
		}
	}
	if n := strings.Count(logs.String(), "outside the Resourcer"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, logs.String())
	}
}
