// Command quickstart walks through gatehouse on an embedded in-memory SQLite
// database: no flags, no set-up, exits 0.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite"

	"github.com/gatehouse-dev/gatehouse/acl"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer) error {
	db, err := openSQLite()
	if err != nil {
		return err
	}
	defer db.Close()

	var version string
	if err := db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&version); err != nil {
		return err
	}
	fmt.Fprintf(out, "gatehouse quickstart\n\n")
	fmt.Fprintf(out, "1. database: embedded SQLite %s through bun (%s dialect)\n\n", version, db.Dialect().Name())

	a, err := newACL()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "2. access control: roles %s\n", strings.Join(a.Roles(), ", "))
	for _, q := range []acl.CanArgs{
		{Role: "editor", Resource: "posts", Action: "update"},
		{Role: "editor", Resource: "comments", Action: "list"},
		{Role: "editor", Resource: "users", Action: "destroy"},
		{Roles: []string{"editor", "admin"}, Resource: "users", Action: "destroy"},
	} {
		res, _ := json.Marshal(a.Can(q))
		who := q.Role
		if who == "" {
			who = strings.Join(q.Roles, "+")
		}
		fmt.Fprintf(out, "   can %-13s %-8s %-9s -> %s\n", who, q.Action, q.Resource, res)
	}

	fmt.Fprintf(out, "\n3. why? Explain tells an administrator:\n")
	for _, line := range strings.Split(a.Explain(acl.CanArgs{Roles: []string{"editor", "admin"}, Resource: "users", Action: "destroy"}).String(), "\n") {
		fmt.Fprintf(out, "   %s\n", line)
	}

	fmt.Fprintf(out, "\n4. over HTTP: the middleware merges the ACL into the request's params\n")
	h := a.Middleware(acl.MiddlewareOptions{Actions: acl.ActionSourceFunc(func(r *http.Request) (acl.Action, bool) {
		resource, action, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/api/"), ":")
		return acl.Action{Resource: resource, Name: action, Params: acl.Params{"filter": acl.Params{"title.$includes": "go"}}}, ok
	})})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		perm, _ := acl.PermissionFrom(r.Context())
		json.NewEncoder(w).Encode(perm.MergedParams)
	}))
	for _, c := range []struct {
		role, path string
	}{{"editor", "/api/comments:update"}, {"editor", "/api/posts:destroy"}} {
		w := httptest.NewRecorder()
		reqCtx := acl.WithUser(acl.WithRole(ctx, c.role), 7)
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, c.path, nil).WithContext(reqCtx))
		fmt.Fprintf(out, "   %s as %s (user 7) -> %d %s", c.path, c.role, w.Code, w.Body.String())
		if !strings.HasSuffix(w.Body.String(), "\n") {
			fmt.Fprintln(out)
		}
	}
	return nil
}

// newACL sets up NocoBase's usual actions, a member strategy, a snippet and
// two roles.
func newACL() (*acl.ACL, error) {
	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"get", "list"}})
	a.SetAvailableAction("update", acl.ActionOptions{})
	a.SetAvailableStrategy("member", acl.StrategyOptions{Actions: []string{"view", "update:own"}})
	if err := a.RegisterSnippet(acl.Snippet{Name: "pm.users", Actions: []string{"users:*"}}); err != nil {
		return nil, err
	}
	if _, err := a.Define(acl.RoleOptions{Name: "editor", Strategy: "member", Actions: map[string]acl.Params{
		"posts:update": {"fields": []string{"title", "body"}, "filter": acl.Params{"status": "draft"}},
	}}); err != nil {
		return nil, err
	}
	if _, err := a.Define(acl.RoleOptions{Name: "admin", Snippets: []string{"pm.*"}}); err != nil {
		return nil, err
	}
	return a, nil
}

// openSQLite opens a private in-memory database; one connection keeps it
// alive for the life of the program.
func openSQLite() (*bun.DB, error) {
	sqldb, err := sql.Open("sqlite", "file:quickstart?mode=memory&cache=shared&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, err
	}
	sqldb.SetMaxOpenConns(1)
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}
