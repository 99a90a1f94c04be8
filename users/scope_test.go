package users_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
	"github.com/gatehouse-dev/gatehouse/users"
)

// scopeEnv serves users, departments and the test models through
// resourcer, the ACL (which hands the router what each request may read)
// and crud, with the users and department actions registered.
type scopeEnv struct {
	t   *testing.T
	db  *bun.DB
	ctx context.Context
	rs  *resourcer.Resourcer
}

func newScopeEnv(t *testing.T, db *bun.DB, roles ...acl.RoleOptions) *scopeEnv {
	t.Helper()
	e := &scopeEnv{t: t, db: db, ctx: setupServerModels(t, db)}
	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"list", "get"}})
	for _, name := range []string{"create", "update", "destroy"} {
		a.SetAvailableAction(name, acl.ActionOptions{})
	}
	for _, r := range roles {
		if _, err := a.Define(r); err != nil {
			t.Fatalf("role %s: %v", r.Name, err)
		}
	}
	filters := filterop.NewRegistry()
	if err := users.RegisterOperators(filters); err != nil {
		t.Fatal(err)
	}
	e.rs = resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
	e.rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: e.rs}), resourcer.UseOptions{Tag: "acl"})
	e.rs.RegisterActionHandlers(users.Actions(users.ActionOptions{DB: db, Filters: filters}))
	e.rs.RegisterActionHandlers(users.DepartmentActions(db))
	for _, m := range []any{(*users.User)(nil), (*users.Department)(nil), (*note)(nil), (*auditedPost)(nil), (*stampedNote)(nil)} {
		if _, err := crud.Define(e.rs, crud.Options{DB: db, Model: m, Filters: filters}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// serve sends a request as a role and user (the user also in the context
// for audit columns).
func (e *scopeEnv) serve(role string, user int64, method, target, body string) reply {
	e.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	ctx := users.WithCurrentUser(acl.WithUser(acl.WithRole(req.Context(), role), user), user)
	w := httptest.NewRecorder()
	e.rs.ServeHTTP(w, req.WithContext(ctx))
	out := reply{code: w.Code, raw: w.Body.String()}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		e.t.Fatalf("%s %s: body is not JSON: %q", method, target, w.Body.String())
	}
	return out
}

func (e *scopeEnv) addUsers(us ...*users.User) {
	e.t.Helper()
	if _, err := e.db.NewInsert().Model(&us).Exec(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

// records decodes a list's data as JSON objects.
func records(t *testing.T, r reply) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatalf("data %s: %v", r.Data, err)
	}
	return out
}

func keysOf(rows []map[string]any) []string {
	var keys []string
	for _, r := range rows {
		for k := range r {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// TestListExcludeRoleHonoursGrant is issue #9 class 6: users:listExcludeRole
// returns only the fields the grant allows, never hidden ones, and its
// filter may name only what the role may read.
func TestListExcludeRoleHonoursGrant(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newScopeEnv(t, db,
			acl.RoleOptions{Name: "member", Actions: map[string]acl.Params{
				"users:listExcludeRole": {"fields": []string{"id", "nickname"}},
			}},
			acl.RoleOptions{Name: "admin", Actions: map[string]acl.Params{"users:listExcludeRole": {}}},
		)
		e.addUsers(
			&users.User{Nickname: "ann", Email: "ann@secret", Phone: "555", Password: "ann-pass", ResetToken: "tok-ann"},
			&users.User{Nickname: "bob", Email: "bob@secret", Password: "bob-pass"},
		)
		if _, err := db.NewInsert().Model(&users.RoleUser{UserID: 1, RoleName: "root"}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		at := func(query string) string { return "/api/users:listExcludeRole?roleName=root&" + query }
		filter := func(f string) string { return "filter=" + url.QueryEscape(f) }
		for _, c := range []struct {
			role, query string
			code        int
			keys        []string // of every record; 2 records (bob only, for a filter) when 200
			rows        int
		}{
			{"member", "", 200, []string{"id", "nickname"}, 1},
			{"member", "fields=nickname", 200, []string{"nickname"}, 1},
			{"member", "except=nickname", 200, []string{"id"}, 1},
			{"member", "appends=roles", 200, []string{"id", "nickname"}, 1},
			{"member", "fields=email", 403, nil, 0},
			{"member", "fields=password", 403, nil, 0},
			{"member", filter(`{"email":{"$startsWith":"bob@s"}}`), 400, nil, 0},
			{"member", filter(`{"roles.roleName":"member"}`), 400, nil, 0},
			{"member", "sort=email", 200, []string{"id", "nickname"}, 1},
			{"member", filter(`{"nickname":"bob"}`), 200, []string{"id", "nickname"}, 1},
			{"admin", "fields=id,email", 200, []string{"email", "id"}, 1},
			{"admin", "fields=password", 400, nil, 0},
			{"admin", "except=password", 400, nil, 0},
			{"admin", "fields=", 400, nil, 0}, // an explicit empty list, as crud answers it
			{"admin", "appends=roles&fields=nickname", 200, []string{"nickname", "roles"}, 1},
			{"admin", filter(`{"resetToken":"tok-ann"}`), 400, nil, 0},
		} {
			r := e.serve(c.role, 2, "GET", at(c.query), "")
			if r.code != c.code {
				t.Errorf("%s %s: %d %s, want %d", c.role, c.query, r.code, r.raw, c.code)
				continue
			}
			for _, secret := range []string{"tok-ann", "$argon2id", "ann-pass", "bob@secret"} {
				if strings.Contains(r.raw, secret) && !strings.Contains(c.query, "email") {
					t.Errorf("%s %s leaks %q: %s", c.role, c.query, secret, r.raw)
				}
			}
			if c.code != 200 {
				continue
			}
			if strings.Contains(r.raw, `"password"`) || strings.Contains(r.raw, `"resetToken"`) {
				t.Errorf("%s %s returns a hidden field: %s", c.role, c.query, r.raw)
			}
			rows := records(t, r)
			if len(rows) != c.rows {
				t.Errorf("%s %s: %d rows, want %d: %s", c.role, c.query, len(rows), c.rows, r.raw)
			}
			if c.keys != nil {
				if diff := cmp.Diff(c.keys, keysOf(rows)); diff != "" {
					t.Errorf("%s %s: keys (-want +got):\n%s", c.role, c.query, diff)
				}
			}
		}
	})
}

// TestUsersWritingActionsHonourGrant is issue #9's write scope for the
// users' own actions: each applies the grant's whitelist, fields and
// blacklist where it takes values, and GET cannot run it.
func TestUsersWritingActionsHonourGrant(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newScopeEnv(t, db,
			acl.RoleOptions{Name: "member", Actions: map[string]acl.Params{
				"users:updateProfile":  {"blacklist": []string{"email"}},
				"users:updateLang":     {"whitelist": []string{"nickname"}},
				"users:changePassword": {"blacklist": []string{"password"}},
				"departments:create":   {"whitelist": []string{"title"}},
				"departments:update":   {"blacklist": []string{"sort"}},
				"departments:destroy":  {},
			}},
			acl.RoleOptions{Name: "open", Actions: map[string]acl.Params{
				"users:updateProfile": {}, "users:updateLang": {}, "users:changePassword": {},
			}},
		)
		e.addUsers(&users.User{Nickname: "ann", Username: "ann", Email: "ann@x", Password: "ann-pass"})
		root := &users.Department{Title: "root"}
		if err := users.CreateDepartment(e.ctx, db, root); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, role, method, target, body string
			code                             int
		}{
			{"profile drops the blacklisted email", "member", "POST", "/api/users:updateProfile", `{"nickname":"annie","email":"evil@x"}`, 200},
			{"language outside the whitelist", "member", "POST", "/api/users:updateLang", `{"appLang":"de"}`, 403},
			{"password blacklisted", "member", "POST", "/api/users:changePassword", `{"oldPassword":"ann-pass","newPassword":"x","confirmPassword":"x"}`, 403},
			{"department create keeps the title only", "member", "POST", "/api/departments:create", fmt.Sprintf(`{"title":"sales","parentId":%d,"sort":9}`, root.ID), 200},
			{"department update drops sort", "member", "POST", "/api/departments:update?filterByTk=2", `{"title":"Sales","sort":7}`, 200},
			{"open language", "open", "POST", "/api/users:updateLang", `{"appLang":"fr"}`, 200},
			{"GET profile", "open", "GET", "/api/users:updateProfile?values[nickname]=x", "", 405},
			{"GET language", "open", "GET", "/api/users:updateLang", "", 405},
			{"GET password", "open", "GET", "/api/users:changePassword", "", 405},
			{"GET department destroy", "member", "GET", "/api/departments:destroy?filterByTk=2", "", 405},
			{"GET department create", "member", "GET", "/api/departments:create?values[title]=x", "", 405},
		} {
			if r := e.serve(c.role, 1, c.method, c.target, c.body); r.code != c.code {
				t.Errorf("%s: %d %s, want %d", c.name, r.code, r.raw, c.code)
			}
		}
		var ann users.User
		if err := db.NewSelect().Model(&ann).Where("id = 1").Scan(e.ctx); err != nil {
			t.Fatal(err)
		}
		if ok, _ := users.VerifyPassword("ann-pass", ann.Password); ann.Nickname != "annie" || ann.Email != "ann@x" || ann.AppLang != "fr" || !ok {
			t.Errorf("ann: nickname %q email %q appLang %q, old password verifies %v", ann.Nickname, ann.Email, ann.AppLang, ok)
		}
		var depts []users.Department
		if err := db.NewSelect().Model(&depts).Order("id").Scan(e.ctx); err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(depts))
		for i, d := range depts {
			got[i] = fmt.Sprintf("%s parent=%v sort=%d", d.Title, deref(d.ParentID), d.Sort)
		}
		if diff := cmp.Diff([]string{"root parent=<nil> sort=0", "Sales parent=<nil> sort=0"}, got); diff != "" {
			t.Errorf("departments (-want +got):\n%s", diff)
		}
	})
}

