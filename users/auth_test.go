package users_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
	"github.com/gatehouse-dev/gatehouse/users"
)

// authEnv is a service as a host wires one: resourcer under /api with the
// auth actions and crud notes, the acl middleware through Use, and
// Authenticate in front of it all. Roles: reader may list notes, writer
// may create them; auth:* is public, as NocoBase allows it.
type authEnv struct {
	t       *testing.T
	db      *bun.DB
	ctx     context.Context
	handler http.Handler
	clock   *testClock
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newAuthEnv(t *testing.T, db *bun.DB) *authEnv {
	t.Helper()
	e := &authEnv{t: t, db: db, ctx: setup(t, db), clock: &testClock{now: time.Now()}}
	tokens, err := users.NewTokens(db, users.TokenOptions{Secret: []byte(strings.Repeat("k", 32)), Now: e.clock.Now, Expiry: time.Hour, RenewWithin: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	a := acl.New()
	a.SetAvailableAction("list", acl.ActionOptions{})
	a.SetAvailableAction("create", acl.ActionOptions{})
	for _, r := range []acl.RoleOptions{
		{Name: "reader", Actions: map[string]acl.Params{"notes:list": {}}},
		{Name: "writer", Actions: map[string]acl.Params{"notes:create": {}}},
		{Name: "namesake", Actions: map[string]acl.Params{"notes:list": {"filter": map[string]any{"body": "{{ ctx.state.currentUser.username }}"}}}},
		{Name: "owner", Actions: map[string]acl.Params{"notes:list": {"filter": map[string]any{"createdById": "{{ ctx.state.currentUser.id }}"}}}},
	} {
		if _, err := a.Define(r); err != nil {
			t.Fatal(err)
		}
	}
	a.Allow("auth", []string{"*"}, "public")
	a.Allow("notes", []string{"get"}, "loggedIn")

	rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
	opts := users.AuthOptions{DB: db, Tokens: tokens, ACL: a, Logger: slog.New(slog.DiscardHandler)}
	rs.RegisterActionHandlers(users.AuthActions(opts))
	if _, err := rs.Define(resourcer.ResourceOptions{Name: "auth"}); err != nil {
		t.Fatal(err)
	}
	actions := acl.ActionSourceFunc(func(r *http.Request) (acl.Action, bool) {
		ac, ok := resourcer.ActionFrom(r.Context())
		if !ok {
			return acl.Action{}, false
		}
		return acl.Action{Resource: ac.ResourceName, Name: ac.ActionName, Params: ac.Params,
			SetParams: func(p acl.Params) { ac.Params = p }}, true
	})
	rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: actions}), resourcer.UseOptions{Tag: "acl"})
	if _, err := crud.Define(rs, crud.Options{DB: db, Model: (*note)(nil)}); err != nil {
		t.Fatal(err)
	}
	e.handler = users.Authenticate(opts)(rs)
	return e
}

// addUser inserts a user with password "secret" and the roles, the first
// marked default.
func (e *authEnv) addUser(username string, roles ...string) *users.User {
	e.t.Helper()
	u := &users.User{Username: username, Email: username + "@example.com", Password: "secret"}
	if _, err := e.db.NewInsert().Model(u).Exec(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	for i, r := range roles {
		if _, err := e.db.NewInsert().Model(&users.RoleUser{UserID: u.ID, RoleName: r, Default: i == 0}).Exec(e.ctx); err != nil {
			e.t.Fatal(err)
		}
	}
	return u
}

type authReply struct {
	code   int
	raw    string
	header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	} `json:"errors"`
}

func (r authReply) message() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Message
}

// call sends a request with the token and X-Role (each when not "").
func (e *authEnv) call(method, target, token, role, body string) authReply {
	e.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if role != "" {
		req.Header.Set("X-Role", role)
	}
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, req)
	out := authReply{code: w.Code, raw: w.Body.String(), header: w.Header()}
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %q", method, target, w.Body.String())
		}
	}
	return out
}

