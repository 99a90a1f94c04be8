package crud_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
)

// The read-scope fixture: a users-like model with a hidden password and
// email/phone columns a member may not read, roles (many-to-many), and
// posts with an author (belongs-to), comments (has-many, each with its
// own author) and tags (many-to-many).
type scopeUser struct {
	bun.BaseModel `bun:"table:users,alias:u"`
	ID            int64        `bun:"id,pk,autoincrement" json:"id"`
	Nickname      string       `bun:"nickname" json:"nickname"`
	Email         string       `bun:"email,nullzero" json:"email"`
	Phone         string       `bun:"phone,nullzero" json:"phone"`
	Password      string       `bun:"password,nullzero" json:"-" gatehouse:"hidden"`
	Roles         []*scopeRole `bun:"m2m:rolesUsers,join:User=Role" json:"roles"`
}

type scopeRole struct {
	bun.BaseModel `bun:"table:roles,alias:r"`
	Name          string `bun:"name,pk" json:"name"`
	Title         string `bun:"title" json:"title"`
}

type scopeRoleUser struct {
	bun.BaseModel `bun:"table:rolesUsers,alias:ru"`
	RoleName      string     `bun:"roleName,pk"`
	Role          *scopeRole `bun:"rel:belongs-to,join:roleName=name"`
	UserID        int64      `bun:"userId,pk"`
	User          *scopeUser `bun:"rel:belongs-to,join:userId=id"`
}

type scopePost struct {
	bun.BaseModel `bun:"table:posts,alias:p"`
	ID            int64           `bun:"id,pk,autoincrement" json:"id"`
	Title         string          `bun:"title" json:"title"`
	Secret        string          `bun:"secret" json:"secret"`
	AuthorID      int64           `bun:"authorId" json:"authorId"`
	Author        *scopeUser      `bun:"rel:belongs-to,join:authorId=id" json:"author"`
	Comments      []*scopeComment `bun:"rel:has-many,join:id=postId" json:"comments"`
	Tags          []*scopeTag     `bun:"m2m:postsTags,join:Post=Tag" json:"tags"`
}

type scopeComment struct {
	bun.BaseModel `bun:"table:comments,alias:c"`
	ID            int64      `bun:"id,pk,autoincrement" json:"id"`
	PostID        int64      `bun:"postId" json:"postId"`
	Body          string     `bun:"body" json:"body"`
	AuthorID      int64      `bun:"authorId" json:"authorId"`
	Author        *scopeUser `bun:"rel:belongs-to,join:authorId=id" json:"author"`
}

