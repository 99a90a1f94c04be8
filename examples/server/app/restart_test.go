package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/uptrace/bun"
)

// TestNewAgain: New on a database it set up before (a restart) creates
// nothing twice, reports no root password, and keeps what administrators
// changed: a role made through the API still decides.
func TestNewAgain(t *testing.T) {
	eachDB(t, func(t *testing.T, db *bun.DB) {
		first, anon := serve(t, db)
		if first.RootPassword != rootPassword {
			t.Fatalf("first New: RootPassword %q, want the configured one", first.RootPassword)
		}
		root := anon.signIn("nocobase", rootPassword)
		root.want(http.StatusOK, root.do(http.MethodPost, "/roles", map[string]any{
			"name": "reader", "title": "Reader", "strategy": map[string]any{"actions": []string{"view"}},
		}), "root creates role reader", nil)

		again, anon2 := serve(t, db)
		if again.RootPassword != "" {
			t.Fatalf("New on an installed database reports root password %q, want none", again.RootPassword)
		}
		root2 := anon2.signIn("nocobase", rootPassword)
		var roles []struct{ Name string }
		root2.want(http.StatusOK, root2.do(http.MethodGet, "/roles:list?sort=name", nil), "root lists roles", &roles)
		var names []string
		for _, r := range roles {
			names = append(names, r.Name)
		}
		want := []string{"admin", "member", "reader", "root"}
		if len(names) != len(want) {
			t.Fatalf("roles after a restart: %q, want %q", names, want)
		}
		for i := range want {
			if names[i] != want[i] {
				t.Fatalf("roles after a restart: %q, want %q", names, want)
			}
		}
	})
}

// lockedBuffer collects log output written by the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// TestRequestLogs: every request is logged once with its method, path
// (without the query) and the status the client got.
func TestRequestLogs(t *testing.T) {
	eachDB(t, func(t *testing.T, db *bun.DB) {
		var logs lockedBuffer
		a, err := New(context.Background(), Config{DB: db, Secret: []byte(testSecret), RootPassword: rootPassword,
			Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		srv := httptest.NewServer(a.Handler)
		defer srv.Close()
		res, err := http.Get(srv.URL + "/api/posts:list?filter=%7B%7D")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()

		logs.mu.Lock()
		defer logs.mu.Unlock()
		var found []map[string]any
		dec := json.NewDecoder(&logs.buf)
		for dec.More() {
			var line map[string]any
			if err := dec.Decode(&line); err != nil {
				t.Fatal(err)
			}
			if line["msg"] == "request" {
				found = append(found, line)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%d request log lines, want 1: %v", len(found), found)
		}
		got := found[0]
		if got["method"] != "GET" || got["path"] != "/api/posts:list" || got["status"] != float64(res.StatusCode) {
			t.Fatalf("request log %v, want GET /api/posts:list with status %d", got, res.StatusCode)
		}
	})
}
