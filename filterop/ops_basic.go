package filterop

import (
	"github.com/uptrace/bun"
)

// The comparison operators. NocoBase's semantics: a list given to $eq means
// $in; $ne and $notIn also match NULL (SQL's "x <> 1" would not), but a
// list given to $ne is a bare NOT IN, which does not; values compared with
// a string field are compared as strings.

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
		return neList(c)
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

// opIn is SQL's IN, whose null entries never match: {"$in": [1, null]}
// is IN (1), and a list of nulls only matches no row.
func opIn(c *Cond) (Expr, error) {
	vals, _, err := list(c)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return SQL("1 = 0"), nil
	}
	return SQL("? IN (?)", c.Column, In(vals)), nil
}

// opNotIn is NocoBase's (x NOT IN (...) OR x IS NULL). A null entry makes
// SQL's NOT IN unknown for every row, so with one only the NULL rows are
// left, as NocoBase's query returns them.
func opNotIn(c *Cond) (Expr, error) {
	vals, hadNull, err := list(c)
	if err != nil {
		return nil, err
	}
	switch {
	case hadNull:
		return SQL("? IS NULL", c.Column), nil
	case len(vals) == 0:
		return SQL("1 = 1"), nil // NOT IN nothing: every row
	}
	return SQL("(? NOT IN (?) OR ? IS NULL)", c.Column, In(vals), c.Column), nil
}

// neList is NocoBase's $ne with a list: Sequelize's bare NOT IN, so NULL
// rows do not match (unlike $notIn), a null entry makes it unknown for
// every row, and an empty list is NOT IN (NULL), which matches nothing.
func neList(c *Cond) (Expr, error) {
	vals, hadNull, err := list(c)
	if err != nil {
		return nil, err
	}
	if hadNull || len(vals) == 0 {
		return SQL("1 = 0"), nil
	}
	return SQL("? NOT IN (?)", c.Column, In(vals)), nil
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
			if err := booleanField(c); err != nil {
				return nil, err
			}
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
		if err := booleanField(c); err != nil {
			return nil, err
		}
		wantTrue := c.Value == true || c.Value == "true"
		if wantTrue == truly {
			return SQL("? = ?", c.Column, true), nil
		}
		return SQL("(? IS NULL OR ? = ?)", c.Column, c.Column, false), nil
	}
}

// booleanField refuses a truth test on a field that is not boolean.
// PostgreSQL rejects "IS TRUE" and "= true" on any other type (a 500 if it
// got that far) and SQLite would answer by its own truthiness rules, so the
// filter is a 400 on both instead.
func booleanField(c *Cond) error {
	if f := c.Field; f.Type != TypeBool || f.Array {
		return c.Errorf("%s tests true or false; %s is not a boolean field (use $eq, $empty or $exists)", c.Operator, f.Name)
	}
	return nil
}

// list reads a list value; a single value is a list of one, null none.
// Null entries are left out of vals; hadNull says there were some.
func list(c *Cond) (vals []any, hadNull bool, err error) {
	var in []any
	switch v := c.Value.(type) {
	case nil:
		return nil, false, nil
	case []any:
		in = v
	default:
		in = []any{v}
	}
	vals = make([]any, 0, len(in))
	for _, e := range in {
		if e == nil {
			hadNull = true
			continue
		}
		val, err := scalar(c, e)
		if err != nil {
			return nil, false, err
		}
		vals = append(vals, val)
	}
	return vals, hadNull, nil
}

// In wraps a list so that bun writes it as comma-separated values, for
// "x IN (?)"; a nil entry is written as NULL, and an empty list as NULL
// alone (x IN (NULL) matches no row).
func In(values []any) Expr {
	out := make([]any, len(values))
	for i, v := range values {
		if v == nil {
			out[i] = bun.Safe("NULL") // bun cannot format a nil interface
		} else {
			out[i] = v
		}
	}
	return bun.List(out)
}
