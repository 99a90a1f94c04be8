package crud_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
)

// Tests that kill bugs planted in crud (issue #10) which the rest of the
// suite let through. Each names the bug it guards against.

// scopeSend is scopeCall for any method and body.
func scopeSend(t *testing.T, h http.Handler, g *scopeGrant, method, target, body string) scopeReply {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if g != nil {
		req = req.WithContext(context.WithValue(req.Context(), scopeGrantKey{}, g))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var out scopeReply
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %q: %v", method, target, w.Body, err)
	}
	out.Code = w.Code
	return out
}

// TestHiddenFieldsAreNeverNamed: a hidden field (the password) answers as
// an unknown one wherever a client names it — sort, fields, except and
// filterKeys — with every field readable and with no permission layer at
// all. Sorting by it would leak the order of the hashes; filterKeys would
// find a row by its password.
func TestHiddenFieldsAreNeverNamed(t *testing.T) {
	everyUser := &scopeGrant{all: map[string]bool{"users": true}}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h := scopeAPI(t, db, crud.Options{})
		for _, g := range []*scopeGrant{nil, everyUser} {
			for _, tt := range []struct{ method, target, body, msg string }{
				{"GET", "/api/users?sort=password", "", "sort: users has no field password"},
				{"GET", "/api/users?sort=-password", "", "sort: users has no field password"},
				{"GET", "/api/users?fields=id,password", "", "fields: users has no field password"},
				{"GET", "/api/users?except=password", "", "except: users has no field password"},
				{"GET", "/api/users/2?sort=password", "", "sort: users has no field password"},
				{"POST", "/api/users:firstOrCreate?filterKeys=password", `{"password":"pw-ann","nickname":"x"}`, "filterKeys: users has no field password"},
				{"POST", "/api/users:updateOrCreate?filterKeys=password", `{"password":"pw-ann","nickname":"x"}`, "filterKeys: users has no field password"},
			} {
				r := scopeSend(t, h, g, tt.method, tt.target, tt.body)
				if r.Code != http.StatusBadRequest || len(r.Errors) == 0 || r.Errors[0].Message != tt.msg {
					t.Errorf("grant %v: %s %s: status %d, errors %+v; want 400 %q", g != nil, tt.method, tt.target, r.Code, r.Errors, tt.msg)
				}
			}
		}
		var n int
		if err := db.NewSelect().Table("users").ColumnExpr("count(*)").Scan(context.Background(), &n); err != nil || n != 3 {
			t.Errorf("users after the refused upserts: %d (%v), want the 3 seeded", n, err)
		}
	})
}

// TestPageSizeIsClamped: a pageSize past MaxPageSize is clamped, so that
// one request cannot read a whole table.
func TestPageSizeIsClamped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h := scopeAPI(t, db, crud.Options{MaxPageSize: 2})
		r := scopeCall(t, h, nil, "/api/users?fields=id&pageSize=1000")
		if r.Code != http.StatusOK {
			t.Fatalf("status %d (%+v)", r.Code, r.Errors)
		}
		var rows []map[string]any
		if err := json.Unmarshal(r.Data, &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || r.Meta["pageSize"] != float64(2) {
			t.Errorf("pageSize=1000 with MaxPageSize 2: %d rows, meta %v; want 2 rows and pageSize 2", len(rows), r.Meta)
		}
	})
}

// TestEmptySecretKeepsTheStoredOne: an update that sends a hidden field
// (the password) empty keeps the stored value, as NocoBase's password
// field does; a non-empty one replaces it.
func TestEmptySecretKeepsTheStoredOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h := scopeAPI(t, db, crud.Options{})
		for _, tt := range []struct{ body, nickname, password string }{
			{`{"nickname":"ann2","password":""}`, "ann2", "pw-ann"},
			{`{"nickname":"ann3","password":null}`, "ann3", "pw-ann"},
			{`{"nickname":"ann4","password":"pw-new"}`, "ann4", "pw-new"},
		} {
			if r := scopeSend(t, h, nil, "POST", "/api/users:update?filterByTk=2", tt.body); r.Code != http.StatusOK {
				t.Fatalf("update %s: status %d (%+v)", tt.body, r.Code, r.Errors)
			}
			var u scopeUser
			if err := db.NewSelect().Model(&u).Where("id = 2").Scan(context.Background()); err != nil {
				t.Fatal(err)
			}
			if u.Password != tt.password || u.Nickname != tt.nickname {
				t.Errorf("after update %s: password %q, nickname %q; want %q, %q", tt.body, u.Password, u.Nickname, tt.password, tt.nickname)
			}
		}
	})
}

