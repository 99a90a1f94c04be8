package filterop

// What a compiled condition is on a row of NULLs: the row NocoBase's LEFT
// JOIN gives in place of a missing related row. Knowing it when compiling
// lets an association condition stay a plain (semi-joinable) EXISTS when
// the NULL row cannot match, which is most conditions: a LEFT JOIN inside
// a correlated subquery is evaluated row by row, an order of magnitude
// slower than the semi-join on a large table.

// nullTruth is SQL's three truth values, or nullUnknown for an operator
// whose answer on NULL filterop cannot tell (a registered one).
type nullTruth uint8

const (
	nullUnknown nullTruth = iota
	nullTrue
	nullFalse
	nullNull
)

// part is a compiled condition and its truth on a row of NULLs. A nil
// expr asks nothing (an empty filter) and is left out of a junction.
type part struct {
	expr Expr
	null nullTruth
}

// joinParts joins conditions with AND or OR, as joinExprs, and combines
// their truth on NULLs by SQL's rules.
func joinParts(sep string, parts []part) part {
	exprs := make([]Expr, 0, len(parts))
	truths := make([]nullTruth, 0, len(parts))
	for _, p := range parts {
		if p.expr != nil {
			exprs = append(exprs, p.expr)
			truths = append(truths, p.null)
		}
	}
	if len(exprs) == 0 {
		return part{}
	}
	dominant, identity := nullFalse, nullTrue // AND
	if sep == " OR " {
		dominant, identity = nullTrue, nullFalse
	}
	out := identity
	for _, t := range truths {
		switch {
		case t == dominant:
			return part{expr: joinExprs(sep, exprs), null: dominant}
		case t == nullUnknown:
			out = nullUnknown
		case t == nullNull && out != nullUnknown:
			out = nullNull
		}
	}
	return part{expr: joinExprs(sep, exprs), null: out}
}

func (t nullTruth) not() nullTruth {
	switch t {
	case nullTrue:
		return nullFalse
	case nullFalse:
		return nullTrue
	}
	return t
}

func truthOf(b bool) nullTruth {
	if b {
		return nullTrue
	}
	return nullFalse
}

// nullAnswer says what a built-in operator's condition is on a NULL
// column, given the operator's (filled-in) value; each mirrors the SQL its
// operator writes. An operator not listed is nullUnknown.
var nullAnswer = map[string]func(v any) nullTruth{
	"$eq": func(v any) nullTruth {
		if l, ok := v.([]any); ok {
			return inOnNull(l)
		}
		return truthOrNull(v == nil) // IS NULL, or = v
	},
	"$ne": func(v any) nullTruth {
		switch x := v.(type) {
		case nil:
			return nullFalse // IS NOT NULL
		case []any:
			if listHasNull(x) || len(x) == 0 {
				return nullFalse // 1 = 0
			}
			return nullNull // bare NOT IN
		}
		return nullTrue // (x <> v OR x IS NULL)
	},
	"$in": func(v any) nullTruth {
		if l, ok := v.([]any); ok || v == nil {
			return inOnNull(l)
		}
		return nullNull // a single value: IN (v)
	},
	"$notIn":     func(any) nullTruth { return nullTrue }, // IS NULL, 1 = 1, or ... OR x IS NULL
	"$gt":        alwaysNull,
	"$gte":       alwaysNull,
	"$lt":        alwaysNull,
	"$lte":       alwaysNull,
	"$between":   alwaysNull,
	"$exists":    func(v any) nullTruth { return truthOf(v == false) },
	"$notExists": func(v any) nullTruth { return truthOf(v != false) },
	"$is":        func(v any) nullTruth { return truthOf(v == nil) },
	"$isNot":     func(v any) nullTruth { return truthOf(v != nil) },
	"$isTruly":   func(v any) nullTruth { return truthOrNull(!(v == true || v == "true")) },
	"$isFalsy":   func(v any) nullTruth { return truthOrNull(v == true || v == "true") },
	"$empty":     func(any) nullTruth { return nullTrue },
	"$notEmpty":  func(any) nullTruth { return nullFalse },
	// The array operators are never NULL (ops_array.go).
	"$anyOf":         func(any) nullTruth { return nullFalse },
	"$noneOf":        func(any) nullTruth { return nullTrue },
	"$match":         func(any) nullTruth { return nullFalse },
	"$notMatch":      func(any) nullTruth { return nullFalse },
	"$arrayEmpty":    func(any) nullTruth { return nullTrue },
	"$arrayNotEmpty": func(any) nullTruth { return nullFalse },
}

func init() {
	for _, op := range []string{"$includes", "$startsWith", "$endWith", "$endsWith", "$like", "$iLike"} {
		nullAnswer[op] = textOnNull(false, op == "$includes")
	}
	for _, op := range []string{"$notIncludes", "$notStartsWith", "$notEndWith", "$notEndsWith", "$notLike", "$notILike"} {
		nullAnswer[op] = textOnNull(true, op == "$notIncludes")
	}
	for _, op := range []string{"$dateOn", "$dateBetween", "$dateNotOn", "$dateBefore", "$dateNotBefore", "$dateAfter", "$dateNotAfter"} {
		nullAnswer[op] = alwaysNull
	}
}

func alwaysNull(any) nullTruth { return nullNull }

// truthOrNull is true, or SQL's NULL (a comparison with a NULL column).
func truthOrNull(b bool) nullTruth {
	if b {
		return nullTrue
	}
	return nullNull
}

func listHasNull(l []any) bool {
	for _, e := range l {
		if e == nil {
			return true
		}
	}
	return false
}

// inOnNull: IN of no values is 1 = 0; otherwise NULL.
func inOnNull(l []any) nullTruth {
	for _, e := range l {
		if e != nil {
			return nullNull
		}
	}
	return nullFalse
}

// textOnNull mirrors opMatchText and opLikePattern: null with $includes
// is IS NULL ($notIncludes IS NOT NULL), an empty list 1 = 0 (negated:
// 1 = 1), and a pattern on NULL is NULL, negated or not.
func textOnNull(negate, nullIsNullTest bool) func(any) nullTruth {
	return func(v any) nullTruth {
		if v == nil && nullIsNullTest {
			return truthOf(!negate)
		}
		if items, ok := opListItems(v); ok && len(items) == 0 {
			return truthOf(negate)
		}
		return nullNull
	}
}