// TestServerColumnsThroughCrud is issue #9 classes 7 and 8 over HTTP: a
// member's create and update through crud cannot set the audit columns or
// the times, a model embedding Audit and Timestamps gets its author (so
// own-row lists find the row), and crud updates move updatedAt.
func TestServerColumnsThroughCrud(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		own := acl.Params{"filter": map[string]any{"createdById": map[string]any{"$isCurrentUser": true}}}
		e := newScopeEnv(t, db, acl.RoleOptions{Name: "member", Actions: map[string]acl.Params{
			"audited_posts:view": own, "audited_posts:create": {}, "audited_posts:update": own,
			"notes:create": {}, "stamped_notes:create": {}, "stamped_notes:update": {},
		}})
		since := time.Now()
		spoofAudit := `"createdById":1,"updatedById":1,"createdBy":{"id":1}`
		spoofTimes := `"createdAt":"1999-01-01T00:00:00Z","updatedAt":"1999-01-01T00:00:00Z"`
		spoof := spoofAudit + "," + spoofTimes
		for _, c := range []struct{ target, body string }{
			{"/api/audited_posts", `{"title":"mine",` + spoof + `}`},
			{"/api/notes", `{"body":"mine",` + spoofAudit + `}`},
			{"/api/stamped_notes", `{"title":"mine",` + spoofTimes + `}`},
		} {
			if r := e.serve("member", 2, "POST", c.target, c.body); r.code != 200 {
				t.Fatalf("create %s: %d %s", c.target, r.code, r.raw)
			}
		}
		r := e.serve("member", 2, "GET", "/api/audited_posts", "")
		if rows := records(t, r); r.code != 200 || len(rows) != 1 || rows[0]["title"] != "mine" {
			t.Errorf("own-row list: %d %s", r.code, r.raw)
		}
		// The stored update times go back a year, so that an update that
		// moves them is plain to see.
		for _, table := range []string{"audited_posts", "stamped_notes"} {
			if _, err := db.NewUpdate().TableExpr("?", bun.Ident(table)).Set("? = ?", bun.Ident("updatedAt"), presetTime).Where("1 = 1").Exec(e.ctx); err != nil {
				t.Fatal(err)
			}
		}
		for target, body := range map[string]string{
			"/api/audited_posts/1": `{"title":"edited",` + spoof + `}`,
			"/api/stamped_notes/1": `{"title":"edited"}`,
		} {
			if r := e.serve("member", 2, "PUT", target, body); r.code != 200 {
				t.Errorf("update %s: %d %s", target, r.code, r.raw)
			}
		}
		want := map[string][]serverRow{
			"audited_posts": {{"edited", int64(2), int64(2), "now", "now"}},
			"notes":         {{"mine", int64(2), int64(2), "", ""}},
			"stamped_notes": {{"edited", nil, nil, "now", "now"}},
		}
		for _, m := range serverModels() {
			if w, ok := want[m.table]; ok {
				if diff := cmp.Diff(w, readServerRows(t, e.ctx, db, m, since)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", m.table, diff)
				}
			}
		}
	})
}