type scopeTag struct {
	bun.BaseModel `bun:"table:tags,alias:t"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Name          string `bun:"name" json:"name"`
}

type scopePostTag struct {
	bun.BaseModel `bun:"table:postsTags,alias:pt"`
	PostID        int64      `bun:"postId,pk"`
	Post          *scopePost `bun:"rel:belongs-to,join:postId=id"`
	TagID         int64      `bun:"tagId,pk"`
	Tag           *scopeTag  `bun:"rel:belongs-to,join:tagId=id"`
}

// scopeGrant stands in for the ACL middleware: what the request may read
// per collection, and params the ACL would merge in.
type scopeGrant struct {
	fields map[string][]string // collection -> readable fields; absent: none
	all    map[string]bool     // collections readable whole
	// filter is the ACL's own filter, ANDed with the request's.
	filter map[string]any
	// params replace merged params outright (an ACL's narrowed fields).
	params map[string]any
}

func (g *scopeGrant) readable(collection string) ([]string, bool) {
	return g.fields[collection], g.all[collection]
}

type scopeGrantKey struct{}

// member is the usual grant: users' id and nickname (not email, phone or
// roles), posts without their secret, comments' id, body and author, and
// nothing of tags or roles.
func member() *scopeGrant {
	return &scopeGrant{fields: map[string][]string{
		"users":    {"id", "nickname"},
		"posts":    {"id", "title", "authorId", "author", "comments", "tags"},
		"comments": {"id", "body", "author"},
	}}
}

// scopeAPI serves the fixture through a resourcer with a middleware that
// does what the ACL middleware does: it sets Readable, and merges the
// grant's filter and params into the request's.
func scopeAPI(t testing.TB, db *bun.DB, opts crud.Options) http.Handler {
	t.Helper()
	ctx := context.Background()
	db.RegisterModel((*scopeRoleUser)(nil), (*scopePostTag)(nil))
	models := []any{(*scopeUser)(nil), (*scopeRole)(nil), (*scopeRoleUser)(nil), (*scopePost)(nil), (*scopeComment)(nil), (*scopeTag)(nil), (*scopePostTag)(nil)}
	for _, m := range models {
		if _, err := db.NewCreateTable().Model(m).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	seed := []any{
		&[]*scopeUser{
			{Nickname: "root", Email: "root@secret.example", Phone: "111", Password: "pw-root"},
			{Nickname: "ann", Email: "ann@secret.example", Phone: "222", Password: "pw-ann"},
			{Nickname: "bob", Email: "bob@secret.example", Phone: "333", Password: "pw-bob"},
		},
		&[]*scopeRole{{Name: "root", Title: "Root"}, {Name: "member", Title: "Member"}},
		&[]*scopeRoleUser{{RoleName: "root", UserID: 1}, {RoleName: "member", UserID: 2}, {RoleName: "member", UserID: 3}},
		&[]*scopePost{
			{Title: "ann one", Secret: "s1", AuthorID: 2},
			{Title: "bob one", Secret: "s2", AuthorID: 3},
			{Title: "root one", Secret: "s3", AuthorID: 1},
		},
		&[]*scopeComment{{PostID: 1, Body: "nice", AuthorID: 3}, {PostID: 1, Body: "thanks", AuthorID: 2}, {PostID: 2, Body: "hm", AuthorID: 1}},
		&[]*scopeTag{{Name: "go"}, {Name: "sql"}},
		&[]*scopePostTag{{PostID: 1, TagID: 1}, {PostID: 1, TagID: 2}, {PostID: 2, TagID: 2}},
	}
	for _, rows := range seed {
		if _, err := db.NewInsert().Model(rows).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
	err := rs.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if g, ok := r.Context().Value(scopeGrantKey{}).(*scopeGrant); ok {
				rs.SetRequestReadable(r, g.readable)
				rs.SetRequestParams(r, g.merge(r))
			}
			next.ServeHTTP(w, r)
		})
	}, resourcer.UseOptions{Tag: "acl"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []any{(*scopeUser)(nil), (*scopePost)(nil)} {
		o := opts
		o.DB, o.Model, o.Logger = db, m, slog.New(slog.DiscardHandler)
		if _, err := crud.Define(rs, o); err != nil {
			t.Fatal(err)
		}
	}
	return rs
}

func (g *scopeGrant) merge(r *http.Request) map[string]any {
	ac, _ := resourcer.ActionFrom(r.Context())
	params := map[string]any{}
	for k, v := range ac.Params {
		params[k] = v
	}
	if g.filter != nil {
		if f, ok := params["filter"]; ok {
			params["filter"] = map[string]any{"$and": []any{f, g.filter}}
		} else {
			params["filter"] = g.filter
		}
	}
	for k, v := range g.params {
		params[k] = v
	}
	return params
}

type scopeReply struct {
	Code   int
	Data   json.RawMessage
	Meta   map[string]any
	Errors []struct{ Message string }
}

func scopeCall(t *testing.T, h http.Handler, g *scopeGrant, target string) scopeReply {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	if g != nil {
		req = req.WithContext(context.WithValue(req.Context(), scopeGrantKey{}, g))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var out scopeReply
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("GET %s: %q: %v", target, w.Body, err)
	}
	out.Code = w.Code
	return out
}

// q escapes a query value, so that JSON filters read as the client sent them.
func q(s string) string { return url.QueryEscape(s) }

// readCase is one request: with a 200, data is the whole response data; with
// another status, msg is the whole first error message.
type readCase struct {
	name   string
	grant  *scopeGrant
	target string
	code   int
	msg    string
	data   string
}

func runReadCases(t *testing.T, h http.Handler, cases []readCase) {
	t.Helper()
	for _, c := range cases {
		r := scopeCall(t, h, c.grant, c.target)
		if r.Code != c.code {
			t.Errorf("%s: GET %s: status %d, want %d (%s %+v)", c.name, c.target, r.Code, c.code, r.Data, r.Errors)
			continue
		}
		if c.code != http.StatusOK {
			if len(r.Errors) == 0 || r.Errors[0].Message != c.msg {
				t.Errorf("%s: errors %+v, want %q", c.name, r.Errors, c.msg)
			}
			continue
		}
		var want, got any
		if err := json.Unmarshal([]byte(c.data), &want); err != nil {
			t.Fatalf("%s: bad want: %v", c.name, err)
		}
		if err := json.Unmarshal(r.Data, &got); err != nil {
			t.Fatalf("%s: bad data: %v", c.name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: GET %s (-want +got):\n%s", c.name, c.target, diff)
		}
	}
}

// TestReadFilterScope is issue #9 class 3: a filter or sort on a column
// the role may not read is an oracle (a $startsWith per prefix extracts an
// email), so it answers the 400 an unknown field gets, on the main
// resource and along association paths alike; the ACL's own filter still
// applies whatever it names.
func TestReadFilterScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h := scopeAPI(t, db, crud.Options{})
		withRoles := member()
		withRoles.fields["users"] = append(withRoles.fields["users"], "roles")
		withRoles.all = map[string]bool{"roles": true}
		aclFilter := member()
		aclFilter.filter = map[string]any{"phone": "222"}
		runReadCases(t, h, []readCase{
			{"email prefix", member(), "/api/users?filter=" + q(`{"email":{"$startsWith":"ann@s"}}`), 400, "filter: email: users has no field email", ""},
			{"email prefix, dotted operator", member(), "/api/users?filter=" + q(`{"email.$startsWith":"ann@s"}`), 400, "filter: email.$startsWith: users has no field email", ""},
			{"phone inside $or", member(), "/api/users?filter=" + q(`{"$or":[{"nickname":"x"},{"phone":"222"}]}`), 400, "filter: $or.1.phone: users has no field phone", ""},
			{"phone inside $not", member(), "/api/users?filter=" + q(`{"$not":{"phone":{"$ne":"222"}}}`), 400, "filter: $not.phone: users has no field phone", ""},
			{"column name of a readable field", member(), "/api/users?filter=" + q(`{"nickname":"ann"}`), 200, "", `[{"id":2,"nickname":"ann"}]`},
			{"hidden field with every field readable", &scopeGrant{all: map[string]bool{"users": true}}, "/api/users?filter=" + q(`{"password":{"$notEmpty":true}}`), 400, "filter: password: users has no field password", ""},
			{"unreadable association path", member(), "/api/users?filter=" + q(`{"roles.name":"root"}`), 400, "filter: roles.name: roles is not an association of users", ""},
			{"unreadable association object", member(), "/api/users?filter=" + q(`{"roles":{"name":"root"}}`), 400, "filter: roles: users has no field roles", ""},
			{"readable association path", withRoles, "/api/users?filter=" + q(`{"roles.name":"root"}`), 200, "", `[{"id":1,"nickname":"root"}]`},
			{"belongs-to path to an unreadable field", member(), "/api/posts?filter=" + q(`{"author.email":{"$startsWith":"bob"}}`), 400, "filter: author.email: users has no field email", ""},
			{"two-hop path to an unreadable field", member(), "/api/posts?filter=" + q(`{"comments.author.email":{"$startsWith":"bob"}}`), 400, "filter: comments.author.email: users has no field email", ""},
			{"two-hop path to a readable field", member(), "/api/posts?fields=id,title&filter=" + q(`{"comments.author.nickname":"bob"}`), 200, "", `[{"id":1,"title":"ann one"}]`},
			{"path through an unreadable collection", member(), "/api/posts?filter=" + q(`{"tags.name":"go"}`), 400, "filter: tags.name: tags has no field name", ""},
			{"unreadable field of the resource", member(), "/api/posts?filter=" + q(`{"secret":"s1"}`), 400, "filter: secret: posts has no field secret", ""},
			{"sort on an unreadable field", member(), "/api/users?sort=email", 400, "sort: users has no field email", ""},
			{"descending sort on an unreadable field", member(), "/api/users?sort=-phone", 400, "sort: users has no field phone", ""},
			{"sort on a readable field", member(), "/api/users?sort=-nickname", 200, "", `[{"id":1,"nickname":"root"},{"id":3,"nickname":"bob"},{"id":2,"nickname":"ann"}]`},
			{"get: filter checked", member(), "/api/users/2?filter=" + q(`{"email":{"$startsWith":"a"}}`), 400, "filter: email: users has no field email", ""},
			{"get: sort checked", member(), "/api/users/2?sort=email", 400, "sort: users has no field email", ""},
			{"count: filter checked", member(), "/api/users:count?filter=" + q(`{"email":{"$startsWith":"a"}}`), 400, "filter: email: users has no field email", ""},
			{"count: readable filter", member(), "/api/users:count?filter=" + q(`{"nickname":{"$ne":"root"}}`), 200, "", `2`},
			{"ACL filter may name unreadable fields", aclFilter, "/api/users", 200, "", `[{"id":2,"nickname":"ann"}]`},
			{"ACL filter with a request filter", aclFilter, "/api/users:count?filter=" + q(`{"id":{"$gt":0}}`), 200, "", `1`},
			{"no permission layer reads every field", nil, "/api/users?fields=id&filter=" + q(`{"email":{"$startsWith":"ann@s"}}`), 200, "", `[{"id":2}]`},
			{"no permission layer still hides hidden fields", nil, "/api/users?filter=" + q(`{"password":"pw-ann"}`), 400, "filter: password: users has no field password", ""},
		})
	})
}

// TestReadUnreadableLooksUnknown checks that every answer about a field the
// role may not read is word for word the answer about a field that does
// not exist, so that existence does not leak either.
func TestReadUnreadableLooksUnknown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h := scopeAPI(t, db, crud.Options{})
		for _, tmpl := range []string{
			"/api/users?filter=" + q(`{"NAME":{"$startsWith":"a"}}`),
			"/api/users?filter=" + q(`{"NAME.$eq":"a"}`),
			"/api/users?filter=" + q(`{"$and":[{"NAME":"a"}]}`),
			"/api/posts?filter=" + q(`{"author.NAME":"a"}`),
			"/api/posts?filter=" + q(`{"comments.author.NAME":"a"}`),
			"/api/users?sort=-NAME",
			"/api/users?fields=id,NAME",
			"/api/users?except=NAME",
			"/api/users:count?filter=" + q(`{"NAME":"a"}`),
		} {
			for _, hidden := range []string{"email", "phone", "password"} {
				unknown := scopeCall(t, h, member(), strings.ReplaceAll(tmpl, "NAME", "nosuch"+hidden))
				secret := scopeCall(t, h, member(), strings.ReplaceAll(tmpl, "NAME", hidden))
				if unknown.Code != 400 || secret.Code != 400 || len(unknown.Errors) == 0 || len(secret.Errors) == 0 {
					t.Errorf("%s with %s: status %d and %d, want 400 (%+v %+v)", tmpl, hidden, unknown.Code, secret.Code, unknown.Errors, secret.Errors)
					continue
				}
				if got, want := secret.Errors[0].Message, strings.ReplaceAll(unknown.Errors[0].Message, "nosuch"+hidden, hidden); got != want {
					t.Errorf("%s: unreadable %s answers %q, an unknown field %q", tmpl, hidden, got, want)
				}
			}
		}
		for _, tmpl := range []string{"/api/users?filter=" + q(`{"NAME.name":"root"}`), "/api/users?appends=NAME", "/api/users?fields=id,NAME", "/api/users?filter=" + q(`{"NAME":{"name":"root"}}`), "/api/posts?filter=" + q(`{"comments":{"author":{"NAME":{"name":"root"}}}}`)} {
			unknown := scopeCall(t, h, member(), strings.ReplaceAll(tmpl, "NAME", "nosuch"))
			secret := scopeCall(t, h, member(), strings.ReplaceAll(tmpl, "NAME", "roles"))
			if secret.Code != 400 || len(secret.Errors) == 0 || len(unknown.Errors) == 0 {
				t.Errorf("%s: status %d, want 400 (%+v)", tmpl, secret.Code, secret.Errors)
				continue
			}
			if got, want := secret.Errors[0].Message, strings.ReplaceAll(unknown.Errors[0].Message, "nosuch", "roles"); got != want {
				t.Errorf("%s: unreadable roles answers %q, an unknown association %q", tmpl, got, want)
			}
		}
	})
}

// TestReadAppendsScope is issue #9 class 2 and the column side of class 1:
// appends load only associations the role may read, appended records keep
// only what the role may read of their collection (the key alone when
// nothing), hidden fields never show, and main records keep only readable
// keys even when no fields param narrowed them.
func TestReadAppendsScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h := scopeAPI(t, db, crud.Options{})
		everything := &scopeGrant{all: map[string]bool{"users": true, "posts": true, "comments": true, "tags": true, "roles": true}}
		runReadCases(t, h, []readCase{
			{"appends an unreadable association", member(), "/api/users?appends=roles", 400, "appends: users has no association roles", ""},
			{"fields names an unreadable association", member(), "/api/users?fields=id,roles", 400, "fields: users has no field roles", ""},
			{"belongs-to trimmed to the target's grant", member(), "/api/posts?fields=id&appends=author&filter=" + q(`{"id":1}`), 200, "", `[{"id":1,"author":{"id":2,"nickname":"ann"}}]`},
			{"association through fields is trimmed too", member(), "/api/posts?fields=id,author&filter=" + q(`{"id":2}`), 200, "", `[{"id":2,"author":{"id":3,"nickname":"bob"}}]`},
			{"has-many trimmed", member(), "/api/posts?fields=id&appends=comments&filter=" + q(`{"id":1}`), 200, "", `[{"id":1,"comments":[{"id":1,"body":"nice"},{"id":2,"body":"thanks"}]}]`},
			{"unreadable target shows its key only", member(), "/api/posts?fields=id&appends=tags&filter=" + q(`{"id":1}`), 200, "", `[{"id":1,"tags":[{"id":1},{"id":2}]}]`},
			{"main records keep readable keys without fields", member(), "/api/posts?appends=author&filter=" + q(`{"id":2}`), 200, "", `[{"id":2,"title":"bob one","authorId":3,"author":{"id":3,"nickname":"bob"}}]`},
			{"main records with except", member(), "/api/users?except=nickname&filter=" + q(`{"id":3}`), 200, "", `[{"id":3}]`},
			{"get keeps readable keys", member(), "/api/users/2", 200, "", `{"id":2,"nickname":"ann"}`},
			{"full read never shows hidden", everything, "/api/users/2?appends=roles", 200, "", `{"id":2,"nickname":"ann","email":"ann@secret.example","phone":"222","roles":[{"name":"member","title":"Member"}]}`},
			{"full read of an appended user never shows hidden", everything, "/api/posts?fields=id,author&filter=" + q(`{"id":1}`), 200, "", `[{"id":1,"author":{"id":2,"nickname":"ann","email":"ann@secret.example","phone":"222"}}]`},
			{"a natural key is data: an unreadable role shows nothing", &scopeGrant{fields: map[string][]string{"users": {"id", "roles"}}}, "/api/users/2?appends=roles", 200, "", `{"id":2,"roles":[{}]}`},
			{"nor may it be filtered on", &scopeGrant{fields: map[string][]string{"users": {"id", "roles"}}}, "/api/users?filter=" + q(`{"roles.name":"root"}`), 400, "filter: roles.name: roles has no field name", ""},
			{"every field but only the listed associations (*)", &scopeGrant{fields: map[string][]string{"posts": {"*", "author"}, "users": {"id"}}}, "/api/posts?appends=author&filter=" + q(`{"id":1}`), 200, "", `[{"id":1,"title":"ann one","secret":"s1","authorId":2,"author":{"id":2}}]`},
			{"* does not open other associations to appends", &scopeGrant{fields: map[string][]string{"posts": {"*", "author"}}}, "/api/posts?appends=comments", 400, "appends: posts has no association comments", ""},
			{"* does not open other associations to fields", &scopeGrant{fields: map[string][]string{"posts": {"*", "author"}}}, "/api/posts?fields=comments", 400, "fields: posts has no field comments", ""},
			{"no permission layer: all but hidden", nil, "/api/posts?fields=id&appends=author,tags&filter=" + q(`{"id":2}`), 200, "", `[{"id":2,"author":{"id":3,"nickname":"bob","email":"bob@secret.example","phone":"333"},"tags":[{"id":2,"name":"sql"}]}]`},
		})
	})
}

// TestReadFieldsLimits is issue #9 classes 1 and 10: an explicit empty
// fields list never means "every field", repeated names collapse, and
// more names than MaxFields is a 400, not a database's 500.
func TestReadFieldsLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h := scopeAPI(t, db, crud.Options{})
		names := func(n int, name func(i int) string) string {
			l := make([]string, n)
			for i := range l {
				l[i] = name(i)
			}
			return strings.Join(l, ",")
		}
		distinct := func(prefix string) func(int) string {
			return func(i int) string {
				return prefix + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26))
			}
		}
		emptyFields := member()
		emptyFields.params = map[string]any{"fields": []any{}}
		grantFields := member()
		grantFields.params = map[string]any{"fields": []any{"id", "nickname"}}
		runReadCases(t, h, []readCase{
			{"5,000 fields", member(), "/api/users?fields=" + names(5000, distinct("f")), 400, "fields: more than 100 names in fields, appends and except together", ""},
			{"5,000 fields, no permission layer", nil, "/api/users?fields=" + names(5000, distinct("f")), 400, "fields: more than 100 names in fields, appends and except together", ""},
			{"5,000 repeats collapse", member(), "/api/users?filter=" + q(`{"id":2}`) + "&fields=" + names(5000, func(i int) string { return []string{"id", "nickname"}[i%2] }), 200, "", `[{"id":2,"nickname":"ann"}]`},
			{"fields, appends and except count together", nil, "/api/users?fields=" + names(60, distinct("f")) + "&except=" + names(60, distinct("e")), 400, "except: more than 100 names in fields, appends and except together", ""},
			{"5,000 appends", nil, "/api/posts?appends=" + names(5000, distinct("a")), 400, "appends: more than 100 names in fields, appends and except together", ""},
			{"5,000 repeated sorts collapse", nil, "/api/users?fields=id&sort=" + names(5000, func(i int) string { return []string{"-id", "nickname"}[i%2] }), 200, "", `[{"id":3},{"id":2},{"id":1}]`},
			{"explicit empty fields from the ACL", emptyFields, "/api/users", 400, "fields: no field to return", ""},
			{"empty fields names", member(), "/api/users?fields=,", 400, "fields: no field to return", ""},
			{"fields= arrives as an empty list", nil, "/api/users?fields=", 400, "fields: no field to return", ""},
			{"fields= once the grant's fields fill it", grantFields, "/api/users?fields=&filter=" + q(`{"id":3}`), 200, "", `[{"id":3,"nickname":"bob"}]`},
			{"no fields: readable keys", member(), "/api/users?filter=" + q(`{"id":3}`), 200, "", `[{"id":3,"nickname":"bob"}]`},
			{"fields outside the grant", member(), "/api/users?fields=email", 400, "fields: users has no field email", ""},
			{"nosuchfield", member(), "/api/users?fields=nosuchfield", 400, "fields: users has no field nosuchfield", ""},
		})
	})
	t.Run("MaxFields", func(t *testing.T) {
		h := scopeAPI(t, dbtest.SQLite(t), crud.Options{MaxFields: 2})
		runReadCases(t, h, []readCase{
			{"at the limit", nil, "/api/users?fields=id,nickname&filter=" + q(`{"id":1}`), 200, "", `[{"id":1,"nickname":"root"}]`},
			{"over the limit", nil, "/api/users?fields=id,nickname&except=email", 400, "except: more than 2 names in fields, appends and except together", ""},
		})
	})
}

// TestReadPaging is issue #9 class 11: page and pageSize are whole
// numbers given as JSON numbers or strings, and an offset past the cap is
// a 400 naming the param, never a wrap-around to page 1.
func TestReadPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h := scopeAPI(t, db, crud.Options{})
		const positive = " must be a positive whole number"
		runReadCases(t, h, []readCase{
			{"page 2", nil, "/api/users?fields=id&page=2&pageSize=2", 200, "", `[{"id":3}]`},
			{"int64 max", nil, "/api/users?page=9223372036854775807", 400, "page: 9223372036854775807 is too far: (page-1)*pageSize may be at most 2147483647", ""},
			{"past int64", nil, "/api/users?page=9223372036854775808", 400, "page" + positive, ""},
			{"pageSize past int64", nil, "/api/users?pageSize=99999999999999999999", 400, "pageSize" + positive, ""},
			{"offset just past the cap", nil, "/api/users?page=2147483649&pageSize=1", 400, "page: 2147483649 is too far: (page-1)*pageSize may be at most 2147483647", ""},
			{"offset at the cap", nil, "/api/users?page=2147483648&pageSize=1", 200, "", `[]`},
			{"offset past the cap with a clamped pageSize", nil, "/api/users?page=2147485&pageSize=5000", 400, "page: 2147485 is too far: (page-1)*pageSize may be at most 2147483647", ""},
			{"fraction", nil, "/api/users?page=1.5", 400, "page" + positive, ""},
			{"zero", nil, "/api/users?page=0", 400, "page" + positive, ""},
			{"negative pageSize", nil, "/api/users?pageSize=-1", 400, "pageSize" + positive, ""},
			{"infinity", nil, "/api/users?page=1e400", 400, "page" + positive, ""},
			{"NaN", nil, "/api/users?page=NaN", 400, "page" + positive, ""},
			{"exponent that is whole", nil, "/api/users?fields=id&page=2e0&pageSize=2", 200, "", `[{"id":3}]`},
		})
	})
}

// TestReadPagingParamTypes calls list with the value types params hold
// after JSON bodies (float64, json.Number) and host defaults (int).
func TestReadPagingParamTypes(t *testing.T) {
	db := dbtest.SQLite(t)
	scopeAPI(t, db, crud.Options{})
	res, err := crud.New(crud.Options{DB: db, Model: (*scopeUser)(nil)})
	if err != nil {
		t.Fatal(err)
	}
	list := res.Actions()["list"].Handler.(resourcer.HandlerFunc)
	for _, c := range []struct {
		name           string
		page, pageSize any
		wantPage       int
		wantErr        string
	}{
		{"float64", 2.0, 2.0, 2, ""},
		{"json.Number", json.Number("2"), json.Number("2"), 2, ""},
		{"json.Number exponent", json.Number("2e0"), json.Number("2"), 2, ""},
		{"int", 2, 2, 2, ""},
		{"json.Number past int64", json.Number("9223372036854775808"), nil, 0, "page" + " must be a positive whole number"},
		{"json.Number int64 max", json.Number("9223372036854775807"), nil, 0, "page: 9223372036854775807 is too far: (page-1)*pageSize may be at most 2147483647"},
		{"float64 past int64", 1e19, nil, 0, "page must be a positive whole number"},
		{"float64 fraction", nil, 2.5, 0, "pageSize must be a positive whole number"},
		{"bool", true, nil, 0, "page must be a positive whole number"},
	} {
		params := resourcer.Params{"page": c.page, "pageSize": c.pageSize, "fields": "id"}
		ac := &resourcer.ActionContext{Params: params, RequestParams: params}
		out, err := list(httptest.NewRequest("GET", "/api/users", nil), ac)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%s: error %v, want %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		resp := out.(*resourcer.Response)
		if diff := cmp.Diff(map[string]any{"count": int64(3), "page": c.wantPage, "pageSize": 2, "totalPage": int64(2)}, resp.Meta); diff != "" {
			t.Errorf("%s: meta (-want +got):\n%s", c.name, diff)
		}
		if diff := cmp.Diff([]any{map[string]any{"id": int64(3)}}, resp.Data); diff != "" {
			t.Errorf("%s: data (-want +got):\n%s", c.name, diff)
		}
	}
}

// TestReadHandBuiltContext runs list and count with an ActionContext built
// by hand, as a host calling the handlers directly does: Readable applies,
// and without RequestParams the Params' filter and sort are the request's.
func TestReadHandBuiltContext(t *testing.T) {
	db := dbtest.SQLite(t)
	scopeAPI(t, db, crud.Options{})
	res, err := crud.New(crud.Options{DB: db, Model: (*scopeUser)(nil)})
	if err != nil {
		t.Fatal(err)
	}
	handler := func(action string) resourcer.HandlerFunc {
		return res.Actions()[action].Handler.(resourcer.HandlerFunc)
	}
	for _, c := range []struct {
		name, action string
		params       resourcer.Params
		want         any
		wantErr      string
	}{
		{"filter on email", "list", resourcer.Params{"filter": map[string]any{"email": "ann@secret.example"}}, nil, "filter: email: users has no field email"},
		{"sort on phone", "list", resourcer.Params{"sort": []any{"-phone"}}, nil, "sort: users has no field phone"},
		{"count on email", "count", resourcer.Params{"filter": map[string]any{"email.$startsWith": "a"}}, nil, "filter: email.$startsWith: users has no field email"},
		{"readable keys only", "list", resourcer.Params{"filter": map[string]any{"nickname": "bob"}, "paginate": false}, []any{map[string]any{"id": int64(3), "nickname": "bob"}}, ""},
		{"count", "count", resourcer.Params{"filter": map[string]any{"nickname.$ne": "bob"}}, int64(2), ""},
	} {
		ac := &resourcer.ActionContext{Params: c.params, Readable: member().readable}
		out, err := handler(c.action)(httptest.NewRequest("GET", "/", nil), ac)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%s: error %v, want %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if diff := cmp.Diff(c.want, out); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

type sortDoc struct {
	bun.BaseModel `bun:"table:docs,alias:d"`
	ID            int64          `bun:"id,pk,autoincrement" json:"id"`
	Settings      map[string]any `bun:"settings,type:json" json:"settings"`
	Labels        []string       `bun:"labels,array" json:"labels"`
}

// TestReadSortRefusesJSON: PostgreSQL cannot order by a json column (it
// answered 500); both databases answer 400.
func TestReadSortRefusesJSON(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		if _, err := db.NewCreateTable().Model((*sortDoc)(nil)).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
		if _, err := crud.Define(rs, crud.Options{DB: db, Model: (*sortDoc)(nil), Logger: slog.New(slog.DiscardHandler)}); err != nil {
			t.Fatal(err)
		}
		for _, target := range []string{"/api/docs?sort=settings", "/api/docs?sort=-settings", "/api/docs?sort=id,labels"} {
			r := scopeCall(t, rs, nil, target)
			if r.Code != 400 || len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "cannot be sorted by") {
				t.Errorf("%s: status %d %+v, want 400 naming the field", target, r.Code, r.Errors)
			}
		}
		if r := scopeCall(t, rs, nil, "/api/docs?sort=-id"); r.Code != 200 {
			t.Errorf("sort by id: status %d %+v", r.Code, r.Errors)
		}
	})
}