func (e *authEnv) signIn(body string) string {
	e.t.Helper()
	r := e.call("POST", "/api/auth:signIn", "", "", body)
	var data struct {
		Token string         `json:"token"`
		User  map[string]any `json:"user"`
	}
	if err := json.Unmarshal(r.Data, &data); r.code != 200 || err != nil || data.Token == "" {
		e.t.Fatalf("sign in %s: %d %s", body, r.code, r.raw)
	}
	if _, ok := data.User["password"]; ok || strings.Contains(r.raw, "argon2") {
		e.t.Fatalf("sign in answered the password hash: %s", r.raw)
	}
	return data.Token
}

func TestSignInThenCheck(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newAuthEnv(t, db)
		ann := e.addUser("ann", "writer", "reader")
		// Every key NocoBase accepts finds the account.
		for _, body := range []string{
			`{"account":"ann","password":"secret"}`,
			`{"account":"ann@example.com","password":"secret"}`,
			`{"email":"ann@example.com","password":"secret"}`,
			`{"username":"ann","password":"secret"}`,
		} {
			token := e.signIn(body)
			r := e.call("GET", "/api/auth:check", token, "", "")
			var got map[string]any
			if err := json.Unmarshal(r.Data, &got); r.code != 200 || err != nil {
				t.Fatalf("check after %s: %d %s", body, r.code, r.raw)
			}
			if got["id"] != float64(ann.ID) || got["username"] != "ann" || got["password"] != nil {
				t.Errorf("check answered %v", got)
			}
			if diff := cmp.Diff([]any{"writer", "reader"}, got["roles"]); diff != "" {
				t.Errorf("roles, the default first (-want +got):\n%s", diff)
			}
		}
	})
}

func TestSignInFailuresLookAlike(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newAuthEnv(t, db)
		e.addUser("ann", "reader")
		wrong := e.call("POST", "/api/auth:signIn", "", "", `{"account":"ann","password":"nope"}`)
		unknown := e.call("POST", "/api/auth:signIn", "", "", `{"account":"bob","password":"nope"}`)
		noPassword := e.call("POST", "/api/auth:signIn", "", "", `{"account":"ann"}`)
		for name, r := range map[string]authReply{"wrong password": wrong, "unknown account": unknown, "no password": noPassword} {
			if r.code != 401 || r.message() != "The username/email or password is incorrect, please re-enter" {
				t.Errorf("%s: %d %s", name, r.code, r.raw)
			}
		}
		if wrong.raw != unknown.raw {
			t.Errorf("bodies differ: %s vs %s", wrong.raw, unknown.raw)
		}
		if r := e.call("POST", "/api/auth:signIn", "", "", `{"password":"secret"}`); r.code != 400 || r.message() != "Please enter your username or email" {
			t.Errorf("no account: %d %s", r.code, r.raw)
		}
		if r := e.call("GET", "/api/auth:signIn", "", "", ""); r.code != 405 {
			t.Errorf("GET signIn: %d %s, want 405", r.code, r.raw)
		}
		off := e.addUser("off", "reader")
		if _, err := db.NewUpdate().Model((*users.User)(nil)).Set("enabled = ?", false).Where("id = ?", off.ID).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		if r := e.call("POST", "/api/auth:signIn", "", "", `{"account":"off","password":"secret"}`); r.code != 401 || !strings.Contains(r.message(), "disabled") {
			t.Errorf("disabled user: %d %s", r.code, r.raw)
		}
		if r := e.call("POST", "/api/auth:signIn", "", "", `{"account":"off","password":"nope"}`); r.message() != unknown.message() {
			t.Errorf("a disabled account with a wrong password must look like any failure: %s", r.raw)
		}
	})
}

