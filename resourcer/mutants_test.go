package resourcer

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Tests that kill bugs planted in the router (issue #10) which the rest of
// the suite let through.

// nocobaseWritingActions are NocoBase's action names that change data,
// written out here rather than read from StateChangingActions, so that a
// name dropped from that list is noticed.
var nocobaseWritingActions = []string{"create", "update", "destroy", "firstOrCreate", "updateOrCreate", "add", "set", "remove", "toggle", "move", "import"}

func TestStateChangingActionsListsEveryWritingName(t *testing.T) {
	got := slices.Sorted(slices.Values(StateChangingActions()))
	want := slices.Sorted(slices.Values(nocobaseWritingActions))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StateChangingActions() (-want +got):\n%s", diff)
	}
}

// TestEveryWritingNameRefusesGET registers a handler under each writing
// name and checks that GET and HEAD never reach it while POST does.
func TestEveryWritingNameRefusesGET(t *testing.T) {
	ran := map[string]int{}
	rs := New(Options{Logger: slog.New(slog.DiscardHandler)})
	for _, name := range nocobaseWritingActions {
		rs.RegisterActionHandler(name, HandlerFunc(func(*http.Request, *ActionContext) (any, error) {
			ran[name]++
			return map[string]any{"ran": name}, nil
		}))
	}
	if _, err := rs.Define(ResourceOptions{Name: "posts"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range nocobaseWritingActions {
		for _, tt := range []struct {
			method string
			status int
		}{{http.MethodGet, http.StatusMethodNotAllowed}, {http.MethodHead, http.StatusMethodNotAllowed}, {http.MethodPost, http.StatusOK}} {
			rec := httptest.NewRecorder()
			rs.ServeHTTP(rec, httptest.NewRequest(tt.method, "/posts:"+name+"?filterByTk=1", nil))
			if rec.Code != tt.status {
				t.Errorf("%s /posts:%s: status %d, want %d", tt.method, name, rec.Code, tt.status)
			}
		}
	}
	want := map[string]int{}
	for _, name := range nocobaseWritingActions {
		want[name] = 1 // the POST only
	}
	if diff := cmp.Diff(want, ran); diff != "" {
		t.Errorf("handler runs (-want +got):\n%s", diff)
	}
}

// countingBody is a request body of n bytes that counts how many were read.
type countingBody struct {
	left, read int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > b.left {
		n = b.left
	}
	for i := range p[:n] {
		p[i] = ' '
	}
	b.left -= n
	b.read += n
	return int(n), nil
}

// TestOversizedBodyIsNotReadWhole: a body past MaxBodyBytes answers 413
// after reading at most one byte more than the limit, so that a huge body
// costs no memory. Checking the size only after reading it all would
// answer the same 413.
func TestOversizedBodyIsNotReadWhole(t *testing.T) {
	const limit = 1 << 10
	rs := New(Options{MaxBodyBytes: limit, Logger: slog.New(slog.DiscardHandler)})
	rs.RegisterActionHandler("create", HandlerFunc(func(*http.Request, *ActionContext) (any, error) {
		t.Error("the handler ran for an oversized body")
		return nil, nil
	}))
	if _, err := rs.Define(ResourceOptions{Name: "posts"}); err != nil {
		t.Fatal(err)
	}
	body := &countingBody{left: 64 << 20}
	req := httptest.NewRequest(http.MethodPost, "/posts:create", body)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	rs.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", rec.Code)
	}
	if body.read > limit+1 {
		t.Errorf("read %d bytes of the body, want at most %d", body.read, limit+1)
	}
}