// mutNote is a model whose JSON keys differ from its column names.
type mutNote struct {
	bun.BaseModel `bun:"table:mut_notes,alias:mn"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Title         string `bun:"title" json:"title"`
	Secret        string `bun:"secret_note" json:"secretNote"`
}

type mutParamsKey struct{}

// mutGrant is what mutNotesAPI's middleware hands crud, as an ACL would
// after merging: params set over the request's own, and Readable.
type mutGrant struct {
	params   map[string]any
	readable func(collection string) ([]string, bool)
}

// mutNotesAPI serves crud over mut_notes as the resource name (the table's
// when ""), seeded with one note, behind a middleware that applies the
// *mutGrant the request's context carries.
func mutNotesAPI(t *testing.T, db *bun.DB, name string) http.Handler {
	t.Helper()
	ctx := context.Background()
	if _, err := db.NewCreateTable().Model((*mutNote)(nil)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewInsert().Model(&mutNote{Title: "t1", Secret: "s1"}).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
	err := rs.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if g, ok := r.Context().Value(mutParamsKey{}).(*mutGrant); ok {
				ac, _ := resourcer.ActionFrom(r.Context())
				params := map[string]any{}
				for k, v := range ac.Params {
					params[k] = v
				}
				for k, v := range g.params {
					params[k] = v
				}
				rs.SetRequestParams(r, params)
				if g.readable != nil {
					rs.SetRequestReadable(r, g.readable)
				}
			}
			next.ServeHTTP(w, r)
		})
	}, resourcer.UseOptions{Tag: "acl"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crud.Define(rs, crud.Options{Name: name, DB: db, Model: (*mutNote)(nil), Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestWriteListsMatchKeyOrColumn: whitelist and blacklist name a field by
// its JSON key or by its column, so that a grant written with column names
// (as NocoBase's are) is not bypassed by the JSON key; and a whitelist
// given as null or "" limits to nothing rather than to everything.
func TestWriteListsMatchKeyOrColumn(t *testing.T) {
	tests := []struct {
		name          string
		params        map[string]any
		title, secret string
	}{
		{"blacklist by column", map[string]any{"blacklist": []any{"secret_note"}}, "t2", "s1"},
		{"blacklist by key", map[string]any{"blacklist": []any{"secretNote"}}, "t2", "s1"},
		{"whitelist by column", map[string]any{"whitelist": []any{"secret_note"}}, "t1", "s2"},
		{"whitelist by key", map[string]any{"whitelist": []any{"secretNote"}}, "t1", "s2"},
		{"fields by column", map[string]any{"fields": []any{"title", "secret_note"}, "blacklist": []any{"title"}}, "t1", "s2"},
		{"whitelist null", map[string]any{"whitelist": nil}, "t1", "s1"},
		{"whitelist empty string", map[string]any{"whitelist": ""}, "t1", "s1"},
		{"no lists", map[string]any{}, "t2", "s2"},
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h := mutNotesAPI(t, db, "")
		for _, tt := range tests {
			if _, err := db.NewUpdate().Model(&mutNote{ID: 1, Title: "t1", Secret: "s1"}).WherePK().Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("POST", "/api/mut_notes:update?filterByTk=1", strings.NewReader(`{"title":"t2","secretNote":"s2"}`))
			req.Header.Set("Content-Type", "application/json")
			req = req.WithContext(context.WithValue(req.Context(), mutParamsKey{}, &mutGrant{params: tt.params}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				t.Errorf("%s: status %d: %s", tt.name, w.Code, w.Body)
				continue
			}
			var got mutNote
			if err := db.NewSelect().Model(&got).Where("id = 1").Scan(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got.Title != tt.title || got.Secret != tt.secret {
				t.Errorf("%s: stored title %q, secret %q; want %q, %q", tt.name, got.Title, got.Secret, tt.title, tt.secret)
			}
		}
	})
}

// TestReadableByResourceName: Readable names the resource's own
// collection by the resource name, which may differ from its table's; an
// association's target goes by its table name. Asking for the table name
// would find no grant and leave only the key readable.
func TestReadableByResourceName(t *testing.T) {
	readable := func(collection string) ([]string, bool) {
		if collection == "notes" {
			return []string{"id", "title"}, false
		}
		return nil, false
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		h := mutNotesAPI(t, db, "notes")
		for _, tt := range []struct{ target, body string }{
			{"/api/notes", `[{"id":1,"title":"t1"}]`},
			{"/api/notes?filter=" + q(`{"title":"t1"}`) + "&sort=title", `[{"id":1,"title":"t1"}]`},
			{"/api/notes/1", `{"id":1,"title":"t1"}`},
		} {
			req := httptest.NewRequest("GET", tt.target, nil)
			req = req.WithContext(context.WithValue(req.Context(), mutParamsKey{}, &mutGrant{readable: readable}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			var reply struct{ Data any }
			var want any
			if err := json.Unmarshal(w.Body.Bytes(), &reply); err != nil {
				t.Fatalf("GET %s: %q: %v", tt.target, w.Body, err)
			}
			if err := json.Unmarshal([]byte(tt.body), &want); err != nil {
				t.Fatal(err)
			}
			if w.Code != http.StatusOK || !cmp.Equal(want, reply.Data) {
				t.Errorf("GET %s: status %d, data %v; want 200 and %s", tt.target, w.Code, reply.Data, tt.body)
			}
		}
	})
}
