package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// api sends the load's requests to one server. Requests carry no context
// of the run: one in flight when the time is up finishes (and counts), so
// the server never sees a cancellation the load itself caused.
type api struct {
	client *http.Client
	base   string // the server's URL, without a trailing slash
}

// reply is one answered request.
type reply struct {
	status int // 0: the request itself failed
	body   []byte
	took   time.Duration
}

// send runs one request to completion. token is sent as a bearer token
// when not "".
func (c api) send(method, path, token string, body []byte) reply {
	start := time.Now()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return reply{took: time.Since(start)}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return reply{took: time.Since(start)}
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{took: time.Since(start)}
	}
	return reply{status: resp.StatusCode, body: out, took: time.Since(start)}
}

// signIn signs username in (auth:signIn) and returns the reply and the
// token, "" when the sign-in failed.
func (c api) signIn(username string) (reply, string) {
	body, _ := json.Marshal(map[string]string{"account": username, "password": writerPassword})
	r := c.send(http.MethodPost, "/api/auth:signIn", "", body)
	var out struct {
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &out) != nil {
		return r, ""
	}
	return r, out.Data.Token
}

// createPost creates a post (posts:create) and returns the reply and the
// new post's id, 0 when the create failed.
func (c api) createPost(token, title string) (reply, int64) {
	body, _ := json.Marshal(map[string]string{"title": title, "body": "written under load"})
	r := c.send(http.MethodPost, "/api/posts:create", token, body)
	var out struct {
		Data struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &out) != nil {
		return r, 0
	}
	return r, out.Data.ID
}

// listPath is posts:list as the clients send it: the first page, at the
// default page size, of what the ACL lets the user see.
const listPath = "/api/posts:list"

// getPath is posts:get of one post.
func getPath(id int64) string { return fmt.Sprintf("/api/posts:get?filterByTk=%d", id) }