// TestAuthenticateRefusesDeadSessions: each way a session ends makes its
// token answer 401 with NocoBase's code, and no user reaches the handler.
func TestAuthenticateRefusesDeadSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newAuthEnv(t, db)
		cases := []struct {
			name, code string
			end        func(u *users.User, token string)
		}{
			{"password changed", "INVALID_TOKEN", func(u *users.User, _ string) {
				e.clock.advance(time.Millisecond) // the change is after the issue, as in life
				u.Password = "changed"
				if _, err := db.NewUpdate().Model(u).Column("password", "passwordChangeTz").WherePK().Exec(e.ctx); err != nil {
					t.Fatal(err)
				}
			}},
			{"disabled", "USER_DISABLED", func(u *users.User, _ string) {
				if _, err := db.NewUpdate().Model((*users.User)(nil)).Set("enabled = ?", false).Where("id = ?", u.ID).Exec(e.ctx); err != nil {
					t.Fatal(err)
				}
			}},
			{"deleted", "NOT_EXIST_USER", func(u *users.User, _ string) {
				if _, err := db.NewDelete().Model((*users.User)(nil)).Where("id = ?", u.ID).Exec(e.ctx); err != nil {
					t.Fatal(err)
				}
			}},
			{"signed out", "BLOCKED_TOKEN", func(_ *users.User, token string) {
				if r := e.call("POST", "/api/auth:signOut", token, "", ""); r.code != 200 {
					t.Fatalf("sign out: %d %s", r.code, r.raw)
				}
			}},
		}
		for i, c := range cases {
			name := string(rune('a'+i)) + "user"
			u := e.addUser(name, "reader")
			token := e.signIn(`{"account":"` + name + `","password":"secret"}`)
			if r := e.call("GET", "/api/auth:check", token, "", ""); r.code != 200 {
				t.Fatalf("%s: check before: %d %s", c.name, r.code, r.raw)
			}
			c.end(u, token)
			r := e.call("GET", "/api/auth:check", token, "", "")
			if r.code != 401 || len(r.Errors) != 1 || r.Errors[0].Code != c.code {
				t.Errorf("%s: %d %s, want 401 %s", c.name, r.code, r.raw, c.code)
			}
		}
		if r := e.call("GET", "/api/auth:check", "not.a.token", "", ""); r.code != 401 || r.message() != "Your session has expired. Please sign in again." {
			t.Errorf("garbage token: %d %s", r.code, r.raw)
		}
	})
}

func TestAuthenticatePicksRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newAuthEnv(t, db)
		e.addUser("ann", "reader", "writer") // reader is the default
		token := e.signIn(`{"account":"ann","password":"secret"}`)
		cases := []struct {
			role       string
			list, make int // notes:list, notes:create
		}{
			{"", 200, 403},
			{"reader", 200, 403},
			{"writer", 403, 200},
			{users.UnionRole, 200, 200},
			{users.AnonymousRole, 403, 403},
			{"admin", 401, 401}, // not one of hers
		}
		for _, c := range cases {
			list := e.call("GET", "/api/notes:list", token, c.role, "")
			create := e.call("POST", "/api/notes:create", token, c.role, `{"body":"x"}`)
			if list.code != c.list || create.code != c.make {
				t.Errorf("X-Role %q: list %d, create %d; want %d, %d (%s %s)", c.role, list.code, create.code, c.list, c.make, list.raw, create.raw)
			}
		}
		if r := e.call("GET", "/api/notes:list", token, "admin", ""); r.message() != "The role does not belong to the user" {
			t.Errorf("unknown role: %s", r.raw)
		}

		e.addUser("nobody")
		bare := e.signIn(`{"account":"nobody","password":"secret"}`)
		if r := e.call("GET", "/api/notes:list", bare, "", ""); r.code != 401 || r.Errors[0].Code != "USER_HAS_NO_ROLES_ERR" {
			t.Errorf("user without roles: %d %s", r.code, r.raw)
		}
	})
}

// queryLog records the statements a database runs.
type queryLog struct {
	mu      sync.Mutex
	queries []string
}

