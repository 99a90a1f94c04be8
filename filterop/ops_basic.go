package filterop

import (
	"math"
	"strconv"

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

// scalar checks a value is a JSON scalar, converting numbers and booleans
// to strings for a string field (so PostgreSQL compares text with text).
func scalar(c *Cond, v any) (any, error) {
	switch x := v.(type) {
	case nil, string:
		return x, nil
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
	case int, int64, int32:
		f, _ := toFloat(x)
		return scalar(c, f)
	}
	return nil, c.Errorf("%s wants a string, number, boolean or null, not %T", c.Operator, v)
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
