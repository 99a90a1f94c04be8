package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/examples/server/app"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

// chiSubtree serves h the path below the chi route it is mounted on
// (chi's RoutePath), so a nested chi.Route("/v1", ...) needs no prefix
// repeated: the app keeps its default "/api".
func chiSubtree(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, withPath(r, chi.RouteContext(r.Context()).RoutePath))
	})
}

// echoSubtree is chiSubtree for an echo group's "/*" route: the wildcard
// is the path below the group.
func echoSubtree(h http.Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		h.ServeHTTP(c.Response(), withPath(c.Request(), "/"+c.Param("*")))
		return nil
	}
}

// withPath is r with its URL path replaced.
func withPath(r *http.Request, path string) *http.Request {
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = path, ""
	return r2
}

// TestMount serves the app under /v1 in chi and echo, each two ways: the
// subtree adapters with the app's default prefix, and the app told its
// full external prefix (Config.Prefix "/v1/api") mounted as it is. A client
// signs in at /v1/api/auth:signIn and lists /v1/api/posts:list.
func TestMount(t *testing.T) {
	mounts := []struct {
		name   string
		prefix string
		router func(h http.Handler) http.Handler
	}{
		{"chi subtree", "", func(h http.Handler) http.Handler {
			r := chi.NewRouter()
			r.Route("/v1", func(r chi.Router) { r.Mount("/", chiSubtree(h)) })
			return r
		}},
		{"chi full prefix", "/v1/api", func(h http.Handler) http.Handler {
			r := chi.NewRouter()
			r.Route("/v1", func(r chi.Router) { r.Mount("/", h) })
			return r
		}},
		{"echo subtree", "", func(h http.Handler) http.Handler {
			e := echo.New()
			e.Group("/v1").Any("/*", echoSubtree(h))
			return e
		}},
		{"echo full prefix", "/v1/api", func(h http.Handler) http.Handler {
			e := echo.New()
			e.Group("/v1").Any("/*", echo.WrapHandler(h))
			return e
		}},
	}
	eachDB(t, func(t *testing.T, db *bun.DB) {
		for _, m := range mounts {
			t.Run(m.name, func(t *testing.T) {
				svc, err := app.New(context.Background(), app.Config{DB: db, Secret: []byte(testSecret),
					RootPassword: testRootPassword, Prefix: m.prefix, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				defer svc.Close()
				srv := httptest.NewServer(m.router(svc.Handler))
				defer srv.Close()

				token := signIn(t, srv.URL+"/v1/api", testRootPassword)
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/api/posts:list", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var list struct {
					Data []map[string]any    `json:"data"`
					Meta struct{ Count int } `json:"meta"`
				}
				if err := json.NewDecoder(res.Body).Decode(&list); err != nil || res.StatusCode != http.StatusOK || list.Data == nil {
					t.Fatalf("GET /v1/api/posts:list: %d, %+v, %v; want 200 and a list", res.StatusCode, list, err)
				}
			})
		}
	})
}

// signIn signs root in through the API at base and returns the token.
func signIn(t *testing.T, base, password string) string {
	t.Helper()
	res, err := http.Post(base+"/auth:signIn", "application/json",
		strings.NewReader(`{"account":"nocobase","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data struct{ Token string } `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK || out.Data.Token == "" {
		t.Fatalf("sign in at %s: %d, %v", base, res.StatusCode, err)
	}
	return out.Data.Token
}

const (
	testSecret       = "a test key of at least 32 bytes!"
	testRootPassword = "root-pass-1"
)

// eachDB runs fn on a SQLite file, opened as main opens it, and on a
// PostgreSQL schema.
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
