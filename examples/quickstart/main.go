// Command quickstart walks through gatehouse on an embedded in-memory SQLite
// database: no flags, no set-up, exits 0.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
	"github.com/gatehouse-dev/gatehouse/users"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// A private in-memory database that outlives cancelled queries, with
	// foreign keys on; a host passes a file path instead.
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
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
		answer := "denied"
		if res, ok := a.Can(q); ok {
			raw, _ := json.Marshal(res)
			answer = string(raw)
		}
		who := q.Role
		if who == "" {
			who = strings.Join(q.Roles, "+")
		}
		fmt.Fprintf(out, "   can %-13s %-8s %-9s -> %s\n", who, q.Action, q.Resource, answer)
	}

	fmt.Fprintf(out, "\n3. why? Explain tells an administrator:\n")
	for _, line := range strings.Split(a.Explain(acl.CanArgs{Roles: []string{"editor", "admin"}, Resource: "users", Action: "destroy"}).String(), "\n") {
		fmt.Fprintf(out, "   %s\n", line)
	}

	fmt.Fprintf(out, "\n4. over HTTP: resourcer routes /api/..., the ACL narrows the params, crud turns them into SQL\n")
	api, err := newAPI(ctx, db, a)
	if err != nil {
		return err
	}
	for _, c := range []struct{ method, target, body string }{
		{http.MethodGet, "/api/posts?fields=id,title,status&sort=-id", ""},
		{http.MethodPut, "/api/posts/2", `{"title":"Edited","status":"published"}`},
		{http.MethodPut, "/api/posts/1", `{"title":"Edited"}`},
		{http.MethodGet, `/api/posts/1?fields=title,status`, ""},
		{http.MethodDelete, "/api/posts/1", ""},
	} {
		w := httptest.NewRecorder()
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		req := httptest.NewRequest(c.method, c.target, body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Role", "editor")
		api.ServeHTTP(w, req)
		fmt.Fprintf(out, "   %-6s %-39s %s\n      -> %d %s", c.method, c.target, c.body, w.Code, w.Body.String())
		if !strings.HasSuffix(w.Body.String(), "\n") {
			fmt.Fprintln(out)
		}
	}

	fmt.Fprintf(out, "\n5. directory: the root user, installed once, never shows its password\n")
	if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
		return err
	}
	settings := map[string]string{"INIT_ROOT_EMAIL": "root@example.com", "INIT_ROOT_PASSWORD": "change-me-now"}
	root, err := users.InstallRoot(ctx, db, func(k string) (string, bool) { v, ok := settings[k]; return v, ok })
	if err != nil {
		return err
	}
	ok, err := users.VerifyPassword("change-me-now", root.Password)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   stored as an argon2id hash: %v; password verifies: %v\n", strings.HasPrefix(root.Password, "$argon2id$"), ok)
	asJSON, _ := json.Marshal(root)
	fmt.Fprintf(out, "   as JSON: %s\n", asJSON)
	clean := users.Desensitize(root)
	fmt.Fprintf(out, "   Desensitize for logs: password %q, reset token %q\n", clean.Password, clean.ResetToken)

	if err := syncDirectory(ctx, db, out); err != nil {
		return err
	}
	return persistRoles(ctx, db, out)
}

