package filterop

import (
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// The string operators, after NocoBase's operators/string.js and the
// Sequelize operators NocoBase passes through ($like, $notLike, $iLike,
// $notILike).
//
// $includes, $startsWith, $endWith (and their negations) match the value
// literally and case-insensitively anywhere in, at the start of, or at the
// end of the column's text. A list of values matches any of them; a
// negated list matches none of them. As in NocoBase:
//
//   - {"$includes": null} is IS NULL and {"$notIncludes": null} IS NOT NULL;
//     the other operators reject null (NocoBase throws on it);
//   - a negated operator does not match rows where the column is NULL
//     (NOT ILIKE on NULL is NULL), unlike $ne and $notIn; every operator
//     here is NULL on a NULL column, on both databases, so $not of one
//     leaves NULL rows out too;
//   - an empty list matches no row for the positive operators and every
//     row for the negated ones ("any of none" and "none of none"), where
//     NocoBase drops the condition and so matches every row either way: a
//     filter whose variable resolves to an empty list must not widen to the
//     whole table.
//
// NocoBase names the suffix operators $endWith and $notEndWith. $endsWith
// is also accepted here, with the same meaning (in NocoBase it falls
// through to Sequelize's case-sensitive, unescaped Op.endsWith), and
// $notEndsWith as its negation.
//
// $like, $notLike, $iLike and $notILike take the value as a LIKE pattern: %
// matches any run of characters, _ any one character, and a backslash
// makes the next character literal (PostgreSQL's default escape, made
// explicit on both databases). $like and $notLike are case-sensitive, as
// LIKE is on PostgreSQL (on SQLite they compile to GLOB, which is);
// $iLike and $notILike are case-insensitive.
//
// Case rules. On PostgreSQL case-insensitive matching is ILIKE over
// CAST(column AS TEXT), which folds every letter the database's locale
// knows. SQLite's LIKE folds ASCII letters only and has no Unicode
// lower(); to get close, a value with non-ASCII letters is also tried in
// its lower-case and upper-case forms (so "HÉLLO" finds "héllo" and
// "Élan" finds "ÉLAN"); only a column text that mixes the cases of
// non-ASCII letters differently from all three forms is missed on SQLite.
//
// Values are strings; numbers and booleans are taken as their text (whole
// numbers with all their digits). A value may not hold a NUL byte or
// invalid UTF-8 (PostgreSQL text cannot), nor be longer than
// Limits.MaxPatternLength bytes (matching costs up to the text's length
// times the pattern's), and a finished pattern may not exceed
// likeMaxPattern bytes (SQLite's limit, for a registry that raises
// MaxPatternLength). Long lists are joined as a balanced tree of ORs (ANDs), since
// SQLite refuses expressions nested over 1000 deep.
//
// The operators apply to string, number and other scalar columns (the
// text of a floating-point column can differ: PostgreSQL writes 0 where
// SQLite writes 0.0); boolean, time, JSON and array columns are refused
// because their text differs between SQLite and PostgreSQL.

func init() { operatorFamilies = append(operatorFamilies, stringOperators) }

func stringOperators() map[string]OperatorFunc {
	return map[string]OperatorFunc{
		"$includes":      opMatchText(likeAnywhere, false),
		"$notIncludes":   opMatchText(likeAnywhere, true),
		"$startsWith":    opMatchText(likePrefix, false),
		"$notStartsWith": opMatchText(likePrefix, true),
		"$endWith":       opMatchText(likeSuffix, false),
		"$notEndWith":    opMatchText(likeSuffix, true),
		"$endsWith":      opMatchText(likeSuffix, false),
		"$notEndsWith":   opMatchText(likeSuffix, true),
		"$like":          opLikePattern(true, false),
		"$notLike":       opLikePattern(true, true),
		"$iLike":         opLikePattern(false, false),
		"$notILike":      opLikePattern(false, true),
	}
}

// likeEscape is the LIKE escape character, named in every ESCAPE clause.
const likeEscape = '\\'

// likeMaxPattern is SQLite's default SQLITE_MAX_LIKE_PATTERN_LENGTH: a
// longer pattern fails there at run time, so it is refused on both
// databases.
const likeMaxPattern = 50000

// likeShape is where a literal value sits in the pattern.
type likeShape int

const (
	likeAnywhere likeShape = iota // %value%
	likePrefix                    // value%
	likeSuffix                    // %value
)

func (s likeShape) pattern(value string) string {
	v := escapeLikeLiteral(value)
	switch s {
	case likePrefix:
		return v + "%"
	case likeSuffix:
		return "%" + v
	}
	return "%" + v + "%"
}

// escapeLikeLiteral makes % _ and the escape character match themselves.
func escapeLikeLiteral(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r == '%' || r == '_' || r == likeEscape {
			b.WriteRune(likeEscape)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// opMatchText compiles $includes, $startsWith, $endWith and negations.
func opMatchText(shape likeShape, negate bool) OperatorFunc {
	return func(c *Cond) (Expr, error) {
		if err := textMatchable(c); err != nil {
			return nil, err
		}
		if c.Value == nil {
			if shape != likeAnywhere {
				return nil, c.Errorf("%s needs a string or a list of strings, not null", c.Operator)
			}
			if negate {
				return SQL("? IS NOT NULL", c.Column), nil
			}
			return SQL("? IS NULL", c.Column), nil
		}
		values, err := textValues(c)
		if err != nil {
			return nil, err
		}
		patterns := make([]string, len(values))
		for i, v := range values {
			patterns[i] = shape.pattern(v)
		}
		return likeAll(c, patterns, false, negate)
	}
}

// opLikePattern compiles $like, $notLike, $iLike and $notILike.
func opLikePattern(caseSensitive, negate bool) OperatorFunc {
	return func(c *Cond) (Expr, error) {
		if err := textMatchable(c); err != nil {
			return nil, err
		}
		if c.Value == nil {
			return nil, c.Errorf("%s needs a pattern or a list of patterns, not null", c.Operator)
		}
		patterns, err := textValues(c)
		if err != nil {
			return nil, err
		}
		for _, p := range patterns {
			if endsInEscape(p) {
				return nil, c.Errorf("%s pattern %q ends with an unescaped backslash; write two for a literal one", c.Operator, p)
			}
		}
		return likeAll(c, patterns, caseSensitive, negate)
	}
}

// endsInEscape says whether a pattern ends with an escape character that
// escapes nothing (PostgreSQL rejects such a pattern; SQLite matches
// nothing).
func endsInEscape(p string) bool {
	n := len(p) - len(strings.TrimRight(p, string(likeEscape)))
	return n%2 == 1
}

// likeAll matches any of the patterns, or with negate none of them. An
// empty list matches no row (none of none: every row). NocoBase drops the
// condition and so matches every row either way; a filter whose variable
// resolves to an empty list must not widen to the whole table.
func likeAll(c *Cond, patterns []string, caseSensitive, negate bool) (Expr, error) {
	if len(patterns) == 0 {
		if negate {
			return SQL("1 = 1"), nil
		}
		return SQL("1 = 0"), nil
	}
	parts := make([]Expr, 0, len(patterns))
	for _, p := range patterns {
		e, err := likeOne(c, p, caseSensitive)
		if err != nil {
			return nil, err
		}
		if negate {
			e = SQL("NOT (?)", e)
		}
		parts = append(parts, e)
	}
	if negate {
		return joinExprs(" AND ", parts), nil
	}
	return joinExprs(" OR ", parts), nil
}

// likeOne matches the column's text against one pattern (escape
// character likeEscape).
func likeOne(c *Cond, pattern string, caseSensitive bool) (Expr, error) {
	// What SQLite would run, checked on both databases so that both
	// refuse the same values.
	sqlite := caseVariants(pattern)
	if caseSensitive {
		sqlite = []string{likeToGlob(pattern)}
	}
	for _, p := range append(sqlite, pattern) {
		if len(p) > likeMaxPattern {
			return nil, c.Errorf("%s pattern is %d bytes long; at most %d are allowed", c.Operator, len(p), likeMaxPattern)
		}
	}
	text := SQL("CAST(? AS TEXT)", c.Column)
	switch c.Dialect {
	case "pg":
		if caseSensitive {
			return SQL(`? LIKE ? ESCAPE '\'`, text, pattern), nil
		}
		return SQL(`? ILIKE ? ESCAPE '\'`, text, pattern), nil
	case "sqlite":
		if caseSensitive {
			return SQL("? GLOB ?", text, sqlite[0]), nil
		}
		parts := make([]Expr, len(sqlite))
		for i, v := range sqlite {
			parts[i] = SQL(`? LIKE ? ESCAPE '\'`, text, v)
		}
		return joinExprs(" OR ", parts), nil
	}
	return nil, c.Errorf("%s is not supported on %q databases", c.Operator, c.Dialect)
}

// likeToGlob turns a LIKE pattern with escape likeEscape into the GLOB
// pattern matching the same strings, case-sensitively.
func likeToGlob(pattern string) string {
	var b strings.Builder
	b.Grow(len(pattern) + 8)
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			escaped = false
			writeGlobLiteral(&b, r)
		case r == likeEscape:
			escaped = true
		case r == '%':
			b.WriteByte('*')
		case r == '_':
			b.WriteByte('?')
		default:
			writeGlobLiteral(&b, r)
		}
	}
	return b.String()
}

func writeGlobLiteral(b *strings.Builder, r rune) {
	switch r {
	case '*', '?', '[':
		b.WriteByte('[')
		b.WriteRune(r)
		b.WriteByte(']')
	default:
		b.WriteRune(r)
	}
}

// caseVariants returns s and, when they differ from it in more than the
// case of ASCII letters (which SQLite's LIKE already ignores), its lower-
// and upper-case forms.
func caseVariants(s string) []string {
	out := []string{s}
	seen := []string{asciiLower(s)}
	for _, v := range []string{strings.ToLower(s), strings.ToUpper(s)} {
		k := asciiLower(v)
		dup := false
		for _, o := range seen {
			if o == k {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, v)
			seen = append(seen, k)
		}
	}
	return out
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// textMatchable refuses columns whose text form differs between the
// databases, so that a filter means the same on both.
func textMatchable(c *Cond) error {
	f := c.Field
	if f.Array {
		return c.Errorf("%s compares text; %s is an array field (use $anyOf, $noneOf or $match)", c.Operator, f.Name)
	}
	switch f.Type {
	case TypeBool:
		return c.Errorf("%s compares text; %s is a boolean field (use $is, $isTruly or $eq)", c.Operator, f.Name)
	case TypeTime:
		return c.Errorf("%s compares text; %s is a time field, whose text differs between databases", c.Operator, f.Name)
	case TypeArray:
		return c.Errorf("%s compares text; %s is an array field (use $anyOf, $noneOf or $match)", c.Operator, f.Name)
	case TypeJSON:
		return c.Errorf("%s compares text; %s is a JSON field, whose text differs between databases", c.Operator, f.Name)
	}
	return nil
}

// textValues reads a string value or a list of them (numbers and
// booleans as their text); a single value is a list of one.
// Each value is a pattern operand, bounded by Limits.MaxPatternLength.
func textValues(c *Cond) ([]string, error) {
	items, isList := opListItems(c.Value)
	if !isList {
		items = []any{c.Value}
	}
	limit := c.Limits.patternLength()
	out := make([]string, 0, len(items))
	for i, item := range items {
		s, err := textValue(c, item)
		if err != nil {
			return nil, err
		}
		if len(s) > limit {
			path := c.Path
			if isList {
				path = join(path, strconv.Itoa(i))
			}
			return nil, errorf(path, ErrTooComplex, "%s operand is %d bytes long; at most %d are allowed (Limits.MaxPatternLength)", c.Operator, len(s), limit)
		}
		out = append(out, s)
	}
	return out, nil
}

func textValue(c *Cond, v any) (string, error) {
	if v == nil {
		return "", c.Errorf("%s list entries cannot be null", c.Operator)
	}
	s, ok := opScalarText(v)
	if !ok {
		return "", c.Errorf("%s wants a string or a list of strings, not %T", c.Operator, v)
	}
	if err := opCheckText(c, s); err != nil {
		return "", err
	}
	return s, nil
}

// opScalarText is the text of a string, boolean or finite number (as
// NocoBase's String(value) writes ordinary numbers; whole numbers exactly).
func opScalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case uint64: // past int64's range too, from a variable
		return strconv.FormatUint(x, 10), true
	}
	if n, ok, err := jsonval.NumberOf(v); ok && err == nil {
		return n.Text(), true
	}
	return "", false
}

// opCheckText refuses strings PostgreSQL cannot hold as text (bun would
// drop or replace the bytes, so the databases would disagree).
func opCheckText(c *Cond, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return c.Errorf("%s value contains a NUL character", c.Operator)
	}
	if !utf8.ValidString(s) {
		return c.Errorf("%s value is not valid UTF-8", c.Operator)
	}
	return nil
}

// opListItems returns the entries of a list value: []any from JSON, or
// any other slice or array a variable may hold (not []byte).
func opListItems(v any) ([]any, bool) {
	switch x := v.(type) {
	case nil, string, []byte:
		return nil, false
	case []any:
		return x, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}
