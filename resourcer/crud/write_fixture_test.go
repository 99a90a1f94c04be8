package crud_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
)

// The write fixture: articles with server-owned audit columns (wStamp,
// filled from the current user the way users.Audit does) and a secret
// column, written through a resourcer whose middleware merges a grant's
// params the way the ACL does.

type wUserKey struct{}

func wUserFrom(ctx context.Context) (int64, bool) {
	id, ok := ctx.Value(wUserKey{}).(int64)
	return id, ok && id > 0
}

// wStamp is an audit embed: createdById/updatedById belong to the server
// when a user is signed in.
type wStamp struct {
	CreatedByID int64  `bun:"createdById" json:"createdById"`
	UpdatedByID int64  `bun:"updatedById" json:"updatedById"`
	CreatedBy   *wUser `bun:"rel:belongs-to,join:createdById=id" json:"createdBy,omitempty"`
}

var (
	_ crud.ServerColumns = (*wStamp)(nil)
	_ crud.HookColumns   = (*wStamp)(nil)
)

func (s *wStamp) ServerColumns(ctx context.Context) []string {
	if _, ok := wUserFrom(ctx); !ok {
		return nil
	}
	return []string{"createdById", "updatedById", "createdBy"}
}

func (s *wStamp) HookColumns(ctx context.Context, insert bool) []string {
	if _, ok := wUserFrom(ctx); !ok {
		return nil
	}
	if insert {
		return []string{"createdById", "updatedById"}
	}
	return []string{"updatedById"}
}

func (s *wStamp) BeforeAppendModel(ctx context.Context, q bun.Query) error {
	id, ok := wUserFrom(ctx)
	if !ok {
		return nil
	}
	switch q.(type) {
	case *bun.InsertQuery:
		s.CreatedByID, s.UpdatedByID = id, id
	case *bun.UpdateQuery:
		s.UpdatedByID = id
	}
	return nil
}

