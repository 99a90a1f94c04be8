package resourcer

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendJSON appends v to dst exactly as json.Marshal would encode it.
// Action results are mostly trees of map[string]any and []any (crud's
// records), which encoding/json walks by reflection, sorting each map's
// keys as reflect.Values and dispatching every value through an interface
// encoder; that is a large part of a list's cost. This walks those trees
// directly and hands every other value to json.Marshal, so the bytes (and
// the errors) are encoding/json's.
//
// depth bounds the walk: past maxDirectDepth the subtree goes to
// json.Marshal, which detects cycles and fails as it always has.
func appendJSON(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxDirectDepth {
		return appendMarshalled(dst, v)
	}
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendJSONString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case time.Time:
		// AppendText writes what MarshalJSON quotes (strict RFC 3339),
		// without allocating.
		text, err := v.AppendText(append(dst, '"'))
		if err != nil {
			return appendMarshalled(dst, v) // json.Marshal's error for it
		}
		return append(text, '"'), nil
	case map[string]any:
		return appendJSONObject(dst, v, depth)
	case []any:
		return appendJSONArray(dst, v, depth)
	}
	return appendMarshalled(dst, v)
}

// maxDirectDepth is how deep appendJSON walks maps and slices itself.
const maxDirectDepth = 64

func appendMarshalled(dst []byte, v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, raw...), nil
}

// appendJSONObject writes m with its keys sorted, as encoding/json does; a
// nil map is null.
func appendJSONObject(dst []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = appendJSON(dst, m[k], depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendJSONArray writes s; a nil slice is null.
func appendJSONArray(dst []byte, s []any, depth int) ([]byte, error) {
	if s == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	for i, x := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendJSON(dst, x, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as json.Marshal does: HTML-safe (<, > and &
// escaped), U+2028 and U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if !htmlSafe(b) {
				dst = appendEscapedASCII(append(dst, s[start:i]...), b)
				start = i + 1
			}
			i++
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// htmlSafe reports whether the ASCII byte b is written as itself in an
// HTML-safe JSON string.
func htmlSafe(b byte) bool {
	return b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
}

// appendEscapedASCII writes the escape encoding/json uses for the ASCII
// byte b: a short one where JSON has it, \u00XX otherwise.
func appendEscapedASCII(dst []byte, b byte) []byte {
	switch b {
	case '\\', '"':
		return append(dst, '\\', b)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
}
