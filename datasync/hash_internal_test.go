package datasync

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// stdCanonical is what the record encoder must write: encoding/json
// without HTML escaping.
func stdCanonical(t testing.TB, rec Record) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

func checkCanonical(t testing.TB, e *recordEncoder, rec Record) {
	t.Helper()
	want, wantErr := stdCanonical(t, rec)
	got, _, err := e.encode(rec)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("encode(%#v): error %v, encoding/json: %v", rec, err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encode(%#v):\n got %s\nwant %s", rec, got, want)
	}
}

func TestRecordEncoderMatchesEncodingJSON(t *testing.T) {
	e := newRecordEncoder()
	cases := []Record{
		nil,
		{},
		{"uid": "1", "nickname": "Ada", "email": "ada@example.com"},
		{"b": 1, "a": int64(-2), "c": 1.5, "d": 1e21, "e": float32(0.1), "f": uint8(7)},
		{"n": json.Number("0"), "m": json.Number("-12.5e+3"), "z": json.Number("")},
		{"html": "<b>&</b>", "quote": `say "hi"`, "back": `a\b`, "ctl": "a\x00b\x01\b\f\n\r\t\x1f\x7f"},
		{"utf8": "Zoë 王 🙂", "bad": "a\xffb", "sep": "a\u2028b\u2029c", "short": "\xe2\x82"},
		{"list": []any{1, "x", nil, true, []any{}, map[string]any{"z": 1, "a": []any{json.Number("3")}}}},
		{"nilmap": map[string]any(nil), "nillist": []any(nil), "nested": Record{"y": 1, "x": 2}},
		{"strings": []string{"a", "b"}, "time": struct{ A int }{1}, "ptr": (*int)(nil)},
		{"é": 1, "e": 2, "Z": 3, "a\"b": 4, "<k>": 5, "\u2028": 6},
		{"departments": []any{"d1", map[string]any{"uid": "d2", "isOwner": true, "isMain": false}}},
	}
	for _, n := range []string{"-0", "1e5", "1E+5", "2.5e-3", "-12.0", "-", "1e", "1.e5", ".5", "+1", "0x10", "01", "1.", "NaN", "1_000", " 1"} {
		cases = append(cases, Record{"n": json.Number(n)})
	}
	for _, rec := range cases {
		checkCanonical(t, e, rec)
	}
	for _, bad := range []Record{{"n": json.Number("01")}, {"n": json.Number("1.")}, {"f": func() {}}, {"c": make(chan int)}} {
		if _, _, err := e.encode(bad); err == nil {
			t.Errorf("encode(%#v): want an error", bad)
		}
	}
	loop := map[string]any{}
	loop["self"] = loop
	if _, _, err := e.encode(Record(loop)); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("a map that contains itself: %v", err)
	}
}

func TestRecordHashIsStable(t *testing.T) {
	e := newRecordEncoder()
	_, a, err := e.encode(Record{"uid": "1", "x": json.Number("2"), "y": []any{"z"}})
	if err != nil {
		t.Fatal(err)
	}
	_, b, _ := e.encode(Record{"y": []any{"z"}, "x": json.Number("2"), "uid": "1"})
	_, c, _ := e.encode(Record{"uid": "1", "x": json.Number("2.0"), "y": []any{"z"}})
	if a != b || a == c || len(a) != 64 {
		t.Errorf("hashes: %s %s %s", a, b, c)
	}
}

func FuzzRecordEncoder(f *testing.F) {
	for _, seed := range []string{
		`{"uid":"1","nickname":"a"}`, `{"a":[1,2.50,{"b":null}],"c":true}`, `{"s":"\u2028\u0000<>&\"\\"}`,
		`{"n":-0.0e-7,"big":123456789012345678901234567890}`, `{"é":"\ud800"}`,
	} {
		f.Add(seed)
	}
	e := newRecordEncoder()
	f.Fuzz(func(t *testing.T, doc string) {
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.UseNumber()
		var rec Record
		if dec.Decode(&rec) != nil {
			return
		}
		checkCanonical(t, e, rec)
		var plain Record // float64 numbers, as a Go caller might pass
		if json.Unmarshal([]byte(doc), &plain) == nil {
			checkCanonical(t, e, plain)
		}
	})
}

func BenchmarkRecordEncoder(b *testing.B) {
	rec := Record{"uid": "12345", "nickname": "nick 12345", "email": "12345@example.com", "phone": "55512345",
		"title": "T12345", "departments": []any{"d1", map[string]any{"uid": "d2", "isOwner": true}}}
	b.Run("engine", func(b *testing.B) {
		e := newRecordEncoder()
		for b.Loop() {
			if _, _, err := e.encode(rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := stdCanonical(b, rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}
