package resourcer

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// JSON bodies are decoded with UseNumber: a handler gets the digits the
// client sent, and a number no float64 holds is a 400 naming where it is.
func TestBodyNumbersAreExact(t *testing.T) {
	var got ActionContext
	rs := New(Options{})
	rs.RegisterActionHandler("create", HandlerFunc(func(r *http.Request, ac *ActionContext) (any, error) {
		got = *ac
		return nil, nil
	}))
	mustDefine(t, rs, ResourceOptions{Name: "posts"})

	body := `{"id":9007199254740993,"score":1.50,"tags":[1e2,-0],"author":{"id":9223372036854775807}}`
	req := httptest.NewRequest("POST", "/posts?filter=%7B%22id%22%3A9007199254740993%7D", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	rs.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	want := map[string]any{
		"id":     json.Number("9007199254740993"),
		"score":  json.Number("1.50"),
		"tags":   []any{json.Number("1e2"), json.Number("-0")},
		"author": map[string]any{"id": json.Number("9223372036854775807")},
	}
	if diff := cmp.Diff(want, got.Params["values"]); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"id": json.Number("9007199254740993")}, got.Params["filter"]); diff != "" {
		t.Errorf("filter (-want +got):\n%s", diff)
	}

	for _, tt := range []struct{ body, path string }{
		{`{"n":1e400}`, "body.n"},
		{`{"a":{"b":[1,-1e999]}}`, "body.a.b.1"},
		{`1e400`, "body"},
	} {
		res := serve(t, rs, "POST", "/posts", tt.body)
		if res.code != http.StatusBadRequest || len(res.errors) != 1 {
			t.Errorf("%s: status %d, errors %v; want one 400", tt.body, res.code, res.errors)
			continue
		}
		if msg, _ := res.errors[0]["message"].(string); !strings.Contains(msg, tt.path+": number out of range") {
			t.Errorf("%s: message %q, want it to name %s", tt.body, msg, tt.path)
		}
	}
}