type wUser struct {
	bun.BaseModel `bun:"table:wusers,alias:wu"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Name          string `bun:"name" json:"name"`
}

type wArticle struct {
	bun.BaseModel `bun:"table:articles,alias:a"`
	ID            int64          `bun:"id,pk,autoincrement" json:"id"`
	Title         string         `bun:"title,unique" json:"title"`
	Body          string         `bun:"body" json:"body"`
	Status        string         `bun:"status,notnull,default:'draft'" json:"status"`
	Secret        string         `bun:"secret" json:"secret"`
	Views         int64          `bun:"views" json:"views"`
	Meta          map[string]any `bun:"meta,type:jsonb" json:"meta"`
	wStamp
}

// wGrant is what the ACL would hand crud for one request: params merged
// into the request's (filter ANDed, whitelist and fields intersected,
// blacklist united) and what the request may read.
type wGrant struct {
	params map[string]any
	// readable maps a collection to its readable fields, a nil list
	// meaning all of them; a nil map sets no Readable.
	readable map[string][]string
}

type wGrantKey struct{}

// wMerge merges the grant's params into the request's as the ACL does: a
// request can only narrow.
func wMerge(req, grant map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range req {
		out[k] = v
	}
	for k, g := range grant {
		r, given := out[k]
		switch {
		case !given || r == nil:
			out[k] = g
		case k == "filter":
			out[k] = map[string]any{"$and": []any{r, g}}
		case k == "whitelist" || k == "fields":
			out[k] = wIntersect(wNames(r), wNames(g))
		case k == "blacklist":
			out[k] = wUnion(wNames(r), wNames(g))
		default:
			out[k] = g
		}
	}
	return out
}

func wNames(v any) []any {
	switch x := v.(type) {
	case string:
		var out []any
		for _, s := range strings.Split(x, ",") {
			out = append(out, s)
		}
		return out
	case []any:
		return x
	case []string:
		var out []any
		for _, s := range x {
			out = append(out, s)
		}
		return out
	}
	return nil
}

func wIntersect(a, b []any) []any {
	out := []any{}
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func wUnion(a, b []any) []any {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// wAPI creates the tables, seeds three users and three articles (1 and 2
// by user 2, 3 by user 3) and serves crud for articles.
func wAPI(t testing.TB, db *bun.DB, opts crud.Options) http.Handler {
	t.Helper()
	ctx := context.Background()
	for _, m := range []any{(*wUser)(nil), (*wArticle)(nil)} {
		if _, err := db.NewCreateTable().Model(m).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	users := []*wUser{{Name: "root"}, {Name: "ann"}, {Name: "bob"}}
	articles := []*wArticle{
		{Title: "a1", Body: "b1", Status: "draft", Secret: "s1", Views: 1, wStamp: wStamp{CreatedByID: 2, UpdatedByID: 2}},
		{Title: "a2", Body: "b2", Status: "published", Secret: "s2", Views: 2, wStamp: wStamp{CreatedByID: 2, UpdatedByID: 2}},
		{Title: "a3", Body: "b3", Status: "draft", Secret: "s3", Views: 3, wStamp: wStamp{CreatedByID: 3, UpdatedByID: 3}},
	}
	for _, rows := range []any{&users, &articles} {
		if _, err := db.NewInsert().Model(rows).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
	err := rs.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if g, ok := r.Context().Value(wGrantKey{}).(*wGrant); ok {
				ac, _ := resourcer.ActionFrom(r.Context())
				rs.SetRequestParams(r, wMerge(ac.Params, g.params))
				if g.readable != nil {
					rs.SetRequestReadable(r, func(c string) ([]string, bool) {
						f, ok := g.readable[c]
						return f, ok && f == nil
					})
				}
			}
			next.ServeHTTP(w, r)
		})
	}, resourcer.UseOptions{Tag: "acl"})
	if err != nil {
		t.Fatal(err)
	}
	opts.DB, opts.Model = db, (*wArticle)(nil)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if _, err := crud.Define(rs, opts); err != nil {
		t.Fatal(err)
	}
	return rs
}

type wReply struct {
	Code   int
	Header http.Header
	Data   any
	Errors []struct{ Message string }
}

// wDo sends one request as user (0: nobody signed in) under grant g (nil:
// no permission layer).
func wDo(t testing.TB, h http.Handler, g *wGrant, user int64, method, target, body string) wReply {
	t.Helper()
	return wDoCtx(t, context.Background(), h, g, user, method, target, body)
}

func wDoCtx(t testing.TB, ctx context.Context, h http.Handler, g *wGrant, user int64, method, target, body string) wReply {
	t.Helper()
	var req *http.Request
	if body != "" {
		req = httptest.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequestWithContext(ctx, method, target, nil)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, withGrant(req, g, user))
	var out wReply
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %q: %v", method, target, w.Body, err)
	}
	out.Code, out.Header = w.Code, w.Header()
	return out
}

// withGrant signs user in (0: nobody) and puts the request under grant g
// (nil: no permission layer).
func withGrant(req *http.Request, g *wGrant, user int64) *http.Request {
	ctx := context.WithValue(req.Context(), wUserKey{}, user)
	if g != nil {
		ctx = context.WithValue(ctx, wGrantKey{}, g)
	}
	return req.WithContext(ctx)
}

// wWant checks a reply's status and, for errors, that the first message
// holds msg.
func wWant(t testing.TB, what string, r wReply, code int, msg string) {
	t.Helper()
	if r.Code != code {
		t.Errorf("%s: status %d, want %d (%+v)", what, r.Code, code, r)
		return
	}
	if msg != "" && (len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, msg)) {
		t.Errorf("%s: errors %+v, want a message with %q", what, r.Errors, msg)
	}
}

// wRow is an article as the tests compare it.
type wRow struct {
	ID                       int64
	Title, Body              string
	Status, Secret           string
	Views                    int64
	CreatedByID, UpdatedByID int64
}

// wRows reads every article, in key order.
func wRows(t testing.TB, db *bun.DB) []wRow {
	t.Helper()
	var rows []wArticle
	if err := db.NewSelect().Model(&rows).OrderExpr("id ASC").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := make([]wRow, len(rows))
	for i, a := range rows {
		out[i] = wRow{a.ID, a.Title, a.Body, a.Status, a.Secret, a.Views, a.CreatedByID, a.UpdatedByID}
	}
	return out
}

func wDiff(t testing.TB, what string, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

// wJSON re-marshals v so that it compares with a JSON literal.
func wJSON(t testing.TB, what string, got any, want string) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want: %v", what, err)
	}
	raw, _ := json.Marshal(got)
	_ = json.Unmarshal(raw, &g)
	wDiff(t, what, w, g)
}
