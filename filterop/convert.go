package filterop

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// Converting a filter's values to what a column compares with. Numbers
// arrive as float64, json.Number (request JSON is decoded with UseNumber)
// or Go integers (from variables); they are read exactly
// (jsonval.NumberOf), so that 9007199254740993 reaches SQL as that
// integer.

// scalar checks a value is a JSON scalar the field's column can compare
// with, and converts it so both databases read it the same way: numbers
// and booleans become text for a string field, numeric text becomes a
// number for a number field, PostgreSQL's boolean spellings ("true",
// "yes", "on", "1", ...) a boolean for a boolean field,
// and a date string a time for a time field. A value the column could not
// compare is an error here rather than a database error later.
func scalar(c *Cond, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.Field.Type {
	case TypeString:
		return stringScalar(c, v)
	case TypeNumber:
		return numberScalar(c, v)
	case TypeBool:
		return boolScalar(c, v)
	case TypeTime:
		return timeScalar(c, v)
	case TypeJSON, TypeArray:
		return nil, c.Errorf("%s cannot compare JSON or array field %s with a value; use $anyOf, $match or $empty", c.Operator, c.Field.Name)
	}
	return otherScalar(c, v)
}

// number reads a number operand: ok is false when v is no number; a
// number no database can hold (NaN, an infinity, 1e400) is an error.
func number(c *Cond, v any) (jsonval.Num, bool, error) {
	n, ok, err := jsonval.NumberOf(v)
	if err != nil {
		return n, true, c.Errorf("%v is not a number a database can compare", v)
	}
	return n, ok, nil
}

// numberValue is the Go value a number goes to SQL as: an int64 when it
// is whole and within int64's range (exact), else a float64.
func numberValue(n jsonval.Num) any {
	if n.IsInt {
		return n.Int
	}
	return n.Float
}

func stringScalar(c *Cond, v any) (any, error) {
	switch x := v.(type) {
	case string:
		return cleanString(c, x)
	case bool:
		return strconv.FormatBool(x), nil
	}
	n, ok, err := number(c, v)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, wantScalar(c, v)
	}
	return n.Text(), nil
}

// otherScalar passes strings, booleans and numbers to a column of a type
// filterop does not know.
func otherScalar(c *Cond, v any) (any, error) {
	switch x := v.(type) {
	case string:
		return cleanString(c, x)
	case bool:
		return x, nil
	}
	n, ok, err := number(c, v)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, wantScalar(c, v)
	}
	return numberValue(n), nil
}

// numberScalar reads a number, or a string holding one, for a number
// field. An integer column takes whole numbers within int64's range only:
// a fraction or a larger number is an error rather than a comparison
// whose meaning differs between the databases.
func numberScalar(c *Cond, v any) (any, error) {
	n, ok, err := number(c, v)
	if err != nil {
		return nil, err
	}
	if !ok {
		s, isString := v.(string)
		if !isString {
			return nil, c.Errorf("%s compares number field %s with %v; use a number", c.Operator, c.Field.Name, showValue(v))
		}
		if n, ok = numberText(s); !ok {
			return nil, c.Errorf("%s compares number field %s with %q, which is not a number", c.Operator, c.Field.Name, s)
		}
	}
	if !integral(c.Field) || n.IsInt {
		return numberValue(n), nil
	}
	return nil, c.Errorf("%s compares integer field %s with %v, which is not a whole number of at most 64 bits", c.Operator, c.Field.Name, showValue(v))
}

// numberText reads a number written as a string: JSON's syntax exactly,
// or anything else strconv.ParseFloat takes (" 1.5", "+2", ".5").
func numberText(s string) (jsonval.Num, bool) {
	if n, err := jsonval.ParseNumber(s); err == nil {
		return n, true
	} else if errors.Is(err, jsonval.ErrNumberRange) {
		return n, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return jsonval.Num{}, false
	}
	n, ok, err := jsonval.NumberOf(f)
	return n, ok && err == nil
}

