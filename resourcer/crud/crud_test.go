package crud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
)

type user struct {
	bun.BaseModel `bun:"table:users,alias:u"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Nickname      string `bun:"nickname,notnull" json:"nickname"`
	Email         string `bun:"email,unique,nullzero" json:"email"`
}

type post struct {
	bun.BaseModel `bun:"table:posts,alias:p"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Title         string `bun:"title" json:"title"`
	Body          string `bun:"body" json:"body"`
	Status        string `bun:"status,default:'draft'" json:"status"`
	Views         int    `bun:"views" json:"views"`
	CreatedByID   int64  `bun:"created_by_id" json:"createdById"`
	CreatedBy     *user  `bun:"rel:belongs-to,join:created_by_id=id" json:"createdBy"`
}

// api wires what a host does: resourcer + crud on db, the ACL middleware in
// between, and the user and role from request headers.
func api(t *testing.T, db *bun.DB) (http.Handler, *acl.ACL) {
	t.Helper()
	ctx := context.Background()
	for _, m := range []any{(*user)(nil), (*post)(nil)} {
		if _, err := db.NewCreateTable().Model(m).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	users := []*user{{Nickname: "root", Email: "root@x"}, {Nickname: "ann", Email: "ann@x"}, {Nickname: "bob"}}
	posts := []*post{
		{Title: "ann one", Body: "b1", Status: "draft", Views: 3, CreatedByID: 2},
		{Title: "ann two", Body: "b2", Status: "published", Views: 9, CreatedByID: 2},
		{Title: "bob's", Body: "b3", Status: "published", Views: 1, CreatedByID: 3},
	}
	for _, rows := range []any{&users, &posts} {
		if _, err := db.NewInsert().Model(rows).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}

	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"list", "get", "count"}})
	a.SetAvailableAction("create", acl.ActionOptions{})
	a.SetAvailableAction("update", acl.ActionOptions{})
	a.SetAvailableAction("destroy", acl.ActionOptions{})
	a.AddFixedParams("users", "destroy", func() acl.Params { return acl.Params{"filter": acl.Params{"id.$ne": 1}} })
	if _, err := a.Define(acl.RoleOptions{Name: "root"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Define(acl.RoleOptions{Name: "member", Actions: map[string]acl.Params{
		"posts:view":    {"own": true, "fields": []string{"id", "title", "createdById"}},
		"posts:update":  {"own": true},
		"posts:destroy": {"own": true},
		"posts:create":  {"fields": []string{"title", "body"}},
		"users:destroy": {},
		"users:view":    {},
	}}); err != nil {
		t.Fatal(err)
	}

	rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
	// The resourcer tells the ACL which action a request runs and takes
	// the narrowed params back; neither package imports the other.
	if err := rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: rs}), resourcer.UseOptions{Tag: "acl"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []any{(*user)(nil), (*post)(nil)} {
		if _, err := crud.Define(rs, crud.Options{DB: db, Model: m, Logger: slog.New(slog.DiscardHandler)}); err != nil {
			t.Fatal(err)
		}
	}
	var id int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Sscan(r.Header.Get("X-User"), &id)
		ctx := acl.WithUser(acl.WithRole(r.Context(), r.Header.Get("X-Role")), id)
		rs.ServeHTTP(w, r.WithContext(ctx))
	}), a
}

type reply struct {
	Code   int
	Data   any
	Meta   map[string]any
	Errors []struct{ Message string }
}

func call(t *testing.T, h http.Handler, role string, user int, method, target, body string) reply {
	t.Helper()
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	req.Header.Set("X-Role", role)
	req.Header.Set("X-User", fmt.Sprint(user))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var out reply
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %q: %v", method, target, w.Body, err)
	}
	out.Code = w.Code
	return out
}

func asJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func wantJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w, g any
	json.Unmarshal([]byte(want), &w)
	json.Unmarshal([]byte(asJSON(got)), &g)
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

func wantCode(t *testing.T, what string, r reply, code int, message string) {
	t.Helper()
	if r.Code != code {
		t.Errorf("%s: status %d, want %d (%+v)", what, r.Code, code, r)
		return
	}
	if message != "" && (len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, message)) {
		t.Errorf("%s: errors %+v, want a message with %q", what, r.Errors, message)
	}
}