// syncDirectory has an HR system push its departments over NocoBase's push
// API, then plans its users as a dry run, applies the plan, and pushes the
// same users again: nothing changes the second time.
func syncDirectory(ctx context.Context, db *bun.DB, out io.Writer) error {
	fmt.Fprintf(out, "\n6. directory sync: an HR system pushes departments, then users (dry run first)\n")
	if err := datasync.CreateTables(ctx, db); err != nil {
		return err
	}
	m := datasync.NewManager(db, datasync.Options{Logger: slog.New(slog.DiscardHandler)})
	defer m.Close()
	if err := users.RegisterSyncResources(m, users.Options{}); err != nil {
		return err
	}
	push := m.PushHandler(datasync.PushHandlerOptions{})
	body := `{"dataType":"department","records":[{"uid":"web","title":"Web","parentUid":"eng"},{"uid":"eng","title":"Engineering"}]}`
	req := httptest.NewRequest(http.MethodPost, "/api/userData:push", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	push.ServeHTTP(w, req)
	fmt.Fprintf(out, "   POST /api/userData:push %s\n      -> %d %s\n", body, w.Code, strings.TrimSpace(w.Body.String()))
	var web users.Department
	if err := db.NewSelect().Model(&web).Relation("Parent").Where("?TableAlias.title = 'Web'").Scan(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "   Web's parent: %s (sent after its child; parents first whatever the order)\n", web.Parent.Title)

	staff := datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "api", MatchKey: "email", Records: []datasync.Record{
		{"uid": "e1", "nickname": "Ada", "email": "ada@example.com", "departments": []any{map[string]any{"uid": "web", "isOwner": true}}},
		{"uid": "e2", "nickname": "Grace", "email": "grace@example.com", "departments": []any{"eng", "web"}},
	}}
	plan, err := m.Plan(ctx, staff)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   dry run: %d new records\n", plan.Records.New)
	for _, rp := range plan.Resources {
		fmt.Fprintf(out, "      %-11s creates %d, updates %d, membership changes %d\n", rp.Resource, len(rp.Creates), len(rp.Updates), len(rp.Memberships))
	}
	if _, err := m.Apply(ctx, plan); err != nil {
		return err
	}
	var members int
	if err := db.NewSelect().Model((*users.DepartmentUser)(nil)).ColumnExpr("count(*)").Scan(ctx, &members); err != nil {
		return err
	}
	fmt.Fprintf(out, "   applied: %d memberships\n", members)
	again, err := m.Plan(ctx, staff)
	if err != nil {
		return err
	}
	toWrite := "nothing to write"
	for _, rp := range again.Resources {
		if !rp.Empty() {
			toWrite = rp.Resource + " would write"
		}
	}
	fmt.Fprintf(out, "   the same push again: %d unchanged, %s\n", again.Records.Unchanged, toWrite)
	return nil
}

// persistRoles keeps roles in the database with aclstore: one process
// saves a role; the next, "restarted" with an ACL its code configures the
// same way, loads the roles from the same database and answers the same.
func persistRoles(ctx context.Context, db *bun.DB, out io.Writer) error {
	fmt.Fprintf(out, "\n7. roles in the database: saved by one process, loaded by the next after a restart\n")
	if err := aclstore.CreateTables(ctx, db); err != nil {
		return err
	}
	questions := []acl.CanArgs{
		{Role: "reviewer", Resource: "posts", Action: "update"},
		{Role: "reviewer", Resource: "comments", Action: "list"},
		{Role: "reviewer", Resource: "posts", Action: "destroy"},
	}
	first, err := newCodeACL()
	if err != nil {
		return err
	}
	store := aclstore.New(db, first, aclstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := store.Load(ctx); err != nil {
		return err
	}
	// Written to the tables and the ACL in one transaction.
	reviewer := &aclstore.Role{Name: "reviewer", Title: "Reviewer",
		Strategy: &acl.StrategyOptions{Actions: []string{"view"}}}
	if err := store.CreateRole(ctx, reviewer); err != nil {
		return err
	}
	if err := store.Grant(ctx, "reviewer", "posts:update", acl.Params{"fields": []string{"status"}, "filter": acl.Params{"status": "draft"}}); err != nil {
		return err
	}
	before := canAnswers(first, questions)
	fmt.Fprintf(out, "   saved role reviewer; this process answers:\n")
	printAnswers(out, questions, before)

	// The restart: nothing survives but the database.
	second, err := newCodeACL()
	if err != nil {
		return err
	}
	restarted := aclstore.New(db, second, aclstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := restarted.Load(ctx); err != nil {
		return err
	}
	after := canAnswers(second, questions)
	fmt.Fprintf(out, "   restarted (a new ACL, Load from the same database); it answers:\n")
	printAnswers(out, questions, after)
	fmt.Fprintf(out, "   same answers after the restart: %v\n", slices.Equal(before, after))

	// The roles move between environments as JSON; importing what is
	// there already changes nothing.
	set, err := restarted.Export(ctx)
	if err != nil {
		return err
	}
	res, err := restarted.Import(ctx, set, aclstore.ImportOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   export: %d role(s); imported again: %d created, %d updated, %d unchanged\n",
		len(set.Roles), len(res.Created), len(res.Updated), len(res.Unchanged))
	return nil
}

// canAnswers are the ACL's answers to the questions, as JSON or "denied".
func canAnswers(a *acl.ACL, questions []acl.CanArgs) []string {
	out := make([]string, len(questions))
	for i, q := range questions {
		out[i] = "denied"
		if res, ok := a.Can(q); ok {
			raw, _ := json.Marshal(res)
			out[i] = string(raw)
		}
	}
	return out
}

func printAnswers(out io.Writer, questions []acl.CanArgs, answers []string) {
	for i, q := range questions {
		fmt.Fprintf(out, "   can %s %-7s %-8s -> %s\n", q.Role, q.Action, q.Resource, answers[i])
	}
}

// newCodeACL is the part of the ACL a host's code configures, the same in
// every process: NocoBase's usual actions, a member strategy, a snippet.
// Roles come on top, from code (newACL) or from the database (aclstore).
func newCodeACL() (*acl.ACL, error) {
	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"get", "list"}})
	a.SetAvailableAction("update", acl.ActionOptions{})
	a.SetAvailableAction("destroy", acl.ActionOptions{})
	if err := a.SetAvailableStrategy("member", acl.StrategyOptions{Actions: []string{"view", "update:own"}}); err != nil {
		return nil, err
	}
	if err := a.RegisterSnippet(acl.Snippet{Name: "pm.users", Actions: []string{"users:*"}}); err != nil {
		return nil, err
	}
	return a, nil
}

