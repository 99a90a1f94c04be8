package listapi_test

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/listapi"
)

func TestValueReaders(t *testing.T) {
	if s, err := listapi.StringValue("values.name", "x"); err != nil || s != "x" {
		t.Errorf("StringValue = %q, %v", s, err)
	}
	if b, err := listapi.BoolValue("values.hidden", true); err != nil || !b {
		t.Errorf("BoolValue = %v, %v", b, err)
	}
	if n, err := listapi.WholeNumberValue("values.sort", json.Number("3.0")); err != nil || n != 3 {
		t.Errorf("WholeNumberValue = %d, %v", n, err)
	}
	long := make([]byte, 100)
	for i := range long {
		long[i] = 'x'
	}
	for _, c := range []struct {
		name string
		read func() error
		msg  string
	}{
		{"string", func() error { _, err := listapi.StringValue("values.name", 7.0); return err }, "values.name must be a string, got 7"},
		{"string from an object", func() error { _, err := listapi.StringValue("values.name", map[string]any{"a": 1}); return err }, "values.name must be a string, got an object"},
		{"bool from text", func() error { _, err := listapi.BoolValue("values.hidden", "true"); return err }, "values.hidden must be true or false, got true"},
		{"whole number", func() error { _, err := listapi.WholeNumberValue("values.sort", 1.5); return err }, "values.sort must be a whole number, got 1.5"},
		// A long value is cut at 64 bytes, so a client's megabyte is not echoed.
		{"long value", func() error { _, err := listapi.BoolValue("values.hidden", string(long)); return err }, "got " + string(long[:64])},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.read()
			wantBadRequest(t, err, c.msg)
			if len(err.Error()) > 120 {
				t.Errorf("message %q echoes too much", err.Error())
			}
		})
	}
}

func TestShow(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{"x", "x"}, {json.Number("1.5"), "1.5"}, {true, "true"}, {nil, "<nil>"},
		{map[string]any{"a": "a big value"}, "an object"}, {[]any{"a big value"}, "a list"},
	} {
		if got := listapi.Show(c.v); got != c.want {
			t.Errorf("Show(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}