func (l *queryLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (l *queryLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queries = append(l.queries, e.Query)
}

func (l *queryLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queries
	l.queries = nil
	return q
}

// TestAuthenticateReadsTheUserOnlyWhenNeeded: a request whose grants need
// only the user's id reads none of the user's other columns; a template
// naming a field (username) gets the whole record, read once.
func TestAuthenticateReadsTheUserOnlyWhenNeeded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		log := &queryLog{}
		e := newAuthEnv(t, db.WithQueryHook(log))
		ann := e.addUser("ann", "owner", "namesake")
		token := e.signIn(`{"account":"ann","password":"secret"}`)
		for i, body := range []string{"ann", "bob"} {
			n := &note{Body: body}
			by := ann.ID + int64(i) // ann's note, and someone else's
			n.CreatedByID = &by
			if _, err := db.NewInsert().Model(n).Exec(e.ctx); err != nil {
				t.Fatal(err)
			}
		}
		log.take()
		readsUser := func(queries []string) int {
			n := 0
			for _, q := range queries {
				if strings.Contains(q, `"username"`) && strings.Contains(q, `FROM "users"`) {
					n++
				}
			}
			return n
		}

		r := e.call("GET", "/api/notes:list", token, "owner", "")
		if r.code != 200 || !strings.Contains(r.raw, `"ann"`) || strings.Contains(r.raw, `"bob"`) {
			t.Fatalf("owner list: %d %s", r.code, r.raw)
		}
		if n := readsUser(log.take()); n != 0 {
			t.Errorf("a request that needs only the user's id read the user's record %d times", n)
		}

		r = e.call("GET", "/api/notes:list", token, "namesake", "")
		if r.code != 200 || !strings.Contains(r.raw, `"ann"`) || strings.Contains(r.raw, `"bob"`) {
			t.Fatalf("namesake list: %d %s", r.code, r.raw)
		}
		if n := readsUser(log.take()); n != 1 {
			t.Errorf("a template over the username read the user's record %d times; want once", n)
		}
	})
}

// TestAuthenticateFillsAuditColumns: a crud create under the middleware is
// written as the token's user, with nothing else set by the host.
func TestAuthenticateFillsAuditColumns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newAuthEnv(t, db)
		ann := e.addUser("ann", "writer")
		token := e.signIn(`{"account":"ann","password":"secret"}`)
		if r := e.call("POST", "/api/notes:create", token, "", `{"body":"hello","createdById":999}`); r.code != 200 {
			t.Fatalf("create: %d %s", r.code, r.raw)
		}
		var n note
		if err := db.NewSelect().Model(&n).Where("body = ?", "hello").Scan(e.ctx); err != nil {
			t.Fatal(err)
		}
		if n.CreatedByID == nil || *n.CreatedByID != ann.ID || n.UpdatedByID == nil || *n.UpdatedByID != ann.ID {
			t.Errorf("audit columns %v %v, want %d", n.CreatedByID, n.UpdatedByID, ann.ID)
		}
	})
}

// TestAuthenticatePassesAnonymousRequests: without a token nothing is
// refused by the middleware; the ACL's public and loggedIn conditions
// decide.
func TestAuthenticatePassesAnonymousRequests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newAuthEnv(t, db)
		e.addUser("ann", "reader")
		if r := e.call("POST", "/api/notes:create", "", "", `{"body":"x"}`); r.code != 403 {
			t.Errorf("anonymous create: %d %s, want 403 from the ACL", r.code, r.raw)
		}
		if r := e.call("GET", "/api/notes:get?filterByTk=1", "", "", ""); r.code != 403 {
			t.Errorf("loggedIn without a user: %d %s, want 403", r.code, r.raw)
		}
		if r := e.call("GET", "/api/auth:check", "", "", ""); r.code != 401 {
			t.Errorf("public check without a user: %d %s, want 401 from the action", r.code, r.raw)
		}
		req := httptest.NewRequest("GET", "/api/auth:check", nil)
		req.Header.Set("Authorization", "Basic YW5uOnNlY3JldA==")
		w := httptest.NewRecorder()
		e.handler.ServeHTTP(w, req)
		if w.Code != 401 || !strings.Contains(w.Body.String(), "Unauthorized") {
			t.Errorf("another scheme passes as anonymous: %d %s", w.Code, w.Body.String())
		}
		token := e.signIn(`{"account":"ann","password":"secret"}`)
		if r := e.call("GET", "/api/notes:get?filterByTk=1", token, "", ""); r.code == 403 || r.code == 401 {
			t.Errorf("loggedIn with a user: %d %s", r.code, r.raw)
		}
	})
}

