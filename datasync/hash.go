package datasync

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// recordEncoder turns records into their canonical JSON and its hash: the
// bytes encoding/json writes (map keys sorted, json.Number as it came, no
// HTML escaping), so two records with the same content encode, and hash,
// the same. It writes the common shapes of a record itself, since hashing
// is on the path of every record of every sync, and hands anything else
// (floats, escapes, other Go types) to encoding/json. One encoder serves a
// whole run, reusing its buffers.
type recordEncoder struct {
	buf  []byte
	keys []string // a stack of the maps' sorted keys, one region per depth

	side bytes.Buffer // encoding/json's output, for the uncommon values
	std  *json.Encoder
}

// maxDepth bounds nesting, so a map that contains itself fails instead of
// recursing forever.
const maxDepth = 1000

var errTooDeep = errors.New("nested more than 1000 levels deep")

func newRecordEncoder() *recordEncoder {
	e := &recordEncoder{}
	e.std = json.NewEncoder(&e.side)
	e.std.SetEscapeHTML(false)
	return e
}

// encode returns rec's canonical JSON (a fresh slice) and the hex sha256
// of it.
func (e *recordEncoder) encode(rec Record) ([]byte, string, error) {
	var err error
	e.buf, err = e.appendValue(e.buf[:0], map[string]any(rec), 0)
	if err != nil {
		return nil, "", err
	}
	raw := bytes.Clone(e.buf)
	sum := sha256.Sum256(raw)
	return raw, hex.EncodeToString(sum[:]), nil
}

func (e *recordEncoder) appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return e.appendString(b, v)
	case bool:
		return strconv.AppendBool(b, v), nil
	case json.Number:
		if !jsonNumber(string(v)) {
			return e.appendStd(b, v) // "" is 0; anything else is encoding/json's error
		}
		return append(b, v...), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case map[string]any:
		return e.appendObject(b, v, depth)
	case Record:
		return e.appendObject(b, v, depth)
	case []any:
		return e.appendArray(b, v, depth)
	}
	return e.appendStd(b, v)
}

func (e *recordEncoder) appendObject(b []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	start := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	end := len(e.keys)
	slices.Sort(e.keys[start:end])
	defer func() { e.keys = e.keys[:start] }()
	b = append(b, '{')
	var err error
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		k := e.keys[i] // re-read: nested maps may have grown e.keys
		if b, err = e.appendString(b, k); err != nil {
			return nil, err
		}
		b = append(b, ':')
		if b, err = e.appendValue(b, m[k], depth+1); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func (e *recordEncoder) appendArray(b []byte, list []any, depth int) ([]byte, error) {
	if list == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	var err error
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = e.appendValue(b, v, depth+1); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func (e *recordEncoder) appendString(b []byte, s string) ([]byte, error) {
	if !plainString(s) {
		return e.appendStd(b, s)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}

// appendStd appends encoding/json's encoding of v.
func (e *recordEncoder) appendStd(b []byte, v any) ([]byte, error) {
	e.side.Reset()
	if err := e.std.Encode(v); err != nil {
		return nil, err
	}
	return append(b, bytes.TrimSuffix(e.side.Bytes(), []byte{'\n'})...), nil
}

// plainString reports whether encoding/json writes s between quotes as it
// is: no quote, backslash or control character, valid UTF-8, and neither
// U+2028 nor U+2029 (which it escapes).
func plainString(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

// jsonNumber reports whether s follows JSON's number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func jsonNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	i, ok := intPart(s, i)
	if !ok {
		return false
	}
	if i < len(s) && s[i] == '.' {
		if i, ok = digitsAfter(s, i+1); !ok {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i, ok = digitsAfter(s, i); !ok {
			return false
		}
	}
	return i == len(s)
}

// intPart reads "0" or a number without a leading zero from s[i:].
func intPart(s string, i int) (int, bool) {
	switch {
	case i < len(s) && s[i] == '0':
		return i + 1, true
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		return digits(s, i), true
	}
	return i, false
}

// digitsAfter reads one digit or more from s[i:].
func digitsAfter(s string, i int) (int, bool) {
	if i >= len(s) || !isDigit(s[i]) {
		return i, false
	}
	return digits(s, i), true
}

func digits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// decodeRecord reads a stored metaData, numbers as json.Number like
// incoming records.
func decodeRecord(raw []byte) (Record, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var rec Record
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("decode stored metaData: %w", err)
	}
	return rec, nil
}
