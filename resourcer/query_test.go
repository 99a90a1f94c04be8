package resourcer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// queryCase is one entry of testdata/parse_query.json, recorded from the
// reference's parseQuery (tools/nocobase-oracle/gen/resourcer_gen.js).
// expected is the result through JSON, or {"error": message} where the
// reference throws (the generator guarantees no result has that shape).
type queryCase struct {
	Name     string `json:"name"`
	Query    string `json:"query"`
	Expected any    `json:"expected"`
}

func loadQueryCorpus(t testing.TB) []queryCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/parse_query.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []queryCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// referenceError returns the message of an {"error": message} record.
func referenceError(expected any) (string, bool) {
	m, ok := expected.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	msg, ok := m["error"].(string)
	return msg, ok
}

func TestParseQueryMatchesReference(t *testing.T) {
	cases := loadQueryCorpus(t)
	if len(cases) < 400 {
		t.Fatalf("corpus has %d cases, want at least 400", len(cases))
	}
	for _, c := range cases {
		got, err := ParseQuery(c.Query)
		if msg, ok := referenceError(c.Expected); ok {
			var qe *QueryError
			if !errors.As(err, &qe) || qe.Param != "filter" {
				t.Errorf("%s: ParseQuery(%q) = %v, %v; the reference throws %q", c.Name, c.Query, got, err, msg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: ParseQuery(%q) error: %v", c.Name, c.Query, err)
			continue
		}
		// Compare the Go values themselves (not their JSON), so a
		// non-JSON-shaped value would show up as a difference; only the
		// json.Numbers are read as the doubles JSON.parse gives.
		if diff := cmp.Diff(c.Expected, asDoubles(map[string]any(got))); diff != "" {
			t.Errorf("%s: ParseQuery(%q) mismatch (-reference +got):\n%s", c.Name, c.Query, diff)
		}
	}
}

// asDoubles copies a parsed value with its json.Numbers as float64, what
// the reference's JSON.parse holds.
func asDoubles(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return fmt.Sprintf("unparsable json.Number %q", string(x))
		}
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = asDoubles(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = asDoubles(e)
		}
		return out
	}
	return v
}

// The parseQuery cases of the reference's utils.test.ts (spec A.5).
func TestParseQuery(t *testing.T) {
	filter := map[string]any{
		"a": json.Number("1"), "b": true, "c": nil, "d": []any{json.Number("1"), "x"},
		"e": map[string]any{"f": map[string]any{"g": "h"}},
	}
	filterJSON, err := json.Marshal(filter)
	if err != nil {
		t.Fatal(err)
	}
	var tk120 []string
	var want120 []any
	for i := range 120 {
		tk120 = append(tk120, fmt.Sprintf("filterByTk[%d]=%d", i, i))
		want120 = append(want120, fmt.Sprint(i))
	}
	tests := []struct {
		name  string
		query string
		want  Params
	}{
		{"filter JSON with sort", "filter=" + url.QueryEscape(string(filterJSON)) + "&sort=-col",
			Params{"filter": filter, "sort": "-col"}},
		{"sort keeps the minus", "sort=-col", Params{"sort": "-col"}},
		{"filterByTk beyond arrayLimit", strings.Join(tk120, "&"), Params{"filterByTk": want120}},
		{"filterByTk JSON array", "filterByTk=%5B1%2C2%5D", Params{"filterByTk": []any{json.Number("1"), json.Number("2")}}},
		{"filterByTk stays a string", "filterByTk=1,2", Params{"filterByTk": "1,2"}},
		{"no '=' is null", "a&b=", Params{"a": nil, "b": ""}},
		{"repeated keys", "a=1&a=2", Params{"a": []any{"1", "2"}}},
		{"empty", "", Params{}},
	}
	for _, tt := range tests {
		got, err := ParseQuery(tt.query)
		if err != nil {
			t.Errorf("%s: ParseQuery(%q) error: %v", tt.name, tt.query, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: ParseQuery(%q) mismatch (-want +got):\n%s", tt.name, tt.query, diff)
		}
	}
}

// Numbers in the JSON of filter and filterByTk keep the client's digits
// (JSON.parse would round 2^53+1 to 2^53); only those no float64 holds
// become null, as the reference's Infinity does in JSON.
func TestParseQueryExactNumbers(t *testing.T) {
	tests := []struct {
		query string
		want  Params
	}{
		{`filter={"id":9007199254740993}`, Params{"filter": map[string]any{"id": json.Number("9007199254740993")}}},
		{`filter={"id":{"$in":[9223372036854775807,-0,1.50,1e2]}}`, Params{"filter": map[string]any{"id": map[string]any{
			"$in": []any{json.Number("9223372036854775807"), json.Number("-0"), json.Number("1.50"), json.Number("1e2")}}}}},
		{`filter={"a":1e400,"b":[-1e999,2]}`, Params{"filter": map[string]any{"a": nil, "b": []any{nil, json.Number("2")}}}},
		{`filterByTk=[9007199254740993]`, Params{"filterByTk": []any{json.Number("9007199254740993")}}},
		{`filterByTk=9007199254740993`, Params{"filterByTk": "9007199254740993"}},
		{`page=9007199254740993`, Params{"page": "9007199254740993"}},
	}
	for _, tt := range tests {
		got, err := ParseQuery(url.PathEscape(tt.query))
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", tt.query, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseQuery(%q) (-want +got):\n%s", tt.query, diff)
		}
	}
}

func TestParseQueryFilterError(t *testing.T) {
	_, err := ParseQuery("sort=-a&filter=%7Bnope")
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Param != "filter" || qe.Err == nil || errors.Unwrap(err) != qe.Err {
		t.Fatalf("ParseQuery error = %#v, want a *QueryError for filter", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, `invalid JSON in query parameter "filter": `) {
		t.Errorf("Error() = %q", msg)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, c := range loadQueryCorpus(f) {
		f.Add(c.Query)
	}
	f.Add("a[b][c][d][e][f][g]=1&a=2&a[]=3&0[x]=4&0=5")
	f.Add("filter=" + strings.Repeat("[", 3000) + strings.Repeat("]", 3000))
	f.Fuzz(func(t *testing.T, q string) {
		got, err := ParseQuery(q)
		again, err2 := ParseQuery(q)
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(got, again) {
			t.Fatalf("ParseQuery(%q) is not deterministic: %v, %v then %v, %v", q, got, err, again, err2)
		}
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) || qe.Param != "filter" {
				t.Fatalf("ParseQuery(%q) error %v is not a filter *QueryError", q, err)
			}
			return
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("ParseQuery(%q) = %v does not marshal: %v", q, got, err)
		}
	})
}

func BenchmarkParseQuery(b *testing.B) {
	const q = "filter=%7B%22status%22%3A%22draft%22%7D&fields=id,title&appends[]=author&sort=-createdAt&page=2&pageSize=20"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseQuery(q); err != nil {
			b.Fatal(err)
		}
	}
}