// newACL is newCodeACL with two roles defined in code.
func newACL() (*acl.ACL, error) {
	a, err := newCodeACL()
	if err != nil {
		return nil, err
	}
	if _, err := a.Define(acl.RoleOptions{Name: "editor", Strategy: "member", Actions: map[string]acl.Params{
		"posts:view":   {},
		"posts:update": {"fields": []string{"title", "body"}, "filter": acl.Params{"status": "draft"}},
	}}); err != nil {
		return nil, err
	}
	if _, err := a.Define(acl.RoleOptions{Name: "admin", Snippets: []string{"pm.*"}}); err != nil {
		return nil, err
	}
	return a, nil
}

// Post is the quickstart's one table.
type Post struct {
	bun.BaseModel `bun:"table:posts,alias:p"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Title         string `bun:"title" json:"title"`
	Status        string `bun:"status" json:"status"`
	users.Audit          // createdById, updatedById: filled from the request's user
}

// newAPI creates and fills the posts table and serves it under /api with
// the default actions, the ACL middleware checking every request.
func newAPI(ctx context.Context, db *bun.DB, a *acl.ACL) (http.Handler, error) {
	if _, err := db.NewCreateTable().Model((*Post)(nil)).Exec(ctx); err != nil {
		return nil, err
	}
	if _, err := db.NewInsert().Model(&Post{Title: "Draft by 7", Status: "draft"}).Exec(users.WithCurrentUser(ctx, 7)); err != nil {
		return nil, err
	}
	if _, err := db.NewInsert().Model(&Post{Title: "Published by 8", Status: "published"}).Exec(users.WithCurrentUser(ctx, 8)); err != nil {
		return nil, err
	}
	rs := resourcer.New(resourcer.Options{Prefix: "/api"})
	// The resourcer tells the ACL which action a request runs and takes
	// the narrowed params back; neither package imports the other.
	if err := rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: rs}), resourcer.UseOptions{Tag: "acl"}); err != nil {
		return nil, err
	}
	if _, err := crud.Define(rs, crud.Options{DB: db, Model: (*Post)(nil)}); err != nil {
		return nil, err
	}
	// The host's authentication: here the role comes from a header and
	// every caller is user 7.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := acl.WithUser(acl.WithRole(r.Context(), r.Header.Get("X-Role")), 7)
		rs.ServeHTTP(w, r.WithContext(users.WithCurrentUser(ctx, 7)))
	}), nil
}