// TestUserServerColumnsThroughCrud: a client cannot set a user's
// passwordChangeTz or resetToken, nor the audit columns and times.
func TestUserServerColumnsThroughCrud(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newScopeEnv(t, db, acl.RoleOptions{Name: "admin", Actions: map[string]acl.Params{"users:create": {}, "users:update": {}}})
		body := `{"nickname":"eve","passwordChangeTz":1,"resetToken":"planted","createdById":5,"createdAt":"1999-01-01T00:00:00Z"}`
		if r := e.serve("admin", 3, "POST", "/api/users", body); r.code != 200 {
			t.Fatalf("create: %d %s", r.code, r.raw)
		}
		if r := e.serve("admin", 3, "PUT", "/api/users/1", `{"passwordChangeTz":99,"resetToken":"planted2","updatedById":5}`); r.code != 200 {
			t.Fatalf("update: %d %s", r.code, r.raw)
		}
		var u users.User
		if err := db.NewSelect().Model(&u).Where("id = 1").Scan(e.ctx); err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("tz=%d token=%q by=%v/%v created1999=%v", u.PasswordChangeTz, u.ResetToken, deref(u.CreatedByID), deref(u.UpdatedByID), u.CreatedAt.Year() == 1999)
		if want := `tz=0 token="" by=3/3 created1999=false`; got != want {
			t.Errorf("user: %s, want %s", got, want)
		}
	})
}
