package listapi_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/listapi"
)

// decode reads a filter as resourcer hands it over: JSON with exact
// numbers (json.Number).
func decode(t *testing.T, s string) any {
	t.Helper()
	if s == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// wantBadRequest fails unless err is a 400 whose message contains msg.
func wantBadRequest(t *testing.T, err error, msg string) {
	t.Helper()
	var withStatus interface{ HTTPStatus() int }
	if !errors.As(err, &withStatus) || withStatus.HTTPStatus() != http.StatusBadRequest {
		t.Fatalf("error %v is not a 400", err)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Fatalf("message %q, want it to contain %q", err.Error(), msg)
	}
}

func TestParseFilterReadsEqualities(t *testing.T) {
	allowed := []string{"id", "name", "enabled"}
	for _, c := range []struct {
		name, filter string
		want         listapi.Filter
	}{
		{"none", ``, listapi.Filter{}},
		{"empty", `{}`, listapi.Filter{}},
		{"plain", `{"name": "admin"}`, listapi.Filter{"name": {"admin"}}},
		{"operator object", `{"name": {"$eq": "admin"}}`, listapi.Filter{"name": {"admin"}}},
		{"operator in the key", `{"name.$eq": "admin"}`, listapi.Filter{"name": {"admin"}}},
		{"number as text", `{"id": 7}`, listapi.Filter{"id": {"7"}}},
		{"whole float", `{"id": 7.0}`, listapi.Filter{"id": {"7"}}},
		{"boolean as text", `{"enabled": true}`, listapi.Filter{"enabled": {"true"}}},
		{"a permission layer's filter ANDed in", `{"$and": [{"name": "a"}, {"$and": [{"id": "1"}]}], "name.$eq": "b"}`,
			listapi.Filter{"name": {"a", "b"}, "id": {"1"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := listapi.ParseFilter(decode(t, c.filter), allowed)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseFilterRefuses checks that every filter the list cannot apply is
// a 400 naming the key, never a filter that selects more.
func TestParseFilterRefuses(t *testing.T) {
	allowed := []string{"id", "name"}
	for _, c := range []struct{ filter, msg string }{
		{`[]`, "filter must be an object, got a list"},
		{`"name"`, "filter must be an object, got name"},
		{`{"$and": {"name": "a"}}`, "filter.$and must be a list, got an object"},
		{`{"$and": ["x"]}`, "filter must be an object, got x"},
		{`{"$or": [{"name": "a"}]}`, "filter.$or: this list filters only by equality on id, name"},
		{`{"title": "a"}`, "filter.title: this list filters only by equality on id, name"},
		{`{"title.$eq": "a"}`, "filter.title.$eq: this list filters only by equality on id, name"},
		{`{"name.$ne": "a"}`, "filter.name.$ne: this list filters only by equality"},
		{`{"name": {"$ne": "a"}}`, "filter.name: only $eq is supported"},
		{`{"name": {"$eq": "a", "$ne": "b"}}`, "filter.name: only $eq is supported"},
		{`{"name": ["a"]}`, "filter.name must be a string, number or boolean, got a list"},
		{`{"name": null}`, "filter.name must be a string, number or boolean, got <nil>"},
		{`{"id": 1.5}`, "filter.id must be a string, number or boolean, got 1.5"},
		{`{"name.$eq": {"$eq": "a"}}`, "filter.name.$eq must be a string, number or boolean, got an object"},
		// Of two bad keys, the first in order is named, every time.
		{`{"b": 1, "a": 1}`, "filter.a: "},
	} {
		t.Run(c.filter, func(t *testing.T) {
			_, err := listapi.ParseFilter(decode(t, c.filter), allowed)
			wantBadRequest(t, err, c.msg)
		})
	}
}

func TestFilterMatch(t *testing.T) {
	f := listapi.Filter{"name": {"a"}, "id": {"1", "2"}}
	for _, c := range []struct {
		field, value string
		want         bool
	}{
		{"name", "a", true},
		{"name", "b", false},
		{"title", "anything", true}, // no condition on the field
		{"id", "1", false},          // contradicting conditions match nothing
		{"id", "2", false},
	} {
		if got := f.Match(c.field, c.value); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.field, c.value, got, c.want)
		}
	}
}

func TestFilterOne(t *testing.T) {
	f := listapi.Filter{"name": {"a", "a"}, "id": {"1", "2", "1"}}
	for _, c := range []struct {
		field, value string
		ok, none     bool
	}{
		{"name", "a", true, false},
		{"id", "", true, true},
		{"title", "", false, false},
	} {
		value, ok, none := f.One(c.field)
		if value != c.value || ok != c.ok || none != c.none {
			t.Errorf("One(%q) = %q, %v, %v; want %q, %v, %v", c.field, value, ok, none, c.value, c.ok, c.none)
		}
	}
}

func TestCanonical(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
		ok   bool
	}{
		{"x", "x", true},
		{false, "false", true},
		{json.Number("12"), "12", true},
		{float64(3), "3", true},
		{int64(-4), "-4", true},
		{"1e3", "1e3", true}, // text stays text: only numbers are read as numbers
		{json.Number("0.5"), "", false},
		{nil, "", false},
		{map[string]any{}, "", false},
	} {
		got, ok := listapi.Canonical(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("Canonical(%#v) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
