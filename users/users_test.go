package users_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
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

// note is a host's own model with audit fields.
type note struct {
	bun.BaseModel `bun:"table:notes,alias:notes"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Body          string `bun:"body" json:"body"`
	users.Audit
}

func setup(t *testing.T, db *bun.DB) context.Context {
	t.Helper()
	ctx := context.Background()
	if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewCreateTable().Model((*note)(nil)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := users.CreateAuditIndexes(ctx, db, (*note)(nil)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestAuditFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		as := func(id int64) context.Context { return users.WithCurrentUser(ctx, id) }
		// The authors exist, so that loading CreatedBy/UpdatedBy has
		// something to find.
		authors := []*users.User{}
		for _, id := range []int64{7, 8, 9, 10} {
			authors = append(authors, &users.User{ID: id, Nickname: fmt.Sprintf("u%d", id), Email: fmt.Sprintf("u%d@x", id)})
		}
		if _, err := db.NewInsert().Model(&authors).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		n := &note{Body: "one"}
		if _, err := db.NewInsert().Model(n).Exec(as(7)); err != nil {
			t.Fatal(err)
		}
		bulk := []*note{{Body: "two"}, {Body: "three", Audit: users.Audit{CreatedByID: ptr(int64(9))}}}
		if _, err := db.NewInsert().Model(&bulk).Exec(as(8)); err != nil {
			t.Fatal(err)
		}
		anon := &note{Body: "anonymous"}
		if _, err := db.NewInsert().Model(anon).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		n.Body = "one, edited"
		if _, err := db.NewUpdate().Model(n).WherePK().Exec(as(10)); err != nil {
			t.Fatal(err)
		}
		var got []*note
		if err := db.NewSelect().Model(&got).Relation("CreatedBy").Relation("UpdatedBy").Order("notes.id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		// A createdById the client set is the current user's (NocoBase),
		// and the relations load the users those ids name.
		want := []string{
			"one, edited 7 10 u7 u10",
			"two 8 8 u8 u8",
			"three 8 8 u8 u8",
			"anonymous <nil> <nil> - -",
		}
		lines := make([]string, 0, len(got))
		for _, g := range got {
			lines = append(lines, fmt.Sprintf("%s %v %v %s %s", g.Body, deref(g.CreatedByID), deref(g.UpdatedByID), nickname(g.CreatedBy), nickname(g.UpdatedBy)))
		}
		if diff := cmp.Diff(want, lines); diff != "" {
			t.Errorf("notes (-want +got):\n%s", diff)
		}

		var withCreator note
		if err := db.NewSelect().Model(&withCreator).Relation("CreatedBy").Where("notes.id = ?", n.ID).Scan(ctx); err != nil {
			t.Fatalf("createdBy relation: %v", err)
		}
		if c := withCreator.CreatedBy; c == nil || c.ID != 7 || c.Nickname != "u7" || c.Email != "u7@x" {
			t.Errorf("note %d: CreatedBy = %+v, want user 7 (u7)", n.ID, c)
		}
		if withCreator.UpdatedBy != nil {
			t.Errorf("note %d: UpdatedBy loaded without being asked for: %+v", n.ID, withCreator.UpdatedBy)
		}
	})
}

// nickname is u's nickname, or "-" when the relation loaded nothing.
func nickname(u *users.User) string {
	if u == nil || u.ID == 0 {
		return "-"
	}
	return u.Nickname
}

func ptr[T any](v T) *T { return &v }

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestUserPasswordsAndHiddenFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		u := &users.User{Nickname: "ann", Email: "ann@x", Password: "s3cret!", ResetToken: "tok"}
		if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if !users.IsPasswordHash(u.Password) {
			t.Fatalf("password stored as %q", u.Password)
		}
		if u.Enabled == nil || !*u.Enabled || u.PasswordChangeTz != 0 {
			t.Errorf("new user: enabled %v, passwordChangeTz %d", u.Enabled, u.PasswordChangeTz)
		}
		ok, err := users.VerifyPassword("s3cret!", u.Password)
		if err != nil || !ok {
			t.Fatalf("verify: %v %v", ok, err)
		}
		raw, _ := json.Marshal([]any{u, map[string]any{"nested": []*users.User{u}}})
		for _, secret := range []string{`"password"`, `"resetToken"`, u.Password, "tok"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("JSON contains %q: %s", secret, raw)
			}
		}
		clean := users.Desensitize(map[string]any{"user": u, "list": []*users.User{u, u}})
		if cu := clean["user"].(*users.User); cu.Password != "" || cu.ResetToken != "" || cu.Nickname != "ann" {
			t.Errorf("desensitized %+v", cu)
		}
		if u.Password == "" {
			t.Error("Desensitize changed the original")
		}

		inv := &invalidations{}
		users.SetInvalidator(db, inv)
		defer users.SetInvalidator(db, nil)
		before := time.Now()
		u.Password = "n3w-secret"
		if _, err := db.NewUpdate().Model(u).Column("password", "passwordChangeTz").WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		var stored users.User
		if err := db.NewSelect().Model(&stored).Where("id = ?", u.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, _ := users.VerifyPassword("n3w-secret", stored.Password); !ok {
			t.Error("new password does not verify")
		}
		if stored.PasswordChangeTz < before.UnixMilli() {
			t.Errorf("passwordChangeTz %d", stored.PasswordChangeTz)
		}
		if !users.TokenStale(&stored, before.Add(-time.Minute)) || users.TokenStale(&stored, time.Now().Add(time.Minute)) {
			t.Error("TokenStale does not follow passwordChangeTz")
		}
		if got := inv.ids(); len(got) != 1 || got[0] != u.ID {
			t.Errorf("invalidated %v", got)
		}
	})
}

type invalidations struct {
	mu   sync.Mutex
	seen []int64
}

func (i *invalidations) InvalidateUser(_ context.Context, id int64) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.seen = append(i.seen, id)
	return nil
}

func (i *invalidations) ids() []int64 {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]int64(nil), i.seen...)
}

func TestInstallRoot(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		env := map[string]string{"INIT_ROOT_EMAIL": "root@example.com", "INIT_ROOT_DISPLAYNAME": "Boss"}
		lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
		root, err := users.InstallRoot(ctx, db, lookup)
		if err != nil {
			t.Fatal(err)
		}
		if root.Email != "root@example.com" || root.Nickname != "Boss" || root.Username != "nocobase" || !users.IsPasswordHash(root.Password) {
			t.Errorf("root %+v", root)
		}
		again, err := users.InstallRoot(ctx, db, lookup)
		if err != nil || again.ID != root.ID {
			t.Fatalf("second install: %v %v", again, err)
		}
		n, err := db.NewSelect().Model((*users.User)(nil)).Count(ctx)
		if err != nil || n != 1 {
			t.Errorf("users after two installs: %d %v", n, err)
		}
		var role users.RoleUser
		if err := db.NewSelect().Model(&role).Where("? = ?", bun.Ident("userId"), root.ID).Scan(ctx); err != nil || role.RoleName != "root" {
			t.Errorf("root role %+v %v", role, err)
		}
		env2 := map[string]string{"INIT_ROOT_EMAIL": "other@example.com", "INIT_ROOT_USERNAME": "other", "INIT_ROOT_PASSWORD": "given-password"}
		other, err := users.InstallRoot(ctx, db, func(k string) (string, bool) { v, ok := env2[k]; return v, ok })
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := users.VerifyPassword("given-password", other.Password); !ok {
			t.Error("INIT_ROOT_PASSWORD not used")
		}
	})
}

// TestOverHTTP serves users through resourcer, acl and crud: hidden fields
// never leave, passwords are hashed on the way in, the root user cannot be
// deleted, and $isCurrentUser scopes rows.
func TestOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		if _, err := users.InstallRoot(ctx, db, func(k string) (string, bool) {
			return map[string]string{"INIT_ROOT_PASSWORD": "root-pass"}[k], k == "INIT_ROOT_PASSWORD"
		}); err != nil {
			t.Fatal(err)
		}
		a := acl.New()
		if err := users.ACLPresets(a); err != nil {
			t.Fatal(err)
		}
		a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"list", "get"}})
		a.Define(acl.RoleOptions{Name: "root"})
		a.Define(acl.RoleOptions{Name: "admin", Snippets: []string{"pm.users"}})
		a.Define(acl.RoleOptions{Name: "writer", Actions: map[string]acl.Params{
			"notes:view":   {"filter": map[string]any{"createdById": map[string]any{"$isCurrentUser": true}}},
			"notes:create": {},
		}})
		filters := filterop.NewRegistry()
		if err := users.RegisterOperators(filters); err != nil {
			t.Fatal(err)
		}
		rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
		// The resourcer tells the ACL which action a request runs and takes
		// the narrowed params back; neither package imports the other.
		rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: rs}), resourcer.UseOptions{Tag: "acl"})
		for _, m := range []any{(*users.User)(nil), (*note)(nil)} {
			if _, err := crud.Define(rs, crud.Options{DB: db, Model: m, Filters: filters}); err != nil {
				t.Fatal(err)
			}
		}
		serve := func(role string, user int64, method, target, body string) (int, string) {
			req := httptest.NewRequest(method, target, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rctx := acl.WithUser(acl.WithRole(req.Context(), role), user)
			rctx = users.WithCurrentUser(rctx, user)
			w := httptest.NewRecorder()
			rs.ServeHTTP(w, req.WithContext(rctx))
			return w.Code, w.Body.String()
		}
		code, body := serve("admin", 1, "POST", "/api/users", `{"nickname":"bob","email":"bob@x","password":"bob-pass"}`)
		if code != 200 || strings.Contains(body, `"password"`) || strings.Contains(body, "bob-pass") {
			t.Fatalf("create user: %d %s", code, body)
		}
		var bob users.User
		if err := db.NewSelect().Model(&bob).Where("email = 'bob@x'").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, _ := users.VerifyPassword("bob-pass", bob.Password); !ok || deref(bob.CreatedByID) != int64(1) {
			t.Errorf("bob: password verifies %v, createdById %v", ok, deref(bob.CreatedByID))
		}
		code, body = serve("admin", 1, "GET", "/api/users?appends=createdBy", "")
		if code != 200 || strings.Contains(body, `"password"`) || strings.Contains(body, "resetToken") || strings.Contains(body, "$argon2id") {
			t.Errorf("list users leaks: %d %s", code, body)
		}
		// The list holds exactly root and bob, and bob's createdBy is the
		// root user who created him, loaded through the append.
		var listed struct {
			Data []struct {
				ID        int64  `json:"id"`
				Email     string `json:"email"`
				CreatedBy *struct {
					ID    int64  `json:"id"`
					Email string `json:"email"`
				} `json:"createdBy"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &listed); err != nil {
			t.Fatalf("list users: %v: %s", err, body)
		}
		var creators []string
		for _, u := range listed.Data {
			creator := "-"
			if u.CreatedBy != nil {
				creator = fmt.Sprintf("%d %s", u.CreatedBy.ID, u.CreatedBy.Email)
			}
			creators = append(creators, fmt.Sprintf("%d %s by %s", u.ID, u.Email, creator))
		}
		wantCreators := []string{"1 admin@nocobase.com by -", fmt.Sprintf("%d bob@x by 1 admin@nocobase.com", bob.ID)}
		if diff := cmp.Diff(wantCreators, creators); diff != "" {
			t.Errorf("users with createdBy (-want +got):\n%s", diff)
		}
		if code, _ := serve("admin", 1, "GET", `/api/users?filter={"password":{"$ne":null}}`, ""); code != 400 {
			t.Errorf("filter on password: %d", code)
		}
		code, _ = serve("admin", 1, "PUT", fmt.Sprintf("/api/users/%d", bob.ID), `{"nickname":"bobby","password":""}`)
		var after users.User
		db.NewSelect().Model(&after).Where("id = ?", bob.ID).Scan(ctx)
		if code != 200 || after.Nickname != "bobby" || after.Password != bob.Password || deref(after.UpdatedByID) != int64(1) {
			t.Errorf("update with empty password: %d %+v", code, after)
		}
		if code, _ := serve("admin", 1, "DELETE", "/api/users/1", ""); code != 404 {
			t.Errorf("deleting root: %d, want 404", code)
		}
		if code, body := serve("admin", 1, "DELETE", fmt.Sprintf("/api/users/%d", bob.ID), ""); code != 200 {
			t.Errorf("deleting bob: %d %s", code, body)
		}

		for _, w := range []struct {
			user int64
			body string
		}{{5, "mine"}, {6, "theirs"}} {
			if code, body := serve("writer", w.user, "POST", "/api/notes", fmt.Sprintf(`{"body":%q}`, w.body)); code != 200 {
				t.Fatalf("create note: %d %s", code, body)
			}
		}
		code, body = serve("writer", 5, "GET", "/api/notes", "")
		if code != 200 || !strings.Contains(body, `"mine"`) || strings.Contains(body, `"theirs"`) {
			t.Errorf("$isCurrentUser list: %d %s", code, body)
		}
	})
}

func TestIsVarAndIsNotCurrentUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		for _, n := range []*note{{Body: "a", Audit: users.Audit{CreatedByID: ptr(int64(1))}}, {Body: "b", Audit: users.Audit{CreatedByID: ptr(int64(2))}}} {
			if _, err := db.NewInsert().Model(n).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		r := filterop.NewRegistry()
		if err := users.RegisterOperators(r); err != nil {
			t.Fatal(err)
		}
		s, err := filterop.SchemaFor(db, (*note)(nil))
		if err != nil {
			t.Fatal(err)
		}
		vars := filterop.Variables(func(path string) (any, bool) {
			v, ok := map[string]any{"ctx.state.currentUser.id": int64(2)}[path]
			return v, ok
		})
		qctx := filterop.WithVariables(users.WithCurrentUser(ctx, 1), vars)
		bodies := func(filter string) (string, error) {
			var got []*note
			q, err := filterop.ApplyWith(r, qctx, db.NewSelect().Model(&got).Order("id"), s, filter)
			if err != nil {
				return "", err
			}
			if err := q.Scan(qctx); err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range got {
				out = append(out, n.Body)
			}
			return strings.Join(out, ","), nil
		}
		for filter, want := range map[string]string{
			`{"createdById":{"$isCurrentUser":true}}`:     "a",
			`{"createdById":{"$isNotCurrentUser":true}}`:  "b",
			`{"createdById":{"$isVar":"currentUser.id"}}`: "b",
		} {
			if got, err := bodies(filter); err != nil || got != want {
				t.Errorf("%s = %q, %v; want %q", filter, got, err, want)
			}
		}
		for _, bad := range []string{`{"createdById":{"$isVar":"{{ctx.state.currentUser.id}}"}}`, `{"createdById":{"$isVar":"currentUser.id; DROP"}}`, `{"createdById":{"$isVar":1}}`} {
			if _, err := bodies(bad); err == nil {
				t.Errorf("%s accepted", bad)
			}
		}
	})
}

