package resourcer

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// errMalformedURI is JavaScript's URIError: a bad percent-encoding.
var errMalformedURI = errors.New("URI malformed")

// jsDecodeURI is JavaScript's decodeURI: it decodes percent-encoded UTF-8
// except characters that delimit URIs (";/?:@&=+$,#"), which stay encoded.
func jsDecodeURI(s string) (string, error) { return decodePercent(s, ";/?:@&=+$,#") }

// jsDecodeURIComponent is JavaScript's decodeURIComponent.
func jsDecodeURIComponent(s string) (string, error) { return decodePercent(s, "") }

func decodePercent(s, reserved string) (string, error) {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		if s[i] != '%' {
			b.WriteByte(s[i])
			i++
			continue
		}
		c, ok := pctByte(s, i)
		if !ok {
			return "", errMalformedURI
		}
		if c < 0x80 {
			if strings.IndexByte(reserved, c) >= 0 {
				b.WriteString(s[i : i+3])
			} else {
				b.WriteByte(c)
			}
			i += 3
			continue
		}
		var n int
		switch {
		case c&0xE0 == 0xC0:
			n = 2
		case c&0xF0 == 0xE0:
			n = 3
		case c&0xF8 == 0xF0:
			n = 4
		default:
			return "", errMalformedURI
		}
		var buf [4]byte
		buf[0] = c
		j := i + 3
		for k := 1; k < n; k++ {
			cb, ok := pctByte(s, j)
			if !ok || cb&0xC0 != 0x80 {
				return "", errMalformedURI
			}
			buf[k] = cb
			j += 3
		}
		r, size := utf8.DecodeRune(buf[:n])
		if r == utf8.RuneError || size != n {
			return "", errMalformedURI // overlong, surrogate or out of range
		}
		b.Write(buf[:n])
		i = j
	}
	return b.String(), nil
}

// pctByte reads "%XX" at s[i].
func pctByte(s string, i int) (byte, bool) {
	if i+2 >= len(s) || s[i] != '%' {
		return 0, false
	}
	hi, ok1 := hexDigit(s[i+1])
	lo, ok2 := hexDigit(s[i+2])
	return hi<<4 | lo, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
