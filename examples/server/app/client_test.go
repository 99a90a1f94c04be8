package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// client speaks to the service over real HTTP as one signed-in user (or
// none, with an empty token).
type client struct {
	t     *testing.T
	base  string
	token string
}

// reply is a decoded answer: its status and NocoBase's envelope.
type reply struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
	raw string
}

// do sends body (marshalled to JSON when not nil) and decodes the answer.
func (c *client) do(method, path string, body any) reply {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	out := reply{Status: res.StatusCode, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: %d %s: %v", method, path, res.StatusCode, raw, err)
		}
	}
	return out
}

// want fails the test unless the reply has the status, and decodes its
// data into into (when not nil).
func (c *client) want(status int, rep reply, what string, into any) {
	c.t.Helper()
	if rep.Status != status {
		c.t.Fatalf("%s: status %d, want %d: %s", what, rep.Status, status, rep.raw)
	}
	if into != nil {
		if err := json.Unmarshal(rep.Data, into); err != nil {
			c.t.Fatalf("%s: decoding %s: %v", what, rep.Data, err)
		}
	}
}

// signIn returns a client for the account, failing the test unless the
// sign-in succeeds.
func (c *client) signIn(account, password string) *client {
	c.t.Helper()
	var signedIn struct {
		Token string `json:"token"`
	}
	c.want(http.StatusOK, c.do(http.MethodPost, "/auth:signIn", map[string]any{"account": account, "password": password}), "sign in as "+account, &signedIn)
	return &client{t: c.t, base: c.base, token: signedIn.Token}
}
