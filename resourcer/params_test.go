package resourcer_test

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/resourcer"
)

func TestNameList(t *testing.T) {
	const bad = "fields must be a list of names"
	for _, c := range []struct {
		name  string
		value any
		want  []string
		err   string
	}{
		{"absent", nil, nil, ""},
		{"empty text", "", nil, ""},
		{"comma list", "a,b", []string{"a", "b"}, ""},
		{"JSON list", []any{"a", "b"}, []string{"a", "b"}, ""},
		{"empty JSON list stays given", []any{}, []string{}, ""},
		{"Go list", []string{"a"}, []string{"a"}, ""},
		{"nil Go list stays given", []string(nil), []string{}, ""},
		{"number in the list", []any{"a", json.Number("1")}, nil, bad},
		{"object", map[string]any{"a": true}, nil, bad},
		{"number", 1.0, nil, bad},
	} {
		p := resourcer.Params{}
		if c.value != nil {
			p["fields"] = c.value
		}
		got, err := resourcer.NameList(p, "fields")
		checkStatusError(t, c.name, err, c.err)
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", c.name, diff)
		}
		if c.want != nil && got == nil {
			t.Errorf("%s: a given list read as no list", c.name)
		}
	}
}

func TestWholeNumber(t *testing.T) {
	for _, c := range []struct {
		value any
		want  int64
		ok    bool
	}{
		{json.Number("9007199254740993"), 9007199254740993, true},
		{json.Number("9223372036854775807"), math.MaxInt64, true},
		{json.Number("9223372036854775808"), 0, false},
		{json.Number("1e3"), 1000, true},
		{json.Number("2.5"), 0, false},
		{2.0, 2, true},
		{2.5, 0, false},
		{1e19, 0, false},
		{math.NaN(), 0, false},
		{7, 7, true},
		{int64(-3), -3, true},
		{uint64(math.MaxUint64), 0, false},
		{"12", 12, true},
		{"+12", 12, true},
		{"12.0", 12, true},
		{"2e0", 2, true},
		{"1e400", 0, false},
		{"NaN", 0, false},
		{"0x10", 0, false},
		{"", 0, false},
		{true, 0, false},
		{nil, 0, false},
	} {
		got, ok := resourcer.WholeNumber(c.value)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("WholeNumber(%#v) = %d, %v; want %d, %v", c.value, got, ok, c.want, c.ok)
		}
	}
}

func TestPositiveParam(t *testing.T) {
	const bad = "page must be a positive whole number"
	for _, c := range []struct {
		name  string
		value any
		want  int64
		err   string
	}{
		{"absent", nil, 5, ""},
		{"text", "3", 3, ""},
		{"JSON number", json.Number("3"), 3, ""},
		{"zero", 0.0, 0, bad},
		{"negative", "-1", 0, bad},
		{"fraction", "1.5", 0, bad},
		{"past int64", "9223372036854775808", 0, bad},
		{"bool", true, 0, bad},
	} {
		p := resourcer.Params{}
		if c.value != nil {
			p["page"] = c.value
		}
		got, err := resourcer.PositiveParam(p, "page", 5)
		checkStatusError(t, c.name, err, c.err)
		if got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// checkStatusError wants err to be a 400 *StatusError with the message
// want, or nil when want is "".
func checkStatusError(t *testing.T, name string, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		return
	}
	var se *resourcer.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusBadRequest || se.Error() != want {
		t.Errorf("%s: error %#v, want a 400 %q", name, err, want)
	}
}