// TestAuthenticateRenewsExpiredTokens: an expired token inside the renewal
// window is exchanged in passing; the new one arrives in X-New-Token and
// the old one is spent.
func TestAuthenticateRenewsExpiredTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newAuthEnv(t, db)
		e.addUser("ann", "reader")
		old := e.signIn(`{"account":"ann","password":"secret"}`)
		if r := e.call("GET", "/api/auth:check", old, "", ""); r.header.Get(users.NewTokenHeader) != "" {
			t.Errorf("a live token was renewed")
		}
		e.clock.advance(90 * time.Minute) // expired 30 minutes ago, renewable for an hour
		r := e.call("GET", "/api/notes:list", old, "", "")
		renewed := r.header.Get(users.NewTokenHeader)
		if r.code != 200 || renewed == "" || renewed == old {
			t.Fatalf("expired token: %d %s, new token %q", r.code, r.raw, renewed)
		}
		if r := e.call("GET", "/api/auth:check", renewed, "", ""); r.code != 200 {
			t.Errorf("renewed token: %d %s", r.code, r.raw)
		}
		if r := e.call("GET", "/api/auth:check", old, "", ""); r.code != 401 {
			t.Errorf("the old token renewed twice: %d %s", r.code, r.raw)
		}
		e.clock.advance(3 * time.Hour)
		if r := e.call("GET", "/api/auth:check", renewed, "", ""); r.code != 401 || r.Errors[0].Code != "EXPIRED_SESSION" {
			t.Errorf("past the renewal window: %d %s", r.code, r.raw)
		}
	})
}

// ExampleAuthenticate wires sign-in and the middleware: AuthActions serve
// auth:signIn, auth:signOut and auth:check, and Authenticate in front of
// the router turns the bearer token into the request's user and roles for
// users and for the ACL (whose middleware a real service adds with
// rs.Use, after allowing auth:* to "public").
func ExampleAuthenticate() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
		panic(err)
	}
	ann := &users.User{Username: "ann", Password: "s3cret!"}
	if _, err := db.NewInsert().Model(ann).Exec(ctx); err != nil {
		panic(err)
	}
	if _, err := db.NewInsert().Model(&users.RoleUser{UserID: ann.ID, RoleName: "member", Default: true}).Exec(ctx); err != nil {
		panic(err)
	}

	// The key comes from configuration; 32 bytes at least.
	tokens, err := users.NewTokens(db, users.TokenOptions{Secret: []byte("an example key, not a secret one")})
	if err != nil {
		panic(err)
	}
	opts := users.AuthOptions{DB: db, Tokens: tokens, ACL: acl.New()}
	rs := resourcer.New(resourcer.Options{Prefix: "/api"})
	rs.RegisterActionHandlers(users.AuthActions(opts))
	if _, err := rs.Define(resourcer.ResourceOptions{Name: "auth"}); err != nil {
		panic(err)
	}
	srv := httptest.NewServer(users.Authenticate(opts)(rs))
	defer srv.Close()

	send := func(method, action, token, body string) string {
		req, _ := http.NewRequest(method, srv.URL+"/api/auth:"+action, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return fmt.Sprintf("%d %s", res.StatusCode, raw)
	}

	fmt.Println(send("POST", "signIn", "", `{"account":"ann","password":"wrong"}`))
	answer := send("POST", "signIn", "", `{"account":"ann","password":"s3cret!"}`)
	var signedIn struct {
		Data struct{ Token string } `json:"data"`
	}
	_ = json.Unmarshal([]byte(strings.TrimPrefix(answer, "200 ")), &signedIn)

	var me struct {
		Data struct {
			Username string   `json:"username"`
			Roles    []string `json:"roles"`
		} `json:"data"`
	}
	checked := send("GET", "check", signedIn.Data.Token, "")
	_ = json.Unmarshal([]byte(strings.TrimPrefix(checked, "200 ")), &me)
	fmt.Println(checked[:3], me.Data.Username, me.Data.Roles)

	fmt.Println(send("POST", "signOut", signedIn.Data.Token, "")[:3])
	fmt.Println(send("GET", "check", signedIn.Data.Token, ""))
	// Output:
	// 401 {"errors":[{"message":"The username/email or password is incorrect, please re-enter"}]}
	// 200 ann [member]
	// 200
	// 401 {"errors":[{"message":"Your session has expired. Please sign in again.","code":"BLOCKED_TOKEN"}]}
}
