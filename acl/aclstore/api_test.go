package aclstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// *acl.ACL is what RegisterACL is meant for.
var _ aclstore.SnippetRegistrar = (*acl.ACL)(nil)

// The users of apiNewServer: apiAdmin has the role admin (pm.*: the whole
// API), apiMember the role member (NocoBase's member: "!pm.*", none of
// it), apiManager the role manager (pm.acl.roles alone).
const (
	apiAdmin   = 1
	apiMember  = 2
	apiManager = 3
)

// apiMaxBody is the Resourcer's body limit in the tests.
const apiMaxBody = 64 << 10

// apiServer is the roles API over a real store on one test database,
// behind the ACL middleware and the store's Middleware, as a host wires
// them.
type apiServer struct {
	t   testing.TB
	db  *bun.DB
	s   *aclstore.Store
	acl *acl.ACL
	url string
	// user is sent as X-User (the host's authentication, reduced to a
	// header naming the user); 0 sends none.
	user int64
}

// apiNewACL is an ACL configured the way a host configures one: NocoBase's
// actions, the snippets its default rules select, the API's snippet, and
// strategies limited to the data collections.
func apiNewACL(t testing.TB) *acl.ACL {
	t.Helper()
	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{DisplayName: "View", Type: "old-data", Aliases: []string{"get", "list"}, AllowConfigureFields: true})
	a.SetAvailableAction("create", acl.ActionOptions{DisplayName: "Add new", Type: "new-data", OnNewRecord: true, AllowConfigureFields: true})
	a.SetAvailableAction("update", acl.ActionOptions{DisplayName: "Edit", Type: "old-data", AllowConfigureFields: true})
	a.SetAvailableAction("destroy", acl.ActionOptions{DisplayName: "Delete", Type: "old-data"})
	for name, patterns := range map[string][]string{"ui.schemas": {"uiSchemas:*"}, "pm": {"pm:*"}} {
		if err := a.RegisterSnippetPatterns(name, patterns); err != nil {
			t.Fatal(err)
		}
	}
	if err := aclstore.RegisterACL(a); err != nil {
		t.Fatal(err)
	}
	// Strategies are for the data, not for the roles API: without the
	// limit, member's strategy ("view", "create") would read and create
	// roles.
	a.SetStrategyResources([]string{"posts", "comments"})
	return a
}

func apiNewServer(t testing.TB, db *bun.DB) *apiServer {
	t.Helper()
	ctx := context.Background()
	if err := aclstore.CreateTables(ctx, db); err != nil {
		t.Fatal(err)
	}
	a := apiNewACL(t)
	s := aclstore.New(db, a, aclstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	seed := []*aclstore.Role{
		{Name: "root", Title: "Root", Hidden: true, Snippets: []string{"ui.*", "pm", "pm.*"}},
		{Name: "admin", Title: "Admin", AllowConfigure: true, Sort: 1, Strategy: &acl.StrategyOptions{Actions: []string{"create", "view", "update", "destroy"}}, Snippets: []string{"ui.*", "pm", "pm.*"}},
		{Name: "member", Title: "Member", Sort: 2, Default: true, Strategy: &acl.StrategyOptions{Actions: []string{"view", "update:own", "destroy:own", "create"}}, Snippets: []string{"!ui.*", "!pm", "!pm.*"}},
		{Name: "manager", Title: "Manager", Sort: 3, Snippets: []string{"pm.acl.roles"}},
	}
	for _, r := range seed {
		if err := s.CreateRole(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for id, role := range map[int64]string{apiAdmin: "admin", apiMember: "member", apiManager: "manager"} {
		if err := s.AssignUser(ctx, id, role); err != nil {
			t.Fatal(err)
		}
	}

	rs := resourcer.New(resourcer.Options{Prefix: "/api", MaxBodyBytes: apiMaxBody, Logger: slog.New(slog.DiscardHandler)})
	if err := rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: rs}), resourcer.UseOptions{Tag: "acl"}); err != nil {
		t.Fatal(err)
	}
	// A host's generic handlers serve every resource defined after them:
	// the roles resources must not get them.
	generic := resourcer.HandlerFunc(func(*http.Request, *resourcer.ActionContext) (any, error) { return "generic", nil })
	rs.RegisterActionHandlers(map[string]http.Handler{"export": generic, "set": generic, "destroy": generic})
	if err := aclstore.Register(rs, s, aclstore.APIOptions{Undeletable: []string{"admin"}}); err != nil {
		t.Fatal(err)
	}
	withRoles := s.Middleware()(rs)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, err := strconv.ParseInt(r.Header.Get("X-User"), 10, 64); err == nil {
			r = r.WithContext(acl.WithUser(r.Context(), id))
		}
		withRoles.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &apiServer{t: t, db: db, s: s, acl: a, url: srv.URL, user: apiAdmin}
}

