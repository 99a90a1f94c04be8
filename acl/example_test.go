package acl_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gatehouse-dev/gatehouse/acl"
)

func ExampleACL_Can() {
	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"get", "list"}})
	a.SetAvailableAction("update", acl.ActionOptions{})
	if err := a.SetAvailableStrategy("member", acl.StrategyOptions{Actions: []string{"view", "update:own"}}); err != nil {
		panic(err)
	}
	_, err := a.Define(acl.RoleOptions{
		Name:     "editor",
		Strategy: "member",
		Actions: map[string]acl.Params{
			"posts:update": {"fields": []string{"title", "body"}, "filter": acl.Params{"status": "draft"}},
		},
	})
	if err != nil {
		panic(err)
	}
	for _, q := range []acl.CanArgs{
		{Role: "editor", Resource: "posts", Action: "update"},    // explicit grant
		{Role: "editor", Resource: "comments", Action: "list"},   // strategy: view, through the alias
		{Role: "editor", Resource: "comments", Action: "update"}, // strategy: update:own
		{Role: "editor", Resource: "posts", Action: "destroy"},   // nothing: denied
	} {
		res, ok := a.Can(q)
		if !ok {
			fmt.Println("denied")
			continue
		}
		out, _ := json.Marshal(res)
		fmt.Println(string(out))
	}
	// Output:
	// {"role":"editor","resource":"posts","action":"update","params":{"filter":{"status":"draft"},"whitelist":["title","body"]}}
	// {"role":"editor","resource":"comments","action":"list"}
	// {"role":"editor","resource":"comments","action":"update","params":{"filter":{"createdById":"{{ ctx.state.currentUser.id }}"}}}
	// denied
}

// A misspelt param key would silently drop the restriction it meant;
// Define refuses it and names the nearest known key.
func ExampleACL_Define_strict() {
	a := acl.New()
	_, err := a.Define(acl.RoleOptions{Name: "member", Actions: map[string]acl.Params{
		"posts:list": {"filtr": acl.Params{"status": "published"}},
	}})
	fmt.Println(err)
	fmt.Println(errors.Is(err, acl.ErrUnknownName), acl.StatusCode(err))
	// Output:
	// acl: unknown param "filtr" in posts:list (did you mean "filter"?)
	// true 400
}

func ExampleACL_Can_union() {
	a := acl.New()
	a.Define(acl.RoleOptions{Name: "author", Actions: map[string]acl.Params{"posts:list": {"filter": acl.Params{"authorId": 7}}}})
	a.Define(acl.RoleOptions{Name: "reviewer", Actions: map[string]acl.Params{"posts:list": {"filter": acl.Params{"status": "review"}}}})
	res, _ := a.Can(acl.CanArgs{Roles: []string{"author", "reviewer"}, Resource: "posts", Action: "list"})
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
	// Output:
	// {"role":"author","resource":"posts","action":"list","params":{"filter":{"$or":[{"status":"review"},{"authorId":7}]}}}
}

func ExampleACL_Allow() {
	a := acl.New()
	a.Allow("auth", []string{"signIn"}, "public")
	a.Allow("auth", []string{"check"}, "loggedIn")
	a.RegisterAllowCondition("office", func(ctx context.Context) (bool, error) {
		return acl.CurrentRole(ctx) == "staff", nil
	})
	a.Allow("printers", []string{"*"}, "office")

	h := a.Middleware(acl.MiddlewareOptions{Actions: acl.ActionSourceFunc(func(r *http.Request) (acl.Action, bool) {
		resource, action, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/api/"), ":")
		return acl.Action{Resource: resource, Name: action}, ok
	})})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		perm, _ := acl.PermissionFrom(r.Context())
		fmt.Fprintf(w, "allowed by %s", perm.AllowedBy)
	}))
	for _, c := range []struct {
		path string
		ctx  context.Context
	}{
		{"/api/auth:signIn", context.Background()},
		{"/api/auth:check", context.Background()},
		{"/api/auth:check", acl.WithUser(context.Background(), 1)},
		{"/api/printers:print", acl.WithRole(context.Background(), "staff")},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", c.path, nil).WithContext(c.ctx))
		fmt.Println(c.path, w.Code, w.Body.String())
	}
	// Output:
	// /api/auth:signIn 200 allowed by public
	// /api/auth:check 403 {"errors":[{"message":"No permissions"}]}
	// /api/auth:check 200 allowed by loggedIn
	// /api/printers:print 200 allowed by office
}

func ExampleACL_Middleware() {
	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"list", "get"}})
	a.Define(acl.RoleOptions{Name: "member", Actions: map[string]acl.Params{
		"posts:view": {"own": true, "fields": []string{"id", "title"}},
	}})

	// The resourcer provides an ActionSource; a func is enough here.
	actions := acl.ActionSourceFunc(func(r *http.Request) (acl.Action, bool) {
		return acl.Action{Resource: "posts", Name: "list", Params: acl.Params{
			"fields": []string{"title", "secret"},
			"filter": acl.Params{"published": true},
		}}, true
	})
	list := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		perm, _ := acl.PermissionFrom(r.Context())
		out, _ := json.Marshal(perm.MergedParams) // what the data layer must query with
		w.Write(out)
	})
	h := a.Middleware(acl.MiddlewareOptions{Actions: actions})(list)

	// The host's authentication middleware puts the user and role in the context.
	ctx := acl.WithUser(acl.WithRole(context.Background(), "member"), 42)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/posts:list", nil).WithContext(ctx))
	fmt.Println(w.Code, w.Body.String())

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/posts:list", nil)) // anonymous
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 200 {"fields":["title"],"filter":{"$and":[{"published":true},{"createdById":42}]}}
	// 403 {"errors":[{"message":"No permissions"}]}
}

func ExampleACL_Explain() {
	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{})
	a.SetAvailableAction("update", acl.ActionOptions{})
	a.SetAvailableStrategy("member", acl.StrategyOptions{Actions: []string{"view", "update:own"}})
	a.RegisterSnippet(acl.Snippet{Name: "pm.users", Actions: []string{"users:*"}})
	a.Define(acl.RoleOptions{Name: "member", Strategy: "member", Actions: map[string]acl.Params{"posts:create": {}}})
	a.Define(acl.RoleOptions{Name: "admin", Snippets: []string{"pm.*"}})

	fmt.Println(a.Explain(acl.CanArgs{Roles: []string{"member", "admin"}, Resource: "users", Action: "destroy"}))
	fmt.Println(a.Explain(acl.CanArgs{Role: "member", Resource: "posts", Action: "update"}))
	// Output:
	// allowed: destroy on users for role(s) member, admin
	//   role member: nothing matched: strategy member does not allow destroy; no snippet matches
	//   role admin: snippet pm.users allows users:*
	// denied: update on posts for role(s) member
	//   role member: has grants on posts but none for update, so its strategy and snippets do not apply there
}
