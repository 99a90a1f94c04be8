package syncapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/syncapi"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// staticKeys are the options the static source type reads.
var staticKeys = []string{"users", "departments", "apiToken", "fail"}

// staticSource is a real Source whose content is its options: "users"
// and "departments" are the records it emits; "fail" makes the read fail
// after them, as a source whose export broke.
type staticSource struct {
	users, departments []datasync.Record
	fail               bool
}

func (s *staticSource) Pull(ctx context.Context, emit func(datasync.UserData) error) error {
	if len(s.departments) > 0 {
		if err := emit(datasync.UserData{DataType: datasync.DataTypeDepartment, Records: s.departments}); err != nil {
			return err
		}
	}
	if err := emit(datasync.UserData{DataType: datasync.DataTypeUser, Records: s.users}); err != nil {
		return err
	}
	if s.fail {
		return fmt.Errorf("static: the export broke: %w", datasync.ErrIncomplete)
	}
	return nil
}

// PullChanges makes the static source a DeltaSource: a delta emits
// everything again (the manager finds it unchanged) and its watermark is
// the number of users.
func (s *staticSource) PullChanges(ctx context.Context, _ string, emit func(datasync.UserData) error) (string, error) {
	if err := s.Pull(ctx, emit); err != nil {
		return "", err
	}
	return strconv.Itoa(len(s.users)), nil
}

// plainSource is a static source that cannot run deltas.
type plainSource struct{ datasync.Source }

func newPlain(cfg datasync.SourceConfig) (datasync.Source, error) {
	src, err := newStatic(cfg)
	return plainSource{src}, err
}

// newStatic builds a static source, refusing options it does not know by
// name, as a real type does.
func newStatic(cfg datasync.SourceConfig) (datasync.Source, error) {
	s := &staticSource{}
	for k, v := range cfg.Options {
		if !slices.Contains(staticKeys, k) {
			return nil, fmt.Errorf("option %q: unknown (want %s)", k, strings.Join(staticKeys, ", "))
		}
		var err error
		switch k {
		case "users":
			s.users, err = records(k, v)
		case "departments":
			s.departments, err = records(k, v)
		case "fail":
			s.fail, _ = v.(bool)
		}
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

func records(key string, v any) ([]datasync.Record, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("option " + key + ": want a list of records")
	}
	out := make([]datasync.Record, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("option %s[%d]: want an object", key, i)
		}
		out[i] = m
	}
	return out, nil
}

// server is the API over a real directory on one test database.
type server struct {
	t   *testing.T
	m   *datasync.Manager
	url string
	// header is sent with every request.
	header http.Header
}

// adminID is the user the fixture's UserID reports.
const adminID = 42

func newServer(t *testing.T, db *bun.DB) *server {
	t.Helper()
	m := synctest.Directory(t, db)
	if err := m.RegisterSourceType("static", datasync.SourceType{Title: "Static records", New: newStatic}); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterSourceType("plain", datasync.SourceType{Title: "Plain records", New: newPlain}); err != nil {
		t.Fatal(err)
	}
	rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
	// A host's generic handlers (crud's) serve every resource defined
	// after them: the sync resources must not get them.
	generic := resourcer.HandlerFunc(func(*http.Request, *resourcer.ActionContext) (any, error) { return "generic", nil })
	rs.RegisterActionHandlers(map[string]http.Handler{"create": generic, "destroy": generic, "update": generic})
	err := syncapi.Register(rs, m, syncapi.Options{UserID: func(context.Context) (int64, bool) { return adminID, true }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rs)
	t.Cleanup(srv.Close)
	return &server{t: t, m: m, url: srv.URL}
}

// reply is a decoded answer.
type reply struct {
	Status int
	Body   map[string]any
	Raw    string
}

// data is the answer's "data", as an object.
func (r reply) data() map[string]any {
	m, _ := r.Body["data"].(map[string]any)
	return m
}

// list is the answer's "data", as a list of objects.
func (r reply) list() []map[string]any {
	raw, _ := r.Body["data"].([]any)
	out := make([]map[string]any, len(raw))
	for i, e := range raw {
		out[i], _ = e.(map[string]any)
	}
	return out
}

// message is the first error message.
func (r reply) message() string {
	errs, _ := r.Body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	m, _ := errs[0].(map[string]any)
	s, _ := m["message"].(string)
	return s
}

// do sends a request with body as JSON (none when nil).
func (s *server) do(method, path string, body any) reply {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range s.header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	out := reply{Status: resp.StatusCode, Raw: string(raw)}
	if err := json.Unmarshal(raw, &out.Body); err != nil {
		s.t.Fatalf("%s %s: answer is not a JSON object: %s", method, path, raw)
	}
	return out
}

// want fails the test unless the reply has status and, when msg is not
// empty, an error message containing it.
func (r reply) want(t *testing.T, status int, msg string) reply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	if msg != "" && !strings.Contains(r.message(), msg) {
		t.Fatalf("message %q, want it to contain %q", r.message(), msg)
	}
	return r
}

// id reads a JSON number field as an int64.
func id(t *testing.T, m map[string]any, key string) int64 {
	t.Helper()
	f, ok := m[key].(float64)
	if !ok {
		t.Fatalf("%s is %v, want a number", key, m[key])
	}
	return int64(f)
}

// createSource creates a static source through the API and returns its id.
func (s *server) createSource(name string, options map[string]any) int64 {
	s.t.Helper()
	r := s.do("POST", "/api/userDataSyncSources", map[string]any{
		"name": name, "sourceType": "static", "enabled": true, "options": options,
	}).want(s.t, http.StatusOK, "")
	return id(s.t, r.data(), "id")
}

// pull runs a source through the API and waits for its task.
func (s *server) pull(name string) *datasync.SyncTask {
	s.t.Helper()
	r := s.do("POST", "/api/userData:pull", map[string]any{"name": name}).want(s.t, http.StatusAccepted, "")
	return s.wait(id(s.t, r.data(), "taskId"))
}

func (s *server) wait(taskID int64) *datasync.SyncTask {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	task, err := s.m.Wait(ctx, taskID)
	if err != nil {
		s.t.Fatal(err)
	}
	return task
}

// people are two users as the static source sends them.
func people(names ...string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = map[string]any{"uid": "u-" + n, "username": n, "nickname": strings.ToUpper(n[:1]) + n[1:], "email": n + "@example.com"}
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
