package resourcer

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestServeErrors(t *testing.T) {
	echo := HandlerFunc(func(r *http.Request, ac *ActionContext) (any, error) { return ac.Params, nil })
	rs := New(Options{MaxBodyBytes: 64, Logger: slog.New(slog.DiscardHandler)})
	rs.RegisterActionHandlers(map[string]http.Handler{"list": echo, "create": echo})
	rs.RegisterActionHandler("fail", HandlerFunc(func(*http.Request, *ActionContext) (any, error) {
		return nil, &StatusError{Status: http.StatusConflict, Message: "already there"}
	}))
	rs.RegisterActionHandler("boom", HandlerFunc(func(*http.Request, *ActionContext) (any, error) {
		return nil, fmt.Errorf("database password is hunter2")
	}))
	mustDefine(t, rs, ResourceOptions{Name: "posts"})
	cases := []struct {
		method, target, body string
		status               int
		message              string
	}{
		{"GET", "/posts?filter=%7Bnope", "", 400, `query parameter "filter"`},
		{"POST", "/posts", `{"title":`, 400, "body is not valid JSON"},
		{"POST", "/posts", `{"a":1} {"b":2}`, 400, "data after its JSON value"},
		{"POST", "/posts", `{"title":"` + strings.Repeat("x", 100) + `"}`, 413, "Request body too large"},
		{"GET", "/posts/%E0%A4", "", 400, "malformed percent-encoding"},
		{"GET", "/posts/%C0%80", "", 400, "malformed percent-encoding"},
		{"GET", "/nothing", "", 404, "nothing resource does not exist"},
		{"GET", "/posts:export", "", 404, "export action does not exist"},
		{"PUT", "/posts", "", 404, "PUT /posts has no action"},
		{"GET", "/a/b/c/d/e/f", "", 404, "Not Found"},
		{"GET", "/posts:fail", "", 409, "already there"},
		{"GET", "/posts:boom", "", 500, "Internal server error"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			res := serve(t, rs, c.method, c.target, c.body)
			if res.code != c.status {
				t.Errorf("status %d, want %d (%v)", res.code, c.status, res.errors)
			}
			if len(res.errors) != 1 || !strings.Contains(fmt.Sprint(res.errors[0]["message"]), c.message) {
				t.Errorf("errors %v, want a message with %q", res.errors, c.message)
			}
		})
	}
}

func TestBodies(t *testing.T) {
	echo := HandlerFunc(func(r *http.Request, ac *ActionContext) (any, error) { return ac.Params, nil })
	rs := New(Options{})
	rs.RegisterActionHandler("create", echo)
	mustDefine(t, rs, ResourceOptions{Name: "posts"})

	form := httptest.NewRequest("POST", "/posts", strings.NewReader("title=hi&tags[]=a&tags[]=b"))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	rs.ServeHTTP(w, form)
	if !strings.Contains(w.Body.String(), `"values":{"tags":["a","b"],"title":"hi"}`) {
		t.Errorf("form body: %s", w.Body)
	}

	upload := httptest.NewRequest("POST", "/posts", strings.NewReader("--x--"))
	upload.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	rs2 := New(Options{})
	var left string
	rs2.RegisterActionHandler("create", HandlerFunc(func(r *http.Request, ac *ActionContext) (any, error) {
		buf := new(strings.Builder)
		_, err := fmt.Fprint(buf, r.Body != nil)
		left = buf.String()
		return ac.Params["values"], err
	}))
	mustDefine(t, rs2, ResourceOptions{Name: "posts"})
	w = httptest.NewRecorder()
	rs2.ServeHTTP(w, upload)
	if w.Code != 200 || left != "true" || !strings.Contains(w.Body.String(), `"data":{}`) {
		t.Errorf("multipart: %d %s", w.Code, w.Body)
	}
}

// TestConcurrentDefinitions serves requests while resources and
// middlewares change: every request sees one whole registry.
func TestConcurrentDefinitions(t *testing.T) {
	rs := New(Options{})
	rs.RegisterActionHandler("list", HandlerFunc(func(r *http.Request, ac *ActionContext) (any, error) { return ac.ResourceName, nil }))
	mustDefine(t, rs, ResourceOptions{Name: "posts"})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			rs.Define(ResourceOptions{Name: fmt.Sprint("r", i%10)})
			rs.Remove(fmt.Sprint("r", (i+5)%10))
			if i%50 == 0 {
				rs.Use(func(next http.Handler) http.Handler { return next }, UseOptions{})
			}
		}
	}()
	for n := 0; n < 2000; n++ {
		w := httptest.NewRecorder()
		rs.ServeHTTP(w, httptest.NewRequest("GET", "/posts", nil))
		if w.Code != 200 || w.Body.String() != `{"data":"posts"}` {
			t.Fatalf("request %d: %d %s", n, w.Code, w.Body)
		}
	}
	close(stop)
	wg.Wait()
}

// BenchmarkServeHTTP routes a request with a query through two global
// middlewares to a handler that writes JSON.
func BenchmarkServeHTTP(b *testing.B) {
	rs := New(Options{Prefix: "/api"})
	pass := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(w, r) })
	}
	rs.Use(pass, UseOptions{Tag: "auth"})
	rs.Use(pass, UseOptions{Tag: "acl", After: []string{"auth"}})
	rs.RegisterActionHandler("list", HandlerFunc(func(r *http.Request, ac *ActionContext) (any, error) {
		return ac.Params["page"], nil
	}))
	if _, err := rs.Define(ResourceOptions{Name: "posts"}); err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api/posts?page=2&sort=-createdAt", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		rs.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code, w.Body)
		}
	}
}
