package scim

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestErrorText(t *testing.T) {
	cases := []struct {
		err  *Error
		want string
	}{
		{&Error{Status: 400, ScimType: ScimTypeInvalidFilter, Detail: "bad"}, "scim: 400 invalidFilter: bad"},
		{&Error{Status: 404, Detail: "no such user"}, "scim: 404: no such user"},
		{&Error{Status: 412}, "scim: 412"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
		if got := c.err.HTTPStatus(); got != c.err.Status {
			t.Errorf("HTTPStatus() = %d, want %d", got, c.err.Status)
		}
	}
}

func TestErrorMarshalJSON(t *testing.T) {
	cases := []struct {
		err  *Error
		want string
	}{
		{&Error{Status: 409, ScimType: ScimTypeUniqueness, Detail: `userName "bjensen" is taken`},
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"userName \"bjensen\" is taken"}`},
		{&Error{Status: 404},
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}`},
	}
	for _, c := range cases {
		b, err := c.err.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != c.want {
			t.Errorf("MarshalJSON() =\n%s\nwant\n%s", b, c.want)
		}
	}
}

func TestNewErrorKeepsCause(t *testing.T) {
	cause := fmt.Errorf("%w: emails.x", ErrUnknownAttribute)
	e := newError(http.StatusBadRequest, ScimTypeInvalidPath, "path %q: %w", "emails.x", cause)
	if e.Detail != `path "emails.x": scim: no such attribute: emails.x` {
		t.Errorf("Detail = %q", e.Detail)
	}
	if !errors.Is(e, ErrUnknownAttribute) {
		t.Error("errors.Is(e, ErrUnknownAttribute) = false")
	}
	if e := newError(400, ScimTypeInvalidValue, "no cause"); e.Err != nil || e.Detail != "no cause" {
		t.Errorf("newError without %%w = %#v", e)
	}
}

func TestWriteError(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"scim error", newError(400, ScimTypeInvalidValue, "userName: required"), 400,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"userName: required"}`},
		{"wrapped scim error", fmt.Errorf("creating: %w", &Error{Status: 404, Detail: "User x not found"}), 404,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"User x not found"}`},
		{"internal error hides its text", errors.New("pq: password authentication failed for user admin"), 500,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"internal error"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			writeError(w, c.err)
			if w.Code != c.status || w.Body.String() != c.body {
				t.Errorf("got %d %s, want %d %s", w.Code, w.Body, c.status, c.body)
			}
			if ct := w.Header().Get("Content-Type"); ct != MediaType {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

func TestWriteJSONUnencodable(t *testing.T) {
	w := httptest.NewRecorder()
	writeJSON(w, http.StatusOK, map[string]any{"f": func() {}})
	want := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"internal error"}`
	if w.Code != 500 || w.Body.String() != want {
		t.Errorf("got %d %s", w.Code, w.Body)
	}
}