// integral reports whether a field's Go type is an integer type.
func integral(f *Field) bool {
	if f.bun == nil {
		return false
	}
	switch f.bun.IndirectType.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// boolScalar takes true and false, 1 and 0, and the text PostgreSQL reads
// as a boolean (NocoBase passes the text to it, so {"published": "yes"}
// finds the true rows there): see boolText.
func boolScalar(c *Cond, v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if b, ok := boolText(x); ok {
			return b, nil
		}
	default:
		if n, ok, err := number(c, v); ok && err == nil && n.IsInt && (n.Int == 0 || n.Int == 1) {
			return n.Int == 1, nil
		}
	}
	return nil, c.Errorf("%s compares boolean field %s with %v; use true or false", c.Operator, c.Field.Name, showValue(v))
}

// boolText reads a boolean as PostgreSQL's boolin does, on every database:
// "true", "yes", "on", "1" and "false", "no", "off", "0", in any case and
// with surrounding spaces, and any unambiguous prefix of true, false, yes
// and no ("t", "f", "y", "n") and of off ("of").
func boolText(s string) (value, ok bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case "":
		return false, false
	case "1", "on":
		return true, true
	case "0", "of", "off":
		return false, true
	}
	for _, w := range []struct {
		word  string
		value bool
	}{{"true", true}, {"yes", true}, {"false", false}, {"no", false}} {
		if strings.HasPrefix(w.word, t) {
			return w.value, true
		}
	}
	return false, false
}

func timeScalar(c *Cond, v any) (any, error) {
	if t, ok := timeOf(v); ok {
		return t, nil
	}
	if str, ok := v.(string); ok {
		span, err := (&dateParser{c: c}).str(str, nil, false)
		if err != nil {
			return nil, err
		}
		return span.lo, nil
	}
	return nil, c.Errorf("%s compares time field %s with %v; use a date string", c.Operator, c.Field.Name, showValue(v))
}

func wantScalar(c *Cond, v any) error {
	return c.Errorf("%s wants a string, number, boolean or null, not %T", c.Operator, v)
}

// showValue writes a value for an error message; json.Number as its text.
func showValue(v any) any {
	if n, ok := v.(interface{ String() string }); ok {
		return n.String()
	}
	return v
}

// cleanString refuses what a database would mangle: NUL bytes and invalid
// UTF-8.
func cleanString(c *Cond, s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", c.Errorf("%s value contains a NUL byte", c.Operator)
	}
	if !utf8.ValidString(s) {
		return "", c.Errorf("%s value is not valid UTF-8", c.Operator)
	}
	return s, nil
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// setNumber stores the number n (numErr: why it is no usable number) in
// dst, allocating pointers on the way, when dst is a plain integer, float
// or string; done is false for any other type (and for types that decode
// JSON themselves), which Field.Set then fills through JSON.
func setNumber(dst reflect.Value, n jsonval.Num, numErr error) (done bool, err error) {
	for {
		if dst.Addr().Type().Implements(jsonUnmarshaler) || dst.Addr().Type().Implements(textUnmarshaler) {
			return false, nil
		}
		if dst.Kind() != reflect.Pointer {
			break
		}
		dst.Set(reflect.New(dst.Type().Elem()))
		dst = dst.Elem()
	}
	switch dst.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true, setInteger(dst, n, numErr)
	case reflect.Float32, reflect.Float64:
		if numErr != nil || dst.OverflowFloat(n.Float) {
			return true, errors.New("want a number")
		}
		dst.SetFloat(n.Float)
		return true, nil
	case reflect.String:
		if numErr != nil {
			return true, errors.New("want a string or a finite number")
		}
		dst.SetString(n.Text())
		return true, nil
	}
	return false, nil
}

func setInteger(dst reflect.Value, n jsonval.Num, numErr error) error {
	t := dst.Type()
	if numErr != nil || !n.IsInt || intOverflows(t, n.Int) {
		lo, hi := intBounds(t)
		return fmt.Errorf("want a whole number from %s to %s", lo, hi)
	}
	if dst.CanInt() {
		dst.SetInt(n.Int)
	} else {
		dst.SetUint(uint64(n.Int))
	}
	return nil
}

// intBounds writes the range an integer type takes from JSON: unsigned
// types end at int64's maximum, what PostgreSQL's bigint holds.
func intBounds(t reflect.Type) (lo, hi string) {
	bits := t.Bits()
	if t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64 {
		return "0", strconv.FormatUint(min(uint64(1)<<bits-1, 1<<63-1), 10)
	}
	return strconv.FormatInt(-1<<(bits-1), 10), strconv.FormatInt(1<<(bits-1)-1, 10)
}