// TestACLScopesRowsAndFields proves, over HTTP on both databases, that the
// ACL's params bind the SQL: own rows only, trimmed fields, whitelisted
// values, and fixed params that protect user 1.
func TestACLScopesRowsAndFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h, _ := api(t, db)
		const ann = 2

		r := call(t, h, "member", ann, "GET", "/api/posts", "")
		wantCode(t, "list own", r, 200, "")
		wantJSON(t, "list own", r.Data, `[{"id":1,"title":"ann one","createdById":2},{"id":2,"title":"ann two","createdById":2}]`)
		wantJSON(t, "list meta", r.Meta, `{"count":2,"page":1,"pageSize":20,"totalPage":1}`)

		r = call(t, h, "member", ann, "GET", `/api/posts?filter={"title":"ann%20two"}&fields=title,body`, "")
		wantJSON(t, "fields are intersected", r.Data, `[{"title":"ann two"}]`)
		wantCode(t, "a filter on a field the role may not read", call(t, h, "member", ann, "GET", `/api/posts?filter={"status":"published"}`, ""), 400, "posts has no field status")

		wantCode(t, "get another's", call(t, h, "member", ann, "GET", "/api/posts/3", ""), 404, "not found")
		wantCode(t, "update another's", call(t, h, "member", ann, "PUT", "/api/posts/3", `{"title":"mine now"}`), 404, "")
		wantCode(t, "destroy another's", call(t, h, "member", ann, "DELETE", "/api/posts/3", ""), 404, "")
		r = call(t, h, "member", ann, "POST", "/api/posts:update?filter="+`{"title":{"$ne":""}}`, `{"views":100}`)
		wantCode(t, "update by filter", r, 200, "")
		wantJSON(t, "update by filter touches own rows only, answered with what the role may read", r.Data, `[{"id":1,"title":"ann one","createdById":2},{"id":2,"title":"ann two","createdById":2}]`)
		var views []int
		if err := db.NewSelect().Model((*post)(nil)).Column("views").Order("id").Scan(context.Background(), &views); err != nil || !cmp.Equal(views, []int{100, 100, 1}) {
			t.Errorf("views after the update: %v (%v), want [100 100 1]", views, err)
		}

		r = call(t, h, "member", ann, "PUT", "/api/posts/1", `{"title":"edited"}`)
		wantCode(t, "update own", r, 200, "")
		wantJSON(t, "update own", r.Data, `{"id":1,"title":"edited","createdById":2}`)
		wantCode(t, "destroy own", call(t, h, "member", ann, "DELETE", "/api/posts/2", ""), 200, "")

		r = call(t, h, "member", ann, "POST", "/api/posts", `{"title":"new","body":"text","status":"published","createdById":3,"views":7}`)
		wantCode(t, "create", r, 200, "")
		wantJSON(t, "create whitelist drops other values", r.Data, `{"id":4,"title":"new","createdById":0}`)
		var created post
		if err := db.NewSelect().Model(&created).Where("id = 4").Scan(context.Background()); err != nil || created.Body != "text" || created.Status != "draft" || created.Views != 0 || created.CreatedByID != 0 {
			t.Errorf("created row %+v (%v): want body text, status draft, views 0, createdById 0", created, err)
		}

		wantCode(t, "fixed params protect user 1", call(t, h, "member", ann, "DELETE", "/api/users/1", ""), 404, "")
		wantCode(t, "other users may go", call(t, h, "member", ann, "DELETE", "/api/users/3", ""), 200, "")
		wantCode(t, "no grant", call(t, h, "member", ann, "POST", "/api/users", `{"nickname":"x"}`), 403, "No permissions")

		r = call(t, h, "root", 1, "GET", "/api/posts?sort=-id&appends=createdBy&fields=id,title", "")
		wantJSON(t, "root sees all", r.Data, `[{"id":4,"title":"new","createdBy":null},{"id":3,"title":"bob's","createdBy":null},{"id":1,"title":"edited","createdBy":{"id":2,"nickname":"ann","email":"ann@x"}}]`)
		var left int
		if err := db.NewSelect().Model((*user)(nil)).ColumnExpr("count(*)").Scan(context.Background(), &left); err != nil || left != 2 {
			t.Errorf("users left: %d (%v)", left, err)
		}
	})
}

func TestActionsAndErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h, _ := api(t, db)
		root := func(method, target, body string) reply { return call(t, h, "root", 1, method, target, body) }

		r := root("GET", "/api/posts?pageSize=2&page=2&sort=views", "")
		wantJSON(t, "page 2", r.Data, `[{"id":2,"title":"ann two","body":"b2","status":"published","views":9,"createdById":2}]`)
		wantJSON(t, "page 2 meta", r.Meta, `{"count":3,"page":2,"pageSize":2,"totalPage":2}`)
		r = root("GET", "/api/posts?paginate=false&except=body,status,views&filter="+`{"title":{"$includes":"ANN"}}`, "")
		if r.Meta != nil {
			t.Errorf("paginate=false has meta %v", r.Meta)
		}
		wantJSON(t, "unpaginated", r.Data, `[{"id":1,"title":"ann one","createdById":2},{"id":2,"title":"ann two","createdById":2}]`)
		wantJSON(t, "count", root("GET", `/api/posts:count?filter={"createdById":2}`, "").Data, `2`)
		wantJSON(t, "get with filter", root("GET", `/api/posts/2?fields=id&filter={"status":"published"}`, "").Data, `{"id":2}`)

		r = root("POST", "/api/posts:firstOrCreate?filterKeys=title", `{"title":"ann one","views":50}`)
		wantJSON(t, "firstOrCreate finds", r.Data, `{"id":1,"title":"ann one","body":"b1","status":"draft","views":3,"createdById":2}`)
		r = root("POST", "/api/posts:updateOrCreate?filterKeys[]=title", `{"title":"ann one","views":50}`)
		wantJSON(t, "updateOrCreate updates", r.Data, `{"id":1,"title":"ann one","body":"b1","status":"draft","views":50,"createdById":2}`)
		r = root("POST", "/api/posts:updateOrCreate?filterKeys=title", `{"title":"fresh","views":1}`)
		wantJSON(t, "updateOrCreate creates", r.Data, `{"id":4,"title":"fresh","body":"","status":"draft","views":1,"createdById":0}`)

		wantCode(t, "unknown field", root("POST", "/api/posts", `{"nope":1}`), 400, "values.nope: posts has no field nope")
		wantCode(t, "wrong type", root("POST", "/api/posts", `{"views":"many"}`), 400, "values.views: want a whole number")
		wantCode(t, "association write", root("POST", "/api/posts", `{"createdBy":{"id":1}}`), 400, "associations cannot be written")
		wantCode(t, "unique", root("POST", "/api/users", `{"nickname":"dup","email":"ann@x"}`), 409, "email")
		wantCode(t, "not null", root("POST", "/api/users", `{"nickname":null}`), 400, "nickname")
		wantCode(t, "unknown sort", root("GET", "/api/posts?sort=-nope", ""), 400, "sort: posts has no field nope")
		wantCode(t, "unknown appends", root("GET", "/api/posts?appends=nope", ""), 400, "appends")
		wantCode(t, "bad filter", root("GET", `/api/posts?filter={"nope":1}`, ""), 400, "nope")
		wantCode(t, "bad page", root("GET", "/api/posts?page=0", ""), 400, "page")
		wantCode(t, "update without scope", root("POST", "/api/posts:update", `{"title":"all"}`), 400, "needs filterByTk or a filter")
		wantCode(t, "pk change", root("PUT", "/api/posts/1", `{"id":9}`), 400, "primary key")
		wantCode(t, "get missing", root("GET", "/api/posts/99", ""), 404, "")
		wantJSON(t, "destroy list", root("DELETE", "/api/posts/2,3", "").Data, `2`)
	})
}

func TestNewValidates(t *testing.T) {
	db := dbtest.SQLite(t)
	if _, err := crud.New(crud.Options{DB: db}); err == nil {
		t.Error("New without a model accepted")
	}
	r, err := crud.New(crud.Options{DB: db, Model: (*post)(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Name() != "posts" {
		t.Errorf("Name() = %q", r.Name())
	}
	if _, ok := r.Schema().Field("createdById"); !ok {
		t.Error("Schema() lacks createdById")
	}
	named, err := crud.New(crud.Options{DB: db, Model: (*post)(nil), Name: "articles"})
	if err != nil || named.Name() != "articles" {
		t.Errorf("Name option: %v %v", named, err)
	}
}
