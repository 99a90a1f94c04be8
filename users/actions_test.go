package users_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
	"github.com/gatehouse-dev/gatehouse/users"
)

// actionEnv serves the users resource with the users actions through
// resourcer, acl and crud, as actions.test.ts and role-users.test.ts set
// NocoBase up: a root user (test@nocobase.com) with the roles root and
// admin.
type actionEnv struct {
	t                   *testing.T
	db                  *bun.DB
	ctx                 context.Context
	root                *users.User
	rs                  *resourcer.Resourcer // with the ACL
	bare                *resourcer.Resourcer // the same handlers, no ACL
	editProfile, chgPwd atomic.Bool
	inv                 *invalidations
}

func newActionEnv(t *testing.T, db *bun.DB) *actionEnv {
	t.Helper()
	e := &actionEnv{t: t, db: db, ctx: setup(t, db), inv: &invalidations{}}
	e.editProfile.Store(true)
	e.chgPwd.Store(true)
	env := map[string]string{"INIT_ROOT_EMAIL": "test@nocobase.com", "INIT_ROOT_PASSWORD": "123456", "INIT_ROOT_NICKNAME": "Test"}
	root, err := users.InstallRoot(e.ctx, db, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	e.root = root
	if _, err := db.NewInsert().Model(&users.RoleUser{UserID: root.ID, RoleName: "admin"}).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	users.SetInvalidator(db, e.inv)
	t.Cleanup(func() { users.SetInvalidator(db, nil) })

	a := acl.New()
	if err := users.ACLPresets(a); err != nil {
		t.Fatal(err)
	}
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"list", "get"}})
	a.Define(acl.RoleOptions{Name: "root"})
	a.Define(acl.RoleOptions{Name: "admin", Snippets: []string{"pm.users"}})
	a.Define(acl.RoleOptions{Name: "member"})
	filters := filterop.NewRegistry()
	if err := users.RegisterOperators(filters); err != nil {
		t.Fatal(err)
	}
	handlers := users.Actions(users.ActionOptions{
		DB:                   db,
		Filters:              filters,
		EnableEditProfile:    func(context.Context) bool { return e.editProfile.Load() },
		EnableChangePassword: func(context.Context) bool { return e.chgPwd.Load() },
	})

	e.rs = resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
	e.rs.RegisterActionHandlers(handlers)
	actions := acl.ActionSourceFunc(func(r *http.Request) (acl.Action, bool) {
		ac, ok := resourcer.ActionFrom(r.Context())
		if !ok {
			return acl.Action{}, false
		}
		return acl.Action{Resource: ac.ResourceName, Name: ac.ActionName, Params: ac.Params,
			SetParams: func(p acl.Params) { ac.Params = p }}, true
	})
	e.rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: actions}), resourcer.UseOptions{Tag: "acl"})
	if _, err := crud.Define(e.rs, crud.Options{DB: db, Model: (*users.User)(nil), Filters: filters}); err != nil {
		t.Fatal(err)
	}

	e.bare = resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
	e.bare.RegisterActionHandlers(handlers)
	if _, err := e.bare.Define(resourcer.ResourceOptions{Name: "users"}); err != nil {
		t.Fatal(err)
	}
	return e
}

