package resourcer

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"
)

// marshalReference is WriteData's body as it was written before
// appendJSON: json.Marshal of the data/meta struct.
func marshalReference(data any, meta map[string]any) ([]byte, error) {
	return json.Marshal(struct {
		Data any            `json:"data"`
		Meta map[string]any `json:"meta,omitempty"`
	}{data, meta})
}

type jsonNamedMap map[string]any

type jsonPost struct {
	ID    int64     `json:"id"`
	Title string    `json:"title"`
	At    time.Time `json:"at"`
}

// jsonTrickyStrings exercise every escape encoding/json makes.
var jsonTrickyStrings = []string{
	"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "\b\f\n\r\t\x00\x01\x1f\x7f",
	"caf\u00e9 \u65e5\u672c", "line\u2028sep\u2029para", "bad \xff utf8 \xc3", "emoji \U0001F600", "\xed\xa0\x80",
}

// TestDataBodyMatchesJSONMarshal proves that WriteData's body is byte for
// byte json.Marshal's for every kind of value an action returns: crud's
// record maps and lists, strings needing every escape, numbers, times,
// nested and typed values (handed to json.Marshal), nil and empty maps and
// slices, and meta present, empty or nil.
func TestDataBodyMatchesJSONMarshal(t *testing.T) {
	at := time.Date(2026, 12, 1, 5, 30, 0, 123456789, time.FixedZone("x", 3600))
	row := map[string]any{"id": int64(7), "title": "a <b>", "createdAt": at, "updatedAt": time.Time{}, "createdById": int64(1),
		"score": 1.5, "big": 1e21, "small": 1e-7, "nan32": float32(0.1), "ok": true, "no": false, "body": nil,
		"tags": []string{"x", "y"}, "nested": map[string]any{"z": []any{int(3), "é", nil, map[string]any{}}},
		"typed": jsonNamedMap{"b": 1, "a": 2}, "post": jsonPost{ID: 1, Title: "t", At: at}, "ptr": &jsonPost{ID: 2},
		"number": json.Number("12.50"), "raw": json.RawMessage(`{"k": [1, 2]}`), "uint": uint8(9), "neg": int64(math.MinInt64)}
	for _, s := range jsonTrickyStrings {
		row[s] = s
	}
	datas := []any{nil, "x", []any{}, []any(nil), map[string]any(nil), map[string]any{}, row, []any{row, row, nil},
		&Response{Data: []any{row}}, []map[string]any{row}, int(42), 3.25, at}
	metas := []map[string]any{nil, {}, PageMeta(41, 2, 20), {"note": "<&>"}}
	for i, data := range datas {
		for j, meta := range metas {
			want, wantErr := marshalReference(data, meta)
			got, err := dataBody(data, meta)
			if wantErr != nil || err != nil {
				t.Fatalf("data %d meta %d: errors %v, want %v", i, j, err, wantErr)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("data %d meta %d:\n got %s\nwant %s", i, j, got, want)
			}
		}
	}
}

// TestDataBodyFailsAsJSONMarshal proves values json.Marshal refuses are
// refused too, with its error: an unsupported value, a time it cannot
// write, and a cyclic map, which the depth bound hands to json.Marshal
// rather than recursing for ever.
func TestDataBodyFailsAsJSONMarshal(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	for name, data := range map[string]any{
		"channel":  map[string]any{"c": make(chan int)},
		"NaN":      []any{math.NaN()},
		"year 1e4": map[string]any{"at": time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"cycle":    cyclic,
	} {
		_, wantErr := marshalReference(data, nil)
		_, err := dataBody(data, nil)
		if err == nil || wantErr == nil {
			t.Fatalf("%s: error %v, json.Marshal's %v; both should fail", name, err, wantErr)
		}
		var ue *json.UnsupportedValueError
		var te *json.UnsupportedTypeError
		var me *json.MarshalerError
		if errors.As(wantErr, &ue) != errors.As(err, &ue) || errors.As(wantErr, &te) != errors.As(err, &te) ||
			errors.As(wantErr, &me) != errors.As(err, &me) {
			t.Errorf("%s: error %T %v, json.Marshal's %T %v", name, err, err, wantErr, wantErr)
		}
	}
}

// FuzzDataBodyString checks any string, as key and as value, is written as
// json.Marshal writes it.
func FuzzDataBodyString(f *testing.F) {
	for _, s := range jsonTrickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data := []any{map[string]any{s: s, "k": []any{s}}}
		want, _ := marshalReference(data, nil)
		got, err := dataBody(data, nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s (%v), want %s", s, got, err, want)
		}
	})
}

// benchListData is a list page as crud returns it: 20 record maps.
func benchListData() ([]any, map[string]any) {
	at := time.Date(2026, 12, 1, 5, 30, 0, 0, time.UTC)
	rows := make([]any, 20)
	for i := range rows {
		rows[i] = map[string]any{"id": int64(i + 1), "title": "post title", "body": "written under load", "createdAt": at,
			"updatedAt": at, "createdById": int64(3), "updatedById": int64(3)}
	}
	return rows, PageMeta(200, 1, 20)
}

func BenchmarkDataBody(b *testing.B) {
	rows, meta := benchListData()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dataBody(rows, meta); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDataBodyJSONMarshal(b *testing.B) {
	rows, meta := benchListData()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := marshalReference(rows, meta); err != nil {
			b.Fatal(err)
		}
	}
}
