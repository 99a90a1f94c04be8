package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/scim"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// token is the bearer token of the test servers.
const token = "t0ken-for-tests"

// server is the SCIM handler over a real directory on one test database,
// mounted at /scim/v2 of an httptest server.
type server struct {
	t   testing.TB
	db  *bun.DB
	m   *datasync.Manager
	url string // the SCIM base URL: http://127.0.0.1:port/scim/v2
	// auth is the Authorization header sent (Bearer token by default).
	auth string
}

// newServer serves opts (Token set to token when neither it nor
// Authenticate is) over a fresh directory on db; for GroupsAsRoles it
// creates scimGroups first, as a host does.
func newServer(t testing.TB, db *bun.DB, opts scim.Options) *server {
	t.Helper()
	return serveManager(t, db, synctest.Directory(t, db), opts)
}

// serveManager serves opts, as newServer does, over the directory of m.
func serveManager(t testing.TB, db *bun.DB, m *datasync.Manager, opts scim.Options) *server {
	t.Helper()
	if opts.Groups == scim.GroupsAsRoles {
		if err := scim.CreateTables(context.Background(), db); err != nil {
			t.Fatal(err)
		}
	}
	if opts.Token == "" && opts.Authenticate == nil {
		opts.Token = token
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	h, err := scim.New(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &server{t: t, db: db, m: m, url: srv.URL + "/scim/v2", auth: "Bearer " + token}
}

// reply is a decoded answer.
type reply struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// do sends a request to path (relative to the SCIM base) with body: a
// string is sent as it is, anything else as JSON; nil sends none. header
// holds extra header name/value pairs.
func (s *server) do(method, path string, body any, header ...string) reply {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if s.auth != "" {
		req.Header.Set("Authorization", s.auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
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
	out := reply{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			s.t.Fatalf("%s %s: answer is not a JSON object: %s", method, path, raw)
		}
		if ct := resp.Header.Get("Content-Type"); ct != scim.MediaType {
			s.t.Fatalf("%s %s: Content-Type %q, want %q", method, path, ct, scim.MediaType)
		}
	}
	return out
}

// want fails the test unless the reply has status.
func (r reply) want(t testing.TB, status int) reply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	return r
}

// wantError fails the test unless the reply is a SCIM error with status,
// scimType ("" for none) and a detail containing detail.
func (r reply) wantError(t testing.TB, status int, scimType, detail string) {
	t.Helper()
	r.want(t, status)
	if got := r.str("status"); got != itoa(status) {
		t.Errorf("status member %q, want the string %q", got, itoa(status))
	}
	if got := r.Body["scimType"]; (scimType == "" && got != nil) || (scimType != "" && got != scimType) {
		t.Errorf("scimType %v, want %q: %s", got, scimType, r.Raw)
	}
	if !strings.Contains(r.str("detail"), detail) {
		t.Errorf("detail %q, want it to contain %q", r.str("detail"), detail)
	}
	if schemas, _ := r.Body["schemas"].([]any); len(schemas) != 1 || schemas[0] != scim.ErrorSchemaURN {
		t.Errorf("schemas %v, want [%s]", r.Body["schemas"], scim.ErrorSchemaURN)
	}
}

// str is the answer's top-level string member key.
func (r reply) str(key string) string {
	s, _ := r.Body[key].(string)
	return s
}

// resources is a list answer's Resources.
func (r reply) resources() []map[string]any {
	list, _ := r.Body["Resources"].([]any)
	out := make([]map[string]any, len(list))
	for i, e := range list {
		out[i], _ = e.(map[string]any)
	}
	return out
}

// num is a list answer's number member key.
func (r reply) num(key string) int {
	f, _ := r.Body[key].(float64)
	return int(f)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// userBody is a minimal POST /Users body.
func userBody(userName string) map[string]any {
	return map[string]any{
		"schemas":  []string{scim.UserSchemaURN},
		"userName": userName,
		"name":     map[string]any{"givenName": "Given", "familyName": strings.ToUpper(userName[:1]) + userName[1:]},
		"emails":   []any{map[string]any{"value": userName + "@example.com", "type": "work", "primary": true}},
	}
}

// createUser provisions userName and returns its id.
func (s *server) createUser(userName string) string {
	s.t.Helper()
	r := s.do("POST", "/Users", userBody(userName)).want(s.t, http.StatusCreated)
	return r.str("id")
}

// createGroup provisions a group with the given user or group ids as
// members and returns its id.
func (s *server) createGroup(displayName string, memberIDs ...string) string {
	s.t.Helper()
	members := []any{}
	for _, id := range memberIDs {
		members = append(members, map[string]any{"value": id})
	}
	r := s.do("POST", "/Groups", map[string]any{
		"schemas": []string{scim.GroupSchemaURN}, "displayName": displayName, "members": members,
	}).want(s.t, http.StatusCreated)
	return r.str("id")
}

// userRow reads the users row with username; nil when there is none.
func (s *server) userRow(username string) *users.User {
	s.t.Helper()
	u := new(users.User)
	err := s.db.NewSelect().Model(u).Where("?TableAlias.? = ?", bun.Ident("username"), username).Limit(1).Scan(context.Background())
	if err != nil {
		return nil
	}
	return u
}

// handMade inserts a user by hand (no source), as an admin would.
func (s *server) handMade(username, email string) *users.User {
	s.t.Helper()
	u := &users.User{Username: username, Email: email, Nickname: username}
	if _, err := s.db.NewInsert().Model(u).Exec(context.Background()); err != nil {
		s.t.Fatal(err)
	}
	return u
}

// memberTitles are the titles of the departments the users row with
// username is a member of, sorted.
func (s *server) memberTitles(username string) []string {
	s.t.Helper()
	var titles []string
	err := s.db.NewSelect().TableExpr("departments AS d").Column("d.title").
		Join(`JOIN "departmentsUsers" AS du ON du."departmentId" = d.id`).
		Join(`JOIN users AS u ON u.id = du."userId"`).
		Where("u.username = ?", username).OrderExpr("d.title").Scan(context.Background(), &titles)
	if err != nil {
		s.t.Fatal(err)
	}
	return titles
}

// mainTitle is the title of the main department of the users row with
// username ("" for none).
func (s *server) mainTitle(username string) string {
	s.t.Helper()
	var titles []string
	err := s.db.NewSelect().TableExpr("users AS u").Column("d.title").
		Join(`JOIN departments AS d ON d.id = u."mainDepartmentId"`).
		Where("u.username = ?", username).Scan(context.Background(), &titles)
	if err != nil {
		s.t.Fatal(err)
	}
	return strings.Join(titles, ",")
}

// departmentTitles are the titles of every department, sorted.
func (s *server) departmentTitles() []string {
	s.t.Helper()
	var titles []string
	if err := s.db.NewSelect().TableExpr("departments").Column("title").OrderExpr("title").Scan(context.Background(), &titles); err != nil {
		s.t.Fatal(err)
	}
	return titles
}

// ids are the "id" of each resource.
func ids(list []map[string]any) []string {
	out := make([]string, len(list))
	for i, r := range list {
		out[i], _ = r["id"].(string)
	}
	return out
}

// wantJSON fails the test unless got, encoded as JSON, equals want
// (compared as decoded values: key order and spacing do not matter).
func wantJSON(t testing.TB, got any, want string) {
	t.Helper()
	raw, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("JSON (-want +got):\n%s\ngot: %s", diff, raw)
	}
}

// setPolicy gives the SCIM source a source row with options: its policy
// (datasync.ParsePolicy), such as {"roles": {"create": true}}.
func (s *server) setPolicy(options map[string]any) {
	s.t.Helper()
	row := &datasync.SyncSource{Name: scim.DefaultSourceName, SourceType: "api", Options: options}
	if _, err := s.db.NewInsert().Model(row).Exec(context.Background()); err != nil {
		s.t.Fatal(err)
	}
}

// defineRole inserts a role by hand, as an admin would.
func (s *server) defineRole(name, title string) {
	s.t.Helper()
	if _, err := s.db.NewInsert().Model(&users.Role{Name: name, Title: title}).Exec(context.Background()); err != nil {
		s.t.Fatal(err)
	}
}

// grant gives the users row with username role by hand.
func (s *server) grant(username, role string) {
	s.t.Helper()
	u := s.userRow(username)
	if u == nil {
		s.t.Fatalf("no user %q", username)
	}
	if _, err := s.db.NewInsert().Model(&users.RoleUser{UserID: u.ID, RoleName: role}).Exec(context.Background()); err != nil {
		s.t.Fatal(err)
	}
}

// roleGrants are the rolesUsers rows but root's, as "username:role",
// sorted.
func (s *server) roleGrants() []string {
	s.t.Helper()
	var rows []string
	err := s.db.NewSelect().TableExpr(`"rolesUsers" AS ru`).ColumnExpr(`u.username || ':' || ru."roleName"`).
		Join(`JOIN users AS u ON u.id = ru."userId"`).Where(`ru."roleName" <> ?`, users.RootRole).
		OrderExpr(`1`).Scan(context.Background(), &rows)
	if err != nil {
		s.t.Fatal(err)
	}
	return rows
}

// roleNames are the names of the roles table's rows, sorted.
func (s *server) roleNames() []string {
	s.t.Helper()
	var names []string
	if err := s.db.NewSelect().Model((*users.Role)(nil)).Column("name").OrderExpr("name").Scan(context.Background(), &names); err != nil {
		s.t.Fatal(err)
	}
	return names
}
