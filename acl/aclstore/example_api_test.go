package aclstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

func ExampleRegister() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()

	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"get", "list"}})
	a.SetStrategyResources([]string{"posts"}) // strategies are for the data, not for the roles API
	if err := aclstore.RegisterACL(a); err != nil {
		panic(err)
	}
	if err := aclstore.CreateTables(ctx, db); err != nil {
		panic(err)
	}
	s := aclstore.New(db, a, aclstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := s.Load(ctx); err != nil {
		panic(err)
	}
	// The administrator's role grants the API through its snippet.
	if err := s.CreateRole(ctx, &aclstore.Role{Name: "admin", Snippets: []string{aclstore.Snippet}}); err != nil {
		panic(err)
	}
	if err := s.AssignUser(ctx, 1, "admin"); err != nil {
		panic(err)
	}

	rs := resourcer.New(resourcer.Options{Prefix: "/api"})
	rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: rs}), resourcer.UseOptions{Tag: "acl"})
	if err := aclstore.Register(rs, s, aclstore.APIOptions{}); err != nil {
		panic(err)
	}
	// The host's authentication says who asks (user 1 here); the store's
	// Middleware gives the request that user's roles.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Middleware()(rs).ServeHTTP(w, r.WithContext(acl.WithUser(r.Context(), int64(1))))
	}))
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/api/roles", "application/json",
		strings.NewReader(`{"name": "reader", "title": "Reader", "strategy": {"actions": ["view"]}, "snippets": []}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data aclstore.Role `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, body.Data.Name, body.Data.Title, *body.Data.CreatedByID)

	// The role is in the ACL at once (and in the database for the next start).
	_, ok := a.Can(acl.CanArgs{Role: "reader", Resource: "posts", Action: "list"})
	fmt.Println("reader may list posts:", ok)
	// Output:
	// 200 reader Reader 1
	// reader may list posts: true
}