// apiReply is a decoded answer.
type apiReply struct {
	Status int
	Body   map[string]any
	Raw    string
}

// data is the answer's "data", as an object.
func (r apiReply) data() map[string]any {
	m, _ := r.Body["data"].(map[string]any)
	return m
}

// list is the answer's "data", as a list.
func (r apiReply) list() []any {
	l, _ := r.Body["data"].([]any)
	return l
}

// message is the first error message.
func (r apiReply) message() string {
	errs, _ := r.Body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	m, _ := errs[0].(map[string]any)
	s, _ := m["message"].(string)
	return s
}

// want fails the test unless the reply has status and, when msg is not
// empty, an error message containing it.
func (r apiReply) want(t testing.TB, status int, msg string) apiReply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	if msg != "" && !strings.Contains(r.message(), msg) {
		t.Fatalf("message %q, want it to contain %q", r.message(), msg)
	}
	return r
}

// do sends a request with body as JSON (none when nil; a string is sent
// as it is).
func (s *apiServer) do(method, path string, body any) apiReply {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if s.user != 0 {
		req.Header.Set("X-User", strconv.FormatInt(s.user, 10))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	out := apiReply{Status: resp.StatusCode, Raw: string(raw)}
	if err := json.Unmarshal(raw, &out.Body); err != nil {
		s.t.Fatalf("%s %s: answer is not a JSON object: %s", method, path, raw)
	}
	return out
}

// roleJSON is a role's NocoBase toJSON() in the ACL, or "<none>".
func (s *apiServer) roleJSON(name string) string {
	s.t.Helper()
	r, ok := s.acl.GetRole(name)
	if !ok {
		return "<none>"
	}
	raw, err := json.Marshal(r)
	if err != nil {
		s.t.Fatal(err)
	}
	return string(raw)
}

// apiState is everything the API may change: every row of the store's
// tables (but the change log) and every role of the ACL.
type apiState struct {
	Rows  map[string][]map[string]any
	Roles map[string]string
}

// state reads apiState.
func (s *apiServer) state() apiState {
	s.t.Helper()
	st := apiState{Rows: map[string][]map[string]any{}, Roles: map[string]string{}}
	for _, table := range []string{"roles", "rolesResources", "rolesResourcesActions", "rolesResourcesScopes", "rolesUsers"} {
		var rows []map[string]any
		if err := s.db.NewSelect().Table(table).Scan(context.Background(), &rows); err != nil {
			s.t.Fatalf("read %s: %v", table, err)
		}
		for _, row := range rows {
			for k, v := range row {
				if b, ok := v.([]byte); ok {
					row[k] = string(b) // JSON columns, on either driver
				}
			}
		}
		slices.SortFunc(rows, func(x, y map[string]any) int {
			return strings.Compare(apiJSON(s.t, x), apiJSON(s.t, y))
		})
		st.Rows[table] = rows
	}
	for _, name := range s.acl.Roles() {
		st.Roles[name] = s.roleJSON(name)
	}
	return st
}

func apiJSON(t testing.TB, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// apiField reads m's key as JSON text, for comparing numbers and lists.
func apiField(t *testing.T, m map[string]any, key string) string {
	t.Helper()
	return apiJSON(t, m[key])
}

// apiDiff fails with a diff unless want equals got.
func apiDiff(t *testing.T, what string, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

// apiEach runs fn on a fresh server on each database.
func apiEach(t *testing.T, fn func(t *testing.T, s *apiServer)) {
	t.Helper()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) { fn(t, apiNewServer(t, db)) })
}
