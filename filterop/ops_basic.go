package filterop

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// The comparison operators. NocoBase's semantics: a list given to $eq means
// $in and to $ne means $notIn; $ne and $notIn also match NULL (SQL's
// "x <> 1" would not); values compared with a string field are compared as
// strings.

func init() { operatorFamilies = append(operatorFamilies, basicOperators) }

func basicOperators() map[string]OperatorFunc {
	return map[string]OperatorFunc{
		"$eq":        opEq,
		"$ne":        opNe,
		"$gt":        compare(">"),
		"$gte":       compare(">="),
		"$lt":        compare("<"),
		"$lte":       compare("<="),
		"$in":        opIn,
		"$notIn":     opNotIn,
		"$between":   opBetween,
		"$exists":    opExists(false),
		"$notExists": opExists(true),
		"$is":        opIs(false),
		"$isNot":     opIs(true),
		"$isTruly":   opTruly(true),
		"$isFalsy":   opTruly(false),
	}
}

func opEq(c *Cond) (Expr, error) {
	switch v := c.Value.(type) {
	case nil:
		return SQL("? IS NULL", c.Column), nil
	case []any:
		return opIn(c)
	default:
		val, err := scalar(c, v)
		if err != nil {
			return nil, err
		}
		return SQL("? = ?", c.Column, val), nil
	}
}

func opNe(c *Cond) (Expr, error) {
	switch v := c.Value.(type) {
	case nil:
		return SQL("? IS NOT NULL", c.Column), nil
	case []any:
		return opNotIn(c)
	default:
		val, err := scalar(c, v)
		if err != nil {
			return nil, err
		}
		return SQL("(? <> ? OR ? IS NULL)", c.Column, val, c.Column), nil
	}
}

func compare(op string) OperatorFunc {
	return func(c *Cond) (Expr, error) {
		val, err := scalar(c, c.Value)
		if err != nil {
			return nil, err
		}
		if val == nil {
			return nil, c.Errorf("%s needs a value, not null", c.Operator)
		}
		return SQL("? "+op+" ?", c.Column, val), nil
	}
}

func opIn(c *Cond) (Expr, error) {
	vals, err := list(c)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return SQL("1 = 0"), nil
	}
	return SQL("? IN (?)", c.Column, In(vals)), nil
}

func opNotIn(c *Cond) (Expr, error) {
	vals, err := list(c)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return SQL("1 = 1"), nil // NOT IN nothing: every row
	}
	return SQL("(? NOT IN (?) OR ? IS NULL)", c.Column, In(vals), c.Column), nil
}

func opBetween(c *Cond) (Expr, error) {
	l, ok := c.Value.([]any)
	if !ok || len(l) != 2 {
		return nil, c.Errorf("%s wants a list of two values", c.Operator)
	}
	lo, err := scalar(c, l[0])
	if err != nil {
		return nil, err
	}
	hi, err := scalar(c, l[1])
	if err != nil {
		return nil, err
	}
	if lo == nil || hi == nil {
		return nil, c.Errorf("%s bounds cannot be null", c.Operator)
	}
	return SQL("? BETWEEN ? AND ?", c.Column, lo, hi), nil
}

// opExists: {"$exists": true} is IS NOT NULL; false (or $notExists)
// inverts it.
func opExists(invert bool) OperatorFunc {
	return func(c *Cond) (Expr, error) {
		want := true
		if b, ok := c.Value.(bool); ok {
			want = b
		}
		if want != invert {
			return SQL("? IS NOT NULL", c.Column), nil
		}
		return SQL("? IS NULL", c.Column), nil
	}
}

// opIs compares with true, false or null, null-safely.
func opIs(negate bool) OperatorFunc {
	return func(c *Cond) (Expr, error) {
		not := ""
		if negate {
			not = "NOT "
		}
		switch v := c.Value.(type) {
		case nil:
			return SQL("? IS "+not+"NULL", c.Column), nil
		case bool:
			if v {
				return SQL("? IS "+not+"TRUE", c.Column), nil
			}
			return SQL("? IS "+not+"FALSE", c.Column), nil
		}
		return nil, c.Errorf("%s wants true, false or null", c.Operator)
	}
}

// opTruly is NocoBase's $isTruly/$isFalsy: with true (or "true") the field
// is true, otherwise it is false or null; $isFalsy is the reverse.
func opTruly(truly bool) OperatorFunc {
	return func(c *Cond) (Expr, error) {
		wantTrue := c.Value == true || c.Value == "true"
		if wantTrue == truly {
			return SQL("? = ?", c.Column, true), nil
		}
		return SQL("(? IS NULL OR ? = ?)", c.Column, c.Column, false), nil
	}
}

// list reads a list value; a single value is a list of one, null none.
func list(c *Cond) ([]any, error) {
	var in []any
	switch v := c.Value.(type) {
	case nil:
		return nil, nil
	case []any:
		in = v
	default:
		in = []any{v}
	}
	out := make([]any, 0, len(in))
	for _, e := range in {
		val, err := scalar(c, e)
		if err != nil {
			return nil, err
		}
		out = append(out, val)
	}
	return out, nil
}

// scalar checks a value is a JSON scalar the field's column can compare
// with, and converts it so both databases read it the same way: numbers
// and booleans become text for a string field, numeric text becomes a
// number for a number field, "true"/"false" a boolean for a boolean field,
// and a date string a time for a time field. A value the column could not
// compare is an error here rather than a database error later.
func scalar(c *Cond, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if i, ok := wholeNumber(v); ok { // Go integers from variables stay exact
		switch c.Field.Type {
		case TypeString:
			return strconv.FormatInt(i, 10), nil
		case TypeNumber, TypeOther:
			return i, nil
		}
		v = float64(i)
	}
	switch c.Field.Type {
	case TypeString, TypeOther:
		switch x := v.(type) {
		case string:
			return cleanString(c, x)
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, c.Errorf("%v is not a number a database can compare", x)
			}
			if c.Field.Type == TypeString {
				return strconv.FormatFloat(x, 'f', -1, 64), nil
			}
			return x, nil
		case bool:
			if c.Field.Type == TypeString {
				return strconv.FormatBool(x), nil
			}
			return x, nil
		}
	case TypeNumber:
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, c.Errorf("%v is not a number a database can compare", x)
			}
			return x, nil
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n, nil // exact, even past 2^53
			}
			if f, err := strconv.ParseFloat(x, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return f, nil
			}
			return nil, c.Errorf("%s compares number field %s with %q, which is not a number", c.Operator, c.Field.Name, x)
		}
	case TypeBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		case float64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		}
		return nil, c.Errorf("%s compares boolean field %s with %v; use true or false", c.Operator, c.Field.Name, v)
	case TypeTime:
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
		return nil, c.Errorf("%s compares time field %s with %v; use a date string", c.Operator, c.Field.Name, v)
	case TypeJSON, TypeArray:
		return nil, c.Errorf("%s cannot compare JSON or array field %s with a value; use $anyOf, $match or $empty", c.Operator, c.Field.Name)
	}
	return nil, c.Errorf("%s wants a string, number, boolean or null, not %T", c.Operator, v)
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

// wholeNumber reads the Go integer types a variable may hold.
func wholeNumber(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), true
		}
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	}
	return 0, false
}

// In wraps a list so that bun writes it as comma-separated values, for
// "x IN (?)".
func In(values []any) Expr { return SQL("?", bun.In(values)) }
