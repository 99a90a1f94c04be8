package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// scimCall sends a SCIM request to base with the bearer token (none when
// "") and returns the status and decoded body.
func scimCall(t *testing.T, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/scim+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, res.StatusCode, raw, err)
		}
	}
	return res.StatusCode, out
}

// TestSCIMProvisioning: with a SCIM token the service provisions from an
// identity provider at /scim/v2 — a user created there signs in to the
// API, and deactivating them (Entra's PATCH) ends their sign-ins — while
// root stays invisible to SCIM. Without a token there is no SCIM.
func TestSCIMProvisioning(t *testing.T) {
	eachDB(t, func(t *testing.T, db *bun.DB) {
		const token = "scim-token-of-the-test"
		a, err := New(context.Background(), Config{DB: db, Secret: []byte(testSecret), RootPassword: rootPassword,
			Logger: slog.New(slog.DiscardHandler), SCIMToken: token})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a.Handler)
		t.Cleanup(func() {
			srv.Close()
			a.Close()
		})
		scim := srv.URL + SCIMPath
		api := &client{t: t, base: srv.URL + DefaultPrefix}

		if status, body := scimCall(t, "GET", scim+"/Users", "", ""); status != http.StatusUnauthorized || body["status"] != "401" {
			t.Errorf("no token: %d %v", status, body)
		}
		if status, body := scimCall(t, "GET", scim+"/Users", token, ""); status != http.StatusOK || body["totalResults"] != float64(0) {
			t.Errorf("a fresh directory lists no SCIM users (root is not SCIM's): %d %v", status, body)
		}
		status, created := scimCall(t, "POST", scim+"/Users", token, `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
			"userName": "ada@example.com", "name": {"givenName": "Ada", "familyName": "Lovelace"},
			"emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
			"password": "Provisioned-pass-1", "active": true}`)
		if status != http.StatusCreated {
			t.Fatalf("create: %d %v", status, created)
		}
		if _, ok := created["password"]; ok {
			t.Errorf("the password came back: %v", created)
		}
		id, _ := created["id"].(string)

		api.signIn("ada@example.com", "Provisioned-pass-1")

		status, body := scimCall(t, "PATCH", scim+"/Users/"+id, token, `{
			"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`)
		if status != http.StatusOK || body["active"] != false {
			t.Fatalf("deactivate: %d %v", status, body)
		}
		if rep := api.do(http.MethodPost, "/auth:signIn", map[string]any{"account": "ada@example.com", "password": "Provisioned-pass-1"}); rep.Status != http.StatusUnauthorized {
			t.Errorf("a deactivated user signed in: %d %s", rep.Status, rep.raw)
		}
	})

	t.Run("no token, no SCIM", func(t *testing.T) {
		db := dbtest.SQLite(t)
		_, api := serve(t, db)
		res, err := http.Get(api.base[:len(api.base)-len(DefaultPrefix)] + SCIMPath + "/Users")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Errorf("SCIM answered without a token configured: %d", res.StatusCode)
		}
	})
}
