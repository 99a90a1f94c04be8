package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

const (
	testSecret   = "a test key of at least 32 bytes!"
	rootPassword = "root-pass-1"
)

// eachDB runs fn on a SQLite file (opened as main opens it, so concurrent
// requests queue as in production) and on a PostgreSQL schema.
func eachDB(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := sqlitedb.Open(context.Background(), filepath.Join(t.TempDir(), "app.db"), sqlitedb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		fn(t, db)
	})
	t.Run("pg", func(t *testing.T) { fn(t, dbtest.Postgres(t)) })
}

// serve starts New on db behind an httptest server and returns an
// anonymous client for its API.
func serve(t *testing.T, db *bun.DB) (*App, *client) {
	t.Helper()
	a, err := New(context.Background(), Config{DB: db, Secret: []byte(testSecret), RootPassword: rootPassword,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	})
	return a, &client{t: t, base: srv.URL + DefaultPrefix}
}

type post struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	CreatedByID int64  `json:"createdById"`
}

// TestStory walks a service's life over real HTTP: roles made through the
// API decide what a member may do, own-rows scopes hold, root is
// protected, synced users sign in, and password and role changes apply
// to the very next request.
func TestStory(t *testing.T) {
	eachDB(t, func(t *testing.T, db *bun.DB) {
		_, anon := serve(t, db)
		root := anon.signIn("nocobase", rootPassword)

		root.want(http.StatusOK, root.do(http.MethodPost, "/roles", map[string]any{
			"name": "writer", "title": "Writer",
			"strategy": map[string]any{"actions": []string{"create", "view:own", "update:own"}},
		}), "root creates role writer", nil)
		var ann struct{ ID int64 }
		root.want(http.StatusOK, root.do(http.MethodPost, "/users", map[string]any{
			"username": "ann", "email": "ann@example.com", "password": "ann-pass-1",
		}), "root creates ann", &ann)
		root.want(http.StatusOK, root.do(http.MethodPost, "/roles/writer/users:add", []int64{ann.ID}), "root gives ann writer", nil)

		var rootPost post
		root.want(http.StatusOK, root.do(http.MethodPost, "/posts", map[string]any{"title": "by root"}), "root posts", &rootPost)

		member := anon.signIn("ann", "ann-pass-1")
		var own []post
		for _, title := range []string{"first", "second"} {
			var p post
			member.want(http.StatusOK, member.do(http.MethodPost, "/posts", map[string]any{"title": title}), "ann posts "+title, &p)
			if p.CreatedByID != ann.ID {
				t.Fatalf("ann's post %q has createdById %d, want %d", title, p.CreatedByID, ann.ID)
			}
			own = append(own, p)
		}
		var listed []post
		member.want(http.StatusOK, member.do(http.MethodGet, "/posts:list?sort=id", nil), "ann lists posts", &listed)
		if got := titles(listed); !slices.Equal(got, []string{"first", "second"}) {
			t.Fatalf("ann lists %q, want only her own posts", got)
		}

		member.want(http.StatusOK, member.do(http.MethodPost, fmt.Sprintf("/posts:update?filterByTk=%d", own[0].ID),
			map[string]any{"title": "first, edited"}), "ann updates her post", nil)
		member.want(http.StatusNotFound, member.do(http.MethodPost, fmt.Sprintf("/posts:update?filterByTk=%d", rootPost.ID),
			map[string]any{"title": "hijacked"}), "ann updates root's post", nil)
		var stillRoot post
		root.want(http.StatusOK, root.do(http.MethodGet, fmt.Sprintf("/posts:get?filterByTk=%d", rootPost.ID), nil), "root reads his post", &stillRoot)
		if stillRoot.Title != "by root" {
			t.Fatalf("root's post is titled %q after ann's refused update", stillRoot.Title)
		}

		member.want(http.StatusForbidden, member.do(http.MethodPost, fmt.Sprintf("/users:destroy?filterByTk=%d", ann.ID), nil), "ann destroys a user", nil)
		root.want(http.StatusNotFound, root.do(http.MethodPost, "/users:destroy?filterByTk=1", nil), "root destroys root", nil)
		root.want(http.StatusOK, root.do(http.MethodGet, "/auth:check", nil), "root still exists", nil)

		root.want(http.StatusOK, root.do(http.MethodPost, "/userData:push", map[string]any{
			"dataType": "user", "matchKey": "email",
			"records": []map[string]any{{"uid": "hr-7", "username": "bob", "email": "bob@example.com", "password": "bob-pass-1"}},
		}), "root pushes bob", nil)
		anon.signIn("bob", "bob-pass-1")

		member.want(http.StatusOK, member.do(http.MethodPost, "/users:changePassword", map[string]any{
			"oldPassword": "ann-pass-1", "newPassword": "ann-pass-2", "confirmPassword": "ann-pass-2",
		}), "ann changes her password", nil)
		member.want(http.StatusUnauthorized, member.do(http.MethodGet, "/posts:list", nil), "ann's old token", nil)
		member = anon.signIn("ann", "ann-pass-2")

		root.want(http.StatusOK, root.do(http.MethodPatch, "/roles/writer", map[string]any{
			"strategy": map[string]any{"actions": []string{"view:own", "update:own"}},
		}), "root takes create from writer", nil)
		member.want(http.StatusForbidden, member.do(http.MethodPost, "/posts", map[string]any{"title": "third"}), "ann posts after losing create", nil)
		member.want(http.StatusOK, member.do(http.MethodGet, "/posts:list", nil), "ann still lists", nil)
	})
}

func titles(ps []post) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Title
	}
	return out
}