// TestLegacyHashesSurviveSaves loads a user whose password is in NocoBase's
// scrypt format and saves it whole: the hash must stay as it is.
func TestLegacyHashesSurviveSaves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		const legacy = "0123456789abcdef" + "000000000000000000000000000000000000000000000000"
		if _, err := db.NewInsert().Model(&users.User{Nickname: "old", Email: "old@x"}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewUpdate().Table("users").Set("password = ?", legacy).Where("email = 'old@x'").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		var u users.User
		if err := db.NewSelect().Model(&u).Where("email = 'old@x'").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		u.Nickname = "renamed"
		if _, err := db.NewUpdate().Model(&u).WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		var after users.User
		if err := db.NewSelect().Model(&after).Where("email = 'old@x'").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if after.Password != legacy || after.Nickname != "renamed" || after.PasswordChangeTz != 0 {
			t.Errorf("after a whole-struct save: password %q, nickname %q, passwordChangeTz %d", after.Password, after.Nickname, after.PasswordChangeTz)
		}
	})
}

func TestCheckPasswordUpgradesOldHashes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		// SHA-256 of "secret", the reporting platform's format.
		const sha = "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"
		if _, err := db.NewInsert().Model(&users.User{Nickname: "legacy", Email: "l@x"}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewUpdate().Table("users").Set("password = ?", sha).Where("email = 'l@x'").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		var u users.User
		if err := db.NewSelect().Model(&u).Where("email = 'l@x'").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, err := users.CheckPassword(ctx, db, &u, "wrong"); ok || err != nil {
			t.Fatalf("wrong password: %v %v", ok, err)
		}
		if ok, err := users.CheckPassword(ctx, db, &u, "secret"); !ok || err != nil {
			t.Fatalf("right password: %v %v", ok, err)
		}
		var after users.User
		if err := db.NewSelect().Model(&after).Where("email = 'l@x'").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if !users.IsPasswordHash(after.Password) || after.PasswordChangeTz != 0 {
			t.Errorf("after sign-in: %q, passwordChangeTz %d", after.Password, after.PasswordChangeTz)
		}
		if ok, _ := users.CheckPassword(ctx, db, &after, "secret"); !ok {
			t.Error("the upgraded hash does not verify")
		}
	})
}

// indexes.test.ts: audit columns are indexed.
func TestAuditIndexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		query := "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
		if db.Dialect().Name().String() == "pg" {
			query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ?"
		}
		for table, want := range map[string][]string{
			"notes":       {"notes_createdById_idx", "notes_updatedById_idx"},
			"users":       {"users_createdById_idx", "users_updatedById_idx", "users_mainDepartmentId_idx"},
			"departments": {"departments_createdById_idx", "departments_updatedById_idx", "departments_parentId_idx"},
		} {
			var names []string
			if err := db.NewRaw(query, table).Scan(ctx, &names); err != nil {
				t.Fatal(err)
			}
			for _, w := range want {
				found := false
				for _, n := range names {
					found = found || n == w
				}
				if !found {
					t.Errorf("%s: no index %s among %v", table, w, names)
				}
			}
		}
	})
}
