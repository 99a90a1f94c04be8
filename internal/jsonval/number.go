package jsonval

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Num is a JSON number read exactly. A number that is whole and within
// int64's range is held in Int (IsInt); Float is its nearest float64,
// always set. Request JSON is decoded with UseNumber so that an id such as
// 9007199254740993 reaches SQL as that integer, not as the float64
// 9007199254740992.
type Num struct {
	Int   int64
	Float float64
	IsInt bool
}

// ErrNotNumber and ErrNumberRange are wrapped by NumberOf's and
// ParseNumber's errors.
var (
	ErrNotNumber   = errors.New("not a JSON number")
	ErrNumberRange = errors.New("number out of range")
)

// NumberOf reads a number: a float64, float32, json.Number or Go integer
// type. ok is false for any other value. err is set for a number no
// database holds: NaN, an infinity, an integer past int64's range given as
// a Go uint64, or a json.Number that is not valid JSON or lies beyond
// float64's range.
func NumberOf(v any) (n Num, ok bool, err error) {
	switch x := v.(type) {
	case json.Number:
		n, err = ParseNumber(string(x))
		return n, true, err
	case float64:
		n, err = floatNum(x)
		return n, true, err
	case float32:
		n, err = floatNum(float64(x))
		return n, true, err
	case int:
		return intNum(int64(x)), true, nil
	case int64:
		return intNum(x), true, nil
	case int32:
		return intNum(int64(x)), true, nil
	case int16:
		return intNum(int64(x)), true, nil
	case int8:
		return intNum(int64(x)), true, nil
	case uint8:
		return intNum(int64(x)), true, nil
	case uint16:
		return intNum(int64(x)), true, nil
	case uint32:
		return intNum(int64(x)), true, nil
	case uint:
		return uintNum(uint64(x))
	case uint64:
		return uintNum(x)
	}
	return Num{}, false, nil
}

func intNum(i int64) Num { return Num{Int: i, Float: float64(i), IsInt: true} }

func uintNum(u uint64) (Num, bool, error) {
	if u > math.MaxInt64 {
		return Num{Float: float64(u)}, true, fmt.Errorf("%d: %w", u, ErrNumberRange)
	}
	return intNum(int64(u)), true, nil
}

// floatNum reads a float64; a whole one within int64's range is also held
// exactly as an int64, so that 1 and 1.0 are one number.
func floatNum(f float64) (Num, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Num{}, fmt.Errorf("%v: %w", f, ErrNumberRange)
	}
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		return Num{Int: int64(f), Float: f, IsInt: true}, nil
	}
	return Num{Float: f}, nil
}

// ParseNumber reads the text of a JSON number exactly: "1e3" and "1000.0"
// are the integer 1000, "9007199254740993" stays that integer, "1.5" is a
// float. Text that is not a JSON number is ErrNotNumber; one beyond
// float64's range (1e400) is ErrNumberRange. The work is linear in the
// text, whatever its exponent.
func ParseNumber(s string) (Num, error) {
	d, ok := scanNumber(s)
	if !ok {
		return Num{}, fmt.Errorf("%q: %w", s, ErrNotNumber)
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return intNum(i), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && math.IsInf(f, 0) {
		return Num{}, fmt.Errorf("%s: %w", s, ErrNumberRange)
	}
	if i, whole := d.int64(); whole {
		return Num{Int: i, Float: f, IsInt: true}, nil
	}
	return Num{Float: f}, nil
}

// decimal is a JSON number split into its parts: neg, the significant
// digits (without leading zeros) and the power of ten they are scaled by.
type decimal struct {
	neg    bool
	digits string
	scale  int64 // saturates far beyond any int64
}

// scanNumber checks s against JSON's number grammar and splits it.
func scanNumber(s string) (decimal, bool) {
	var d decimal
	rest, ok := strings.CutPrefix(s, "-")
	d.neg = ok
	intPart := leadingDigits(rest)
	if intPart == "" || (len(intPart) > 1 && intPart[0] == '0') {
		return d, false
	}
	rest = rest[len(intPart):]
	frac := ""
	if after, ok := strings.CutPrefix(rest, "."); ok {
		frac = leadingDigits(after)
		if frac == "" {
			return d, false
		}
		rest = after[len(frac):]
	}
	var exp int64
	if len(rest) > 0 && (rest[0] == 'e' || rest[0] == 'E') {
		var ok bool
		if exp, rest, ok = scanExponent(rest[1:]); !ok {
			return d, false
		}
	}
	if rest != "" {
		return d, false
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	trimmed := strings.TrimRight(digits, "0")
	d.digits = trimmed
	d.scale = exp - int64(len(frac)) + int64(len(digits)-len(trimmed))
	return d, true
}

// scanExponent reads an exponent's optional sign and digits; a value past
// a million digits' worth saturates (such a number is 0 or out of range).
func scanExponent(s string) (int64, string, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	ds := leadingDigits(s)
	if ds == "" {
		return 0, s, false
	}
	var e int64
	for i := 0; i < len(ds); i++ {
		e = min(e*10+int64(ds[i]-'0'), 1<<40)
	}
	if neg {
		e = -e
	}
	return e, s[len(ds):], true
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// int64 returns the number when it is whole and within int64's range.
func (d decimal) int64() (int64, bool) {
	if d.digits == "" {
		return 0, true
	}
	if d.scale < 0 || int64(len(d.digits))+d.scale > 19 {
		return 0, false
	}
	text := d.digits + strings.Repeat("0", int(d.scale))
	if d.neg {
		text = "-" + text
	}
	i, err := strconv.ParseInt(text, 10, 64)
	return i, err == nil
}

// Text writes the number in decimal: whole numbers exactly, others as
// the shortest decimal that reads back as the same float64 (no exponent),
// as JavaScript's String() does for ordinary numbers.
func (n Num) Text() string {
	if n.IsInt {
		return strconv.FormatInt(n.Int, 10)
	}
	return strconv.FormatFloat(n.Float, 'f', -1, 64)
}

// Equal compares two numbers by value: exactly when both are whole
// numbers within int64's range, as float64 otherwise.
func (n Num) Equal(m Num) bool {
	if n.IsInt && m.IsInt {
		return n.Int == m.Int
	}
	if n.IsInt != m.IsInt {
		return false // a whole number in int64's range is never a fraction or beyond it
	}
	return n.Float == m.Float
}

// numberOf is NumberOf for values already known to be valid: false for
// anything that is not a usable number.
func numberOf(v any) (Num, bool) {
	n, ok, err := NumberOf(v)
	return n, ok && err == nil
}

// numbersEqual reports whether a and b are both numbers with one value.
func numbersEqual(a, b any) (equal, numbers bool) {
	x, ok := numberOf(a)
	if !ok {
		return false, false
	}
	y, ok := numberOf(b)
	if !ok {
		return false, false
	}
	return x.Equal(y), true
}