type reply struct {
	code   int
	raw    string
	Data   json.RawMessage `json:"data"`
	Meta   map[string]any  `json:"meta"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

func (r reply) message() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Message
}

// serve sends a request as role and user; user 0 is anonymous (no user in
// the context at all).
func (e *actionEnv) serve(h http.Handler, role string, user int64, method, target, body string) reply {
	e.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	ctx := req.Context()
	if role != "" {
		ctx = acl.WithRole(ctx, role)
	}
	if user != 0 {
		ctx = users.WithCurrentUser(acl.WithUser(ctx, user), user)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req.WithContext(ctx))
	out := reply{code: w.Code, raw: w.Body.String()}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		e.t.Fatalf("%s %s: body is not JSON: %q", method, target, w.Body.String())
	}
	return out
}

func (e *actionEnv) user(id int64) *users.User {
	e.t.Helper()
	var u users.User
	if err := e.db.NewSelect().Model(&u).Where("id = ?", id).Relation("Roles").Scan(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return &u
}

func (e *actionEnv) addUser(u *users.User, roles ...string) *users.User {
	e.t.Helper()
	if _, err := e.db.NewInsert().Model(u).Exec(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	for _, r := range roles {
		if _, err := e.db.NewInsert().Model(&users.RoleUser{UserID: u.ID, RoleName: r}).Exec(e.ctx); err != nil {
			e.t.Fatal(err)
		}
	}
	return u
}

func TestUpdateProfileAction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newActionEnv(t, db)
		rootID := e.root.ID
		body := `{"nickname":"a"}`
		profileAt := fmt.Sprintf("/api/users:updateProfile?filterByTk=%d", rootID)

		// actions.test.ts "update profile": anonymous → 401, the admin → 200.
		// With the ACL in front an anonymous request never reaches the
		// handler: the loggedIn allow fails and the anonymous role has no
		// permission, so the ACL answers 403.
		if r := e.serve(e.rs, "", 0, "POST", profileAt, body); r.code != 403 || r.message() != "No permissions" {
			t.Errorf("anonymous through the ACL: %d %s", r.code, r.raw)
		}
		if r := e.serve(e.bare, "", 0, "POST", profileAt, body); r.code != 401 {
			t.Errorf("anonymous, handler alone: %d %s, want 401", r.code, r.raw)
		}
		r := e.serve(e.rs, "admin", rootID, "POST", profileAt, body)
		if r.code != 200 || strings.Contains(r.raw, `"password"`) || strings.Contains(r.raw, "$argon2id") {
			t.Fatalf("admin update profile: %d %s", r.code, r.raw)
		}
		var got users.User
		if err := json.Unmarshal(r.Data, &got); err != nil || got.ID != rootID || got.Nickname != "a" {
			t.Errorf("returned user %+v (%v)", got, err)
		}
		if u := e.user(rootID); u.Nickname != "a" || deref(u.UpdatedByID) != rootID {
			t.Errorf("stored nickname %q, updatedById %v", u.Nickname, deref(u.UpdatedByID))
		}

		// "update profile not allowed": enableEditProfile false → 403.
		e.editProfile.Store(false)
		r = e.serve(e.rs, "admin", rootID, "POST", "/api/users:updateProfile", `{"nickname":"b"}`)
		if r.code != 403 || r.message() != "User profile is not allowed to be edited" {
			t.Errorf("edit disabled: %d %s", r.code, r.raw)
		}
		e.editProfile.Store(true)
		if u := e.user(rootID); u.Nickname != "a" {
			t.Errorf("disabled edit changed nickname to %q", u.Nickname)
		}

		// "update profile, but not roles": the profile fields change;
		// roles, appLang, systemSettings and the password are not profile
		// fields and are ignored.
		before := e.user(rootID)
		if len(before.Roles) != 2 {
			t.Fatalf("root roles before: %+v", before.Roles)
		}
		r = e.serve(e.rs, "admin", rootID, "POST", "/api/users:updateProfile", `{
			"nickname":"a","username":"a","email":"test@nocobase.com","phone":"12345678901",
			"systemSettings":{"themeId":1},"appLang":"zh-CN","roles":[],"password":"hijack","id":99}`)
		if r.code != 200 {
			t.Fatalf("update with roles: %d %s", r.code, r.raw)
		}
		after := e.user(rootID)
		if after.Nickname != "a" || after.Username != "a" || after.Email != "test@nocobase.com" || after.Phone != "12345678901" {
			t.Errorf("profile fields not updated: %+v", after)
		}
		if len(after.Roles) != len(before.Roles) {
			t.Errorf("roles changed: %+v", after.Roles)
		}
		if after.AppLang != "" || after.SystemSettings["themeId"] != nil || after.Password != before.Password {
			t.Errorf("non-profile fields changed: appLang %q, systemSettings %v, password changed %v",
				after.AppLang, after.SystemSettings, after.Password != before.Password)
		}
		if got := e.inv.ids(); len(got) != 0 {
			t.Errorf("profile update invalidated %v", got)
		}

		// A signed-in user with no grants may edit their own profile
		// (loggedIn), and only their own: filterByTk is ignored.
		bob := e.addUser(&users.User{Nickname: "bob", Username: "bob", Email: "bob@x"}, "member")
		r = e.serve(e.rs, "member", bob.ID, "POST", profileAt, `{"nickname":"bobby"}`)
		if r.code != 200 || e.user(bob.ID).Nickname != "bobby" || e.user(rootID).Nickname != "a" {
			t.Errorf("member updates own profile: %d %s", r.code, r.raw)
		}
		if r := e.serve(e.rs, "member", bob.ID, "GET", "/api/users", ""); r.code != 403 {
			t.Errorf("member listing users: %d", r.code)
		}

		for _, c := range []struct {
			body, field string
			code        int
		}{
			{`{"nickname":true}`, "nickname", 400},
			{`{"email":{"a":1}}`, "email", 400},
			{`{"username":""}`, "username", 400},
			{`{"username":null}`, "username", 400},
			{`{"email":"test@nocobase.com"}`, "email", 409},
			{`"nickname"`, "values", 400},
		} {
			r := e.serve(e.rs, "member", bob.ID, "POST", "/api/users:updateProfile", c.body)
			if r.code != c.code || !strings.Contains(r.message(), c.field) {
				t.Errorf("%s: %d %s, want %d naming %s", c.body, r.code, r.raw, c.code, c.field)
			}
		}
		if u := e.user(bob.ID); u.Username != "bob" || u.Email != "bob@x" || u.Nickname != "bobby" {
			t.Errorf("a refused update changed bob: %+v", u)
		}
		// Optional fields may be emptied (nullzero columns become NULL).
		r = e.serve(e.rs, "member", bob.ID, "POST", "/api/users:updateProfile", `{"email":"","phone":null}`)
		if u := e.user(bob.ID); r.code != 200 || u.Email != "" || u.Phone != "" {
			t.Errorf("emptying email: %d %s %+v", r.code, r.raw, u)
		}
		// A user that no longer exists.
		if r := e.serve(e.rs, "member", 12345, "POST", "/api/users:updateProfile", `{"nickname":"x"}`); r.code != 404 {
			t.Errorf("missing user: %d %s", r.code, r.raw)
		}
	})
}

func TestActionOptionsFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newActionEnv(t, db)
		h := users.Actions(users.ActionOptions{DB: db, EditableFields: []string{"nickname", "appLang"}, RequiredFields: []string{"nickname"}})
		rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
		rs.RegisterActionHandlers(h)
		if _, err := rs.Define(resourcer.ResourceOptions{Name: "users"}); err != nil {
			t.Fatal(err)
		}
		r := e.serve(rs, "", e.root.ID, "POST", "/api/users:updateProfile", `{"appLang":"de-DE","username":"zzz"}`)
		if u := e.user(e.root.ID); r.code != 200 || u.AppLang != "de-DE" || u.Username != "nocobase" {
			t.Errorf("custom fields: %d %s %+v", r.code, r.raw, u)
		}
		if r := e.serve(rs, "", e.root.ID, "POST", "/api/users:updateProfile", `{"nickname":""}`); r.code != 400 {
			t.Errorf("custom required field emptied: %d %s", r.code, r.raw)
		}
		// Without required fields username may be cleared.
		h = users.Actions(users.ActionOptions{DB: db, RequiredFields: []string{}})
		rs.RegisterActionHandlers(h)
		rs.Define(resourcer.ResourceOptions{Name: "users"})
		if r := e.serve(rs, "", e.root.ID, "POST", "/api/users:updateProfile", `{"username":""}`); r.code != 200 || e.user(e.root.ID).Username != "" {
			t.Errorf("no required fields: %d %s", r.code, r.raw)
		}

		for name, opts := range map[string]users.ActionOptions{
			"no db":              {},
			"unknown field":      {DB: db, EditableFields: []string{"shoeSize"}},
			"hidden field":       {DB: db, EditableFields: []string{"nickname", "password"}},
			"primary key":        {DB: db, EditableFields: []string{"id"}},
			"required not in ed": {DB: db, EditableFields: []string{"nickname"}, RequiredFields: []string{"email"}},
			"not a user model":   {DB: db, UserModel: (*note)(nil)},
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: Actions did not panic", name)
					}
				}()
				users.Actions(opts)
			}()
		}
	})
}

func TestUpdateLangAction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newActionEnv(t, db)
		r := e.serve(e.rs, "admin", e.root.ID, "POST", "/api/users:updateLang", `{"appLang":"zh-CN"}`)
		if r.code != 200 || e.user(e.root.ID).AppLang != "zh-CN" {
			t.Errorf("update lang: %d %s, appLang %q", r.code, r.raw, e.user(e.root.ID).AppLang)
		}
		bob := e.addUser(&users.User{Nickname: "bob"}, "member")
		if r := e.serve(e.rs, "member", bob.ID, "POST", "/api/users:updateLang", `{"appLang":"en-US"}`); r.code != 200 || e.user(bob.ID).AppLang != "en-US" {
			t.Errorf("member update lang: %d %s", r.code, r.raw)
		}
		if e.user(e.root.ID).AppLang != "zh-CN" {
			t.Error("bob's language changed root's")
		}
		if r := e.serve(e.rs, "member", bob.ID, "POST", "/api/users:updateLang", `{"appLang":null}`); r.code != 200 || e.user(bob.ID).AppLang != "" {
			t.Errorf("clearing appLang: %d %s", r.code, r.raw)
		}
		if r := e.serve(e.rs, "member", bob.ID, "POST", "/api/users:updateLang", `{"appLang":["en"]}`); r.code != 400 || !strings.Contains(r.message(), "appLang") {
			t.Errorf("appLang list: %d %s", r.code, r.raw)
		}
		if r := e.serve(e.rs, "member", bob.ID, "POST", "/api/users:updateLang", `{}`); r.code != 400 {
			t.Errorf("no appLang: %d %s", r.code, r.raw)
		}
		if r := e.serve(e.rs, "", 0, "POST", "/api/users:updateLang", `{"appLang":"zh-CN"}`); r.code != 403 {
			t.Errorf("anonymous through the ACL: %d %s", r.code, r.raw)
		}
		if r := e.serve(e.bare, "", 0, "POST", "/api/users:updateLang", `{"appLang":"zh-CN"}`); r.code != 401 {
			t.Errorf("anonymous, handler alone: %d %s", r.code, r.raw)
		}
	})
}

func TestChangePasswordAction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newActionEnv(t, db)
		id := e.root.ID
		change := func(h http.Handler, user int64, oldPw, newPw, confirm string) reply {
			body, _ := json.Marshal(map[string]any{"oldPassword": oldPw, "newPassword": newPw, "confirmPassword": confirm})
			return e.serve(h, "admin", user, "POST", "/api/users:changePassword", string(body))
		}
		if r := change(e.bare, 0, "123456", "n3w", "n3w"); r.code != 401 {
			t.Errorf("anonymous: %d %s", r.code, r.raw)
		}
		if r := change(e.rs, id, "wrong", "n3w-pass", "n3w-pass"); r.code != 400 || r.message() != "The password is incorrect, please re-enter" {
			t.Errorf("wrong old password: %d %s", r.code, r.raw)
		}
		if r := change(e.rs, id, "123456", "n3w-pass", "other"); r.code != 400 || r.message() != "The password is inconsistent, please re-enter" {
			t.Errorf("mismatch: %d %s", r.code, r.raw)
		}
		if r := change(e.rs, id, "123456", "", ""); r.code != 400 || !strings.Contains(r.message(), "newPassword") {
			t.Errorf("empty new password: %d %s", r.code, r.raw)
		}
		if r := e.serve(e.rs, "admin", id, "POST", "/api/users:changePassword", `{"oldPassword":123456,"newPassword":"x","confirmPassword":"x"}`); r.code != 400 || !strings.Contains(r.message(), "oldPassword") {
			t.Errorf("number as old password: %d %s", r.code, r.raw)
		}
		e.chgPwd.Store(false)
		if r := change(e.rs, id, "123456", "n3w-pass", "n3w-pass"); r.code != 403 || r.message() != "Password is not allowed to be changed" {
			t.Errorf("disabled: %d %s", r.code, r.raw)
		}
		e.chgPwd.Store(true)
		if got := e.inv.ids(); len(got) != 0 || e.user(id).PasswordChangeTz != 0 {
			t.Fatalf("refused changes invalidated %v or set passwordChangeTz", got)
		}

		before := time.Now()
		r := change(e.rs, id, "123456", "n3w-pass", "n3w-pass")
		if r.code != 200 || string(r.Data) != "null" || strings.Contains(r.raw, "n3w-pass") {
			t.Fatalf("change password: %d %s", r.code, r.raw)
		}
		u := e.user(id)
		if ok, _ := users.VerifyPassword("n3w-pass", u.Password); !ok || !users.IsPasswordHash(u.Password) {
			t.Error("new password does not verify")
		}
		if ok, _ := users.VerifyPassword("123456", u.Password); ok {
			t.Error("old password still verifies")
		}
		if u.PasswordChangeTz < before.UnixMilli() || !users.TokenStale(u, before.Add(-time.Second)) {
			t.Errorf("passwordChangeTz %d, before %d", u.PasswordChangeTz, before.UnixMilli())
		}
		if got := e.inv.ids(); len(got) != 1 || got[0] != id {
			t.Errorf("invalidated %v, want [%d]", got, id)
		}
		if u.Nickname != "Test" || u.Email != "test@nocobase.com" || deref(u.UpdatedByID) != id {
			t.Errorf("other columns: %+v", u)
		}
		// The old password is now the wrong one.
		if r := change(e.rs, id, "123456", "x", "x"); r.code != 400 {
			t.Errorf("old password after change: %d %s", r.code, r.raw)
		}
		// A user without a password cannot prove the old one.
		sso := e.addUser(&users.User{Nickname: "sso"}, "admin")
		if r := change(e.rs, sso.ID, "", "x", "x"); r.code != 400 {
			t.Errorf("user without password: %d %s", r.code, r.raw)
		}
	})
}

// TestListExcludeRoleAction ports role-users.test.ts, where the only user
// is root, who has the admin role.
func TestListExcludeRoleAction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newActionEnv(t, db)
		list := func(query string) reply {
			t.Helper()
			return e.serve(e.rs, "admin", e.root.ID, "GET", "/api/users:listExcludeRole?"+query, "")
		}
		rows := func(r reply) []users.User {
			t.Helper()
			var out []users.User
			if err := json.Unmarshal(r.Data, &out); err != nil || out == nil {
				t.Fatalf("data %s: %v", r.Data, err)
			}
			return out
		}
		filter := func(f string) string { return "&filter=" + url.QueryEscape(f) }
		for _, c := range []struct {
			query string
			want  int
		}{
			{"roleName[]=admin", 0},
			{"roleName[]=test", 1},
			{"roleName[]=test" + filter(fmt.Sprintf(`{"id":%d}`, e.root.ID)), 1},
			{"roleName[]=test" + filter(`{"id":2}`), 0},
		} {
			r := list(c.query)
			if r.code != 200 || len(rows(r)) != c.want {
				t.Errorf("%s: %d %s, want %d rows", c.query, r.code, r.raw, c.want)
			}
		}

		bob := e.addUser(&users.User{Nickname: "bob", Email: "bob@x", Password: "bob-pass"}, "member")
		carol := e.addUser(&users.User{Nickname: "carol"})
		r := list("roleName=admin")
		got := rows(r)
		if r.code != 200 || len(got) != 2 || got[0].ID != bob.ID || got[1].ID != carol.ID {
			t.Fatalf("exclude admin: %d %s", r.code, r.raw)
		}
		if strings.Contains(r.raw, `"password"`) || strings.Contains(r.raw, "bob-pass") || strings.Contains(r.raw, "$argon2id") {
			t.Errorf("list leaks the password: %s", r.raw)
		}
		wantMeta := map[string]any{"count": 2.0, "page": 1.0, "pageSize": 20.0, "totalPage": 1.0}
		for k, v := range wantMeta {
			if r.Meta[k] != v {
				t.Errorf("meta %v, want %v", r.Meta, wantMeta)
				break
			}
		}
		r = list("roleName=admin&page=2&pageSize=1")
		if got := rows(r); r.code != 200 || len(got) != 1 || got[0].ID != carol.ID || r.Meta["count"] != 2.0 || r.Meta["totalPage"] != 2.0 || r.Meta["page"] != 2.0 {
			t.Errorf("page 2: %d %s", r.code, r.raw)
		}
		if got := rows(list("roleName[]=admin&roleName[]=member")); len(got) != 1 || got[0].ID != carol.ID {
			t.Errorf("exclude admin and member: %+v", got)
		}
		if got := rows(list("roleName=member" + filter(`{"nickname":{"$includes":"car"}}`))); len(got) != 1 || got[0].ID != carol.ID {
			t.Errorf("exclude member, with filter: %+v", got)
		}
		if got := rows(list("roleName=nobody" + filter(`{"id":{"$isCurrentUser":true}}`))); len(got) != 1 || got[0].ID != e.root.ID {
			t.Errorf("$isCurrentUser: %+v", got)
		}
		if r := list("roleName=admin&pageSize=5000"); r.code != 200 || r.Meta["pageSize"] != 1000.0 {
			t.Errorf("pageSize clamp: %d %v", r.code, r.Meta)
		}

		for _, bad := range []string{
			"",
			"roleName=",
			"roleName=admin&page=0",
			"roleName=admin&pageSize=x",
			"roleName=admin" + filter(`{"password":{"$ne":null}}`),
			"roleName=admin" + filter(`{"shoeSize":1}`),
		} {
			if r := list(bad); r.code != 400 {
				t.Errorf("%q: %d %s, want 400", bad, r.code, r.raw)
			}
		}
		// Without the admin role's users:* the ACL refuses.
		if r := e.serve(e.rs, "member", bob.ID, "GET", "/api/users:listExcludeRole?roleName=admin", ""); r.code != 403 {
			t.Errorf("member: %d %s", r.code, r.raw)
		}
	})
}

// employee is a host's extended user model.
type employee struct {
	users.User `bun:",extend"`
	EmployeeNo string `bun:"employeeNo" json:"employeeNo"`
}

// TestActionsExtendedUserModel runs the actions on a host's extended user
// model: its own columns may be editable, lists return it, and a password
// change still goes through User's hook and the Invalidator.
func TestActionsExtendedUserModel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := users.CreateTables(ctx, db, users.Options{UserModel: (*employee)(nil)}); err != nil {
			t.Fatal(err)
		}
		inv := &invalidations{}
		users.SetInvalidator(db, inv)
		defer users.SetInvalidator(db, nil)
		ann := &employee{User: users.User{Nickname: "ann", Password: "ann-pass"}, EmployeeNo: "E1"}
		if _, err := db.NewInsert().Model(ann).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
		rs.RegisterActionHandlers(users.Actions(users.ActionOptions{DB: db, UserModel: (*employee)(nil), EditableFields: []string{"nickname", "employeeNo"}}))
		if _, err := rs.Define(resourcer.ResourceOptions{Name: "users"}); err != nil {
			t.Fatal(err)
		}
		e := &actionEnv{t: t, db: db, ctx: ctx}
		r := e.serve(rs, "", ann.ID, "POST", "/api/users:updateProfile", `{"employeeNo":"E2","nickname":"anne"}`)
		var got employee
		if err := db.NewSelect().Model(&got).Where("id = ?", ann.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if r.code != 200 || !strings.Contains(r.raw, `"employeeNo":"E2"`) || got.EmployeeNo != "E2" || got.Nickname != "anne" {
			t.Errorf("update extended profile: %d %s %+v", r.code, r.raw, got)
		}
		r = e.serve(rs, "", ann.ID, "GET", "/api/users:listExcludeRole?roleName=admin&filter="+url.QueryEscape(`{"employeeNo":"E2"}`), "")
		if r.code != 200 || !strings.Contains(r.raw, `"employeeNo":"E2"`) || r.Meta["count"] != 1.0 {
			t.Errorf("list extended: %d %s", r.code, r.raw)
		}
		r = e.serve(rs, "", ann.ID, "POST", "/api/users:changePassword", `{"oldPassword":"ann-pass","newPassword":"n3w","confirmPassword":"n3w"}`)
		if err := db.NewSelect().Model(&got).Where("id = ?", ann.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, _ := users.VerifyPassword("n3w", got.Password); r.code != 200 || !ok || got.PasswordChangeTz == 0 || got.EmployeeNo != "E2" {
			t.Errorf("change password on extended model: %d %s", r.code, r.raw)
		}
		if ids := inv.ids(); len(ids) != 1 || ids[0] != ann.ID {
			t.Errorf("invalidated %v", ids)
		}
	})
}
