package resourcer_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gatehouse-dev/gatehouse/resourcer"
)

func Example() {
	rs := resourcer.New(resourcer.Options{Prefix: "/api"})

	// Generic handlers serve every resource; "posts:list" would serve one.
	rs.RegisterActionHandler("list", resourcer.HandlerFunc(func(r *http.Request, ac *resourcer.ActionContext) (any, error) {
		return &resourcer.Response{
			Data: []map[string]any{{"id": 1, "title": "hello"}},
			Meta: map[string]any{"count": 1, "page": ac.Params["page"]},
		}, nil
	}))
	rs.RegisterActionHandler("get", resourcer.HandlerFunc(func(r *http.Request, ac *resourcer.ActionContext) (any, error) {
		return map[string]any{"id": ac.Params["filterByTk"], "resource": ac.ResourceName}, nil
	}))
	rs.Define(resourcer.ResourceOptions{Name: "posts"})
	rs.Define(resourcer.ResourceOptions{Name: "posts.comments", Type: resourcer.TypeHasMany})

	mux := http.NewServeMux()
	mux.Handle("/api/", rs)

	for _, target := range []string{"/api/posts?page=2", "/api/posts/7", "/api/posts/7/comments/3", "/api/posts:export", "/api/tags"} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		body, _ := io.ReadAll(w.Body)
		fmt.Println(w.Code, strings.TrimSpace(string(body)))
	}
	// Output:
	// 200 {"data":[{"id":1,"title":"hello"}],"meta":{"count":1,"page":"2"}}
	// 200 {"data":{"id":"7","resource":"posts"}}
	// 200 {"data":{"id":"3","resource":"posts.comments"}}
	// 404 {"errors":[{"message":"export action does not exist"}]}
	// 404 {"errors":[{"message":"tags resource does not exist"}]}
}

func ExampleResourcer_Use() {
	rs := resourcer.New(resourcer.Options{})
	logStep := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Println("enter", name)
				next.ServeHTTP(w, r)
			})
		}
	}
	rs.Use(logStep("auth"), resourcer.UseOptions{Tag: "auth"})
	rs.Use(logStep("acl"), resourcer.UseOptions{Tag: "acl", After: []string{"auth"}})
	rs.Use(logStep("audit"), resourcer.UseOptions{Tag: "audit", Before: []string{"auth"}})
	rs.Define(resourcer.ResourceOptions{Name: "posts", Actions: map[string]resourcer.ActionOptions{
		"list": {Handler: resourcer.HandlerFunc(func(r *http.Request, ac *resourcer.ActionContext) (any, error) {
			fmt.Println("list", ac.ResourceName)
			return nil, nil
		})},
	}})
	rs.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/posts", nil))
	// Output:
	// enter audit
	// enter auth
	// enter acl
	// list posts
}
