package filterop

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// The array operators, after NocoBase's operators/array.js, for
// PostgreSQL array columns (bun:",array") and for JSON columns holding an
// array (jsonb on PostgreSQL, JSON text on SQLite; bun also writes
// bun:",array" fields as JSON text on SQLite). Values are strings,
// numbers and booleans, or lists of them (a single value is a list of
// one); null and nested lists or objects are refused.
//
//   - $anyOf: the array holds at least one of the values. NocoBase
//     compares as strings (PostgreSQL's ?| operator), so a JSON element
//     matches a value equal to it as JSON, and a string element also
//     matches a number or boolean value with the same text (["2"] is
//     $anyOf 2). An empty list matches no row.
//   - $noneOf: not $anyOf, so NULL and JSON null columns too (as in
//     NocoBase). An empty list matches every row.
//   - $match: the array holds exactly the values as a set: order and
//     repetition do not count (NocoBase's PostgreSQL @> and <@), and
//     values compare as JSON (1 is not "1"). [] matches empty arrays.
//   - $notMatch: an array (or other non-null value) that does not $match.
//     NULL and JSON null do not match it.
//   - $arrayEmpty: NULL, JSON null, anything that is not an array, or an
//     empty array (NocoBase's COALESCE(json_array_length(x), 0) = 0 on
//     SQLite, made safe on PostgreSQL where jsonb_array_length fails on
//     non-arrays). The value is ignored.
//   - $arrayNotEmpty: an array with at least one element.
//
// When the Go field is a slice of strings, numbers or booleans, values are
// first converted to that element type, on both databases and for both
// storages: text for strings (numbers and booleans as their text), a
// number or numeric string for numbers (whole and in range for integers),
// a boolean or "true"/"false" for booleans; a value that cannot be
// converted is refused rather than left to fail in the database. For a
// PostgreSQL array column the list reaches the database as one array
// literal argument, which takes the column's own type; other element
// types are refused there.
//
// Every array operator is TRUE or FALSE, never NULL, so that NULL, JSON
// null (what bun writes for a nil slice in a JSON column, and for a nil
// bun:",array" slice on SQLite) and $not behave the same on both
// databases.

func init() { operatorFamilies = append(operatorFamilies, arrayOperators) }

func arrayOperators() map[string]OperatorFunc {
	return map[string]OperatorFunc{
		"$anyOf":         opAnyOf(false),
		"$noneOf":        opAnyOf(true),
		"$match":         opArrayMatch(false),
		"$notMatch":      opArrayMatch(true),
		"$arrayEmpty":    opArrayEmpty(true),
		"$arrayNotEmpty": opArrayEmpty(false),
	}
}

// arrayStore is how a column holds its array.
type arrayStore int

const (
	storeJSON    arrayStore = iota + 1 // jsonb on PostgreSQL, JSON text on SQLite
	storePGArray                       // a PostgreSQL array
)

// sqliteElem is the alias of json_each in the SQLite subqueries.
const sqliteElem = "filterop_elem"

// holdsArray says whether a field is meant to hold an array: an array
// field, or a JSON field of a Go slice or array type.
func holdsArray(f *Field) bool {
	if f.Array || f.Type == TypeArray {
		return true
	}
	if f.Type == TypeJSON && f.bun != nil {
		k := f.bun.IndirectType.Kind()
		return k == reflect.Slice || k == reflect.Array
	}
	return false
}

// arrayStorage says how c's column holds an array, or why it cannot.
func arrayStorage(c *Cond) (arrayStore, error) {
	if c.Dialect != "pg" && c.Dialect != "sqlite" {
		return 0, c.Errorf("%s is not supported on %q databases", c.Operator, c.Dialect)
	}
	f := c.Field
	switch {
	case f.Array || f.Type == TypeArray:
		if c.Dialect == "pg" {
			return storePGArray, nil
		}
		return storeJSON, nil
	case f.Type == TypeJSON:
		if f.bun != nil {
			switch f.bun.IndirectType.Kind() {
			case reflect.Map, reflect.Struct:
				return 0, c.Errorf("%s needs an array; %s holds a JSON object (%s)", c.Operator, f.Name, f.bun.IndirectType)
			}
		}
		return storeJSON, nil
	}
	return 0, c.Errorf("%s needs an array or JSON field; %s is a %s field", c.Operator, f.Name, fieldTypeName(f.Type))
}

func fieldTypeName(t FieldType) string {
	switch t {
	case TypeString:
		return "string"
	case TypeNumber:
		return "number"
	case TypeBool:
		return "boolean"
	case TypeTime:
		return "time"
	case TypeArray:
		return "array"
	case TypeJSON:
		return "JSON"
	}
	return "scalar"
}

// arrayElem is one value of an array operator. It is a map key, so a
// number is kept in one form: whole numbers within int64's range as an
// exact int64 (with Float their float64), others as a float64.
type arrayElem struct {
	kind byte // 's' string, 'n' number, 'b' boolean
	s    string
	n    jsonval.Num
	b    bool
}

func numElem(n jsonval.Num) arrayElem {
	if n.IsInt {
		n.Float = float64(n.Int) // -0 is 0
	}
	return arrayElem{kind: 'n', n: n}
}

func (e arrayElem) text() string {
	switch e.kind {
	case 'n':
		return e.n.Text()
	case 'b':
		return strconv.FormatBool(e.b)
	}
	return e.s
}

func (e arrayElem) jsonValue() any {
	switch e.kind {
	case 'n':
		return numberValue(e.n)
	case 'b':
		return e.b
	}
	return e.s
}

// arrayValues reads the value of an array operator: a scalar or a list of
// them, converted to the field's element type when the Go field is a
// slice of strings, numbers or booleans, without duplicates.
func arrayValues(c *Cond) ([]arrayElem, error) {
	if c.Value == nil {
		return nil, c.Errorf("%s needs a value or a list of values, not null", c.Operator)
	}
	items, isList := opListItems(c.Value)
	if !isList {
		items = []any{c.Value}
	}
	out := make([]arrayElem, 0, len(items))
	seen := make(map[arrayElem]bool, len(items))
	for _, item := range items {
		e, err := arrayItem(c, item)
		if err != nil {
			return nil, err
		}
		if elem, ok := arrayElemType(c.Field); ok {
			if e, err = convertElem(c, elem, e); err != nil {
				return nil, err
			}
		}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out, nil
}

// arrayItem reads one value of an array operator.
func arrayItem(c *Cond, item any) (arrayElem, error) {
	switch x := item.(type) {
	case nil:
		return arrayElem{}, c.Errorf("%s values cannot be null", c.Operator)
	case string:
		if err := opCheckText(c, x); err != nil {
			return arrayElem{}, err
		}
		return arrayElem{kind: 's', s: x}, nil
	case bool:
		return arrayElem{kind: 'b', b: x}, nil
	}
	n, ok, err := number(c, item)
	if err != nil {
		return arrayElem{}, err
	}
	if !ok {
		return arrayElem{}, c.Errorf("%s values must be strings, numbers or booleans, not %T", c.Operator, item)
	}
	return numElem(n), nil
}

// arrayOperands reads how the field stores its array and the operator's
// values.
func arrayOperands(c *Cond) (arrayStore, []arrayElem, error) {
	store, err := arrayStorage(c)
	if err != nil {
		return store, nil, err
	}
	vals, err := arrayValues(c)
	return store, vals, err
}

func opAnyOf(none bool) OperatorFunc {
	return func(c *Cond) (Expr, error) {
		store, vals, err := arrayOperands(c)
		if err != nil {
			return nil, err
		}
		if len(vals) == 0 {
			if none {
				return SQL("1 = 1"), nil
			}
			return SQL("1 = 0"), nil
		}
		var hit Expr
		switch {
		case store == storePGArray:
			lit, err := pgArrayLiteral(c, vals)
			if err != nil {
				return nil, err
			}
			hit = SQL("COALESCE(? && ?, FALSE)", c.Column, lit)
		case c.Dialect == "pg":
			// One single-element JSON array per form an element may take:
			// x @> '[v]' holds when the array x has an element v.
			var forms []any
			seen := map[string]bool{}
			for _, v := range vals {
				alts := []any{v.jsonValue()}
				if v.kind != 's' {
					alts = append(alts, v.text())
				}
				for _, a := range alts {
					b, err := json.Marshal([]any{a})
					if err != nil {
						return nil, c.Errorf("%s: %v", c.Operator, err)
					}
					if !seen[string(b)] {
						seen[string(b)] = true
						forms = append(forms, string(b))
					}
				}
			}
			hit = SQL("COALESCE(CAST(? AS jsonb) @> ANY (CAST(ARRAY[?] AS jsonb[])), FALSE)", c.Column, In(forms))
		default:
			hit = SQL("EXISTS (SELECT 1 FROM json_each(?) AS "+sqliteElem+" WHERE ?)",
				sqliteJSONArray(c.Column), sqliteElemMatch(vals, true))
		}
		if none {
			return SQL("NOT (?)", hit), nil
		}
		return hit, nil
	}
}

func opArrayMatch(not bool) OperatorFunc {
	return func(c *Cond) (Expr, error) {
		store, vals, err := arrayOperands(c)
		if err != nil {
			return nil, err
		}
		// match and present are never NULL, so that $not of either
		// means the same on both databases.
		var match, present Expr
		switch {
		case store == storePGArray:
			lit, err := pgArrayLiteral(c, vals)
			if err != nil {
				return nil, err
			}
			match = SQL("COALESCE(? @> ? AND ? <@ ?, FALSE)", c.Column, lit, c.Column, lit)
			present = SQL("? IS NOT NULL", c.Column)
		case c.Dialect == "pg":
			list := make([]any, len(vals))
			for i, v := range vals {
				list[i] = v.jsonValue()
			}
			b, err := json.Marshal(list)
			if err != nil {
				return nil, c.Errorf("%s: %v", c.Operator, err)
			}
			x := SQL("CAST(? AS jsonb)", c.Column)
			match = SQL("COALESCE(jsonb_typeof(?) = 'array' AND ? @> CAST(? AS jsonb) AND ? <@ CAST(? AS jsonb), FALSE)",
				x, x, string(b), x, string(b))
			present = SQL("COALESCE(jsonb_typeof(?) <> 'null', FALSE)", x)
		default:
			// Every element is one of the values, and the elements take
			// as many distinct values as there are. The key keeps JSON
			// values apart by storage class: text for strings, a number
			// for numbers (1 and 1.0 are one), a blob for booleans.
			arr := sqliteJSONArray(c.Column)
			key := SQL("CASE " + sqliteElem + ".type WHEN 'true' THEN x'01' WHEN 'false' THEN x'00' ELSE " + sqliteElem + ".value END")
			match = SQL("? IS NOT NULL"+
				" AND NOT EXISTS (SELECT 1 FROM json_each(?) AS "+sqliteElem+" WHERE NOT (?))"+
				" AND (SELECT COUNT(DISTINCT ?) FROM json_each(?) AS "+sqliteElem+") = ?",
				arr, arr, sqliteElemMatch(vals, false), key, arr, len(vals))
			present = SQL("? IS NOT NULL AND COALESCE(?, '') <> 'null'", c.Column, sqliteJSONType(c.Column))
		}
		if not {
			return SQL("? AND NOT (?)", present, match), nil
		}
		return match, nil
	}
}

func opArrayEmpty(empty bool) OperatorFunc {
	return func(c *Cond) (Expr, error) {
		store, err := arrayStorage(c)
		if err != nil {
			return nil, err
		}
		return arrayEmptiness(c, store, empty)
	}
}

// arrayEmptiness is $arrayEmpty (empty) or $arrayNotEmpty; never NULL.
func arrayEmptiness(c *Cond, store arrayStore, empty bool) (Expr, error) {
	op := ">"
	if empty {
		op = "="
	}
	switch {
	case store == storePGArray:
		return SQL("COALESCE(cardinality(?), 0) "+op+" 0", c.Column), nil
	case c.Dialect == "pg":
		x := SQL("CAST(? AS jsonb)", c.Column)
		notEmpty := SQL("COALESCE(jsonb_typeof(?) = 'array' AND ? <> CAST('[]' AS jsonb), FALSE)", x, x)
		if empty {
			return SQL("NOT ?", notEmpty), nil
		}
		return notEmpty, nil
	case c.Dialect == "sqlite":
		return SQL("COALESCE(json_array_length(?), 0) "+op+" 0", sqliteJSONArray(c.Column)), nil
	}
	return nil, c.Errorf("%s is not supported on %q databases", c.Operator, c.Dialect)
}

// sqliteJSONType is json_type of a SQLite column, NULL when it is NULL or
// not valid JSON (where json_type would fail the query).
func sqliteJSONType(col Expr) Expr {
	return SQL("CASE WHEN json_valid(?) THEN json_type(?) END", col, col)
}

// sqliteJSONArray is the column when it holds a JSON array, else NULL:
// json_each over it yields the array's elements or nothing.
func sqliteJSONArray(col Expr) Expr {
	return SQL("CASE WHEN ? = 'array' THEN ? END", sqliteJSONType(col), col)
}

// sqliteElemMatch is true when the json_each row sqliteElem equals one of
// vals as JSON; lenient also lets a string element equal the text of a
// number or boolean value. Never NULL.
func sqliteElemMatch(vals []arrayElem, lenient bool) Expr {
	var texts, nums []any
	var hasTrue, hasFalse bool
	for _, v := range vals {
		switch v.kind {
		case 's':
			texts = append(texts, v.s)
			continue
		case 'n':
			nums = append(nums, numberValue(v.n))
		case 'b':
			hasTrue = hasTrue || v.b
			hasFalse = hasFalse || !v.b
		}
		if lenient {
			texts = append(texts, v.text())
		}
	}
	var parts []Expr
	if len(texts) > 0 {
		parts = append(parts, SQL(sqliteElem+".type = 'text' AND "+sqliteElem+".value IN (?)", In(texts)))
	}
	if len(nums) > 0 {
		parts = append(parts, SQL(sqliteElem+".type IN ('integer', 'real') AND "+sqliteElem+".value IN (?)", In(nums)))
	}
	if hasTrue {
		parts = append(parts, SQL(sqliteElem+".type = 'true'"))
	}
	if hasFalse {
		parts = append(parts, SQL(sqliteElem+".type = 'false'"))
	}
	if len(parts) == 0 {
		return SQL("1 = 0")
	}
	return joinExprs(" OR ", parts)
}

// pgArrayLiteral writes vals as a PostgreSQL array literal ('{"a","b"}').
// It goes into the query as one string argument; PostgreSQL reads the
// untyped literal as the column's array type.
func pgArrayLiteral(c *Cond, vals []arrayElem) (string, error) {
	if _, ok := arrayElemType(c.Field); !ok {
		return "", c.Errorf("%s: %s is not an array of strings, numbers or booleans", c.Operator, c.Field.Name)
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range v.text() {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

// arrayElemType is the element type of a Go slice or array field of
// strings, numbers or booleans.
func arrayElemType(f *Field) (reflect.Type, bool) {
	if f.bun == nil {
		return nil, false
	}
	t := f.bun.IndirectType
	if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
		return nil, false
	}
	elem := t.Elem()
	for elem.Kind() == reflect.Pointer {
		elem = elem.Elem()
	}
	switch elem.Kind() {
	case reflect.String, reflect.Bool, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return elem, true
	}
	return nil, false
}

// convertElem converts a value to an element of Go type elem: text for
// strings, a number (or numeric string; whole and in range for integers)
// for numbers, a boolean (or "true"/"false") for booleans.
func convertElem(c *Cond, elem reflect.Type, v arrayElem) (arrayElem, error) {
	switch elem.Kind() {
	case reflect.String:
		return arrayElem{kind: 's', s: v.text()}, nil
	case reflect.Bool:
		switch {
		case v.kind == 'b':
			return v, nil
		case v.kind == 's' && (v.s == "true" || v.s == "false"):
			return arrayElem{kind: 'b', b: v.s == "true"}, nil
		}
		return v, c.Errorf("%s: %s holds booleans, not %q", c.Operator, c.Field.Name, v.text())
	case reflect.Float32, reflect.Float64:
		if n, ok := elemNumber(v); ok {
			return numElem(n), nil
		}
		return v, c.Errorf("%s: %s holds numbers, not %q", c.Operator, c.Field.Name, v.text())
	}
	n, ok := elemNumber(v)
	if !ok || !n.IsInt || intOverflows(elem, n.Int) {
		return v, c.Errorf("%s: %s holds integers of type %s, not %q", c.Operator, c.Field.Name, elem, v.text())
	}
	return numElem(n), nil
}

// elemNumber reads a number value, or a string holding a number.
func elemNumber(v arrayElem) (jsonval.Num, bool) {
	switch v.kind {
	case 'n':
		return v.n, true
	case 's':
		return numberText(v.s)
	}
	return jsonval.Num{}, false
}

// intOverflows reports whether i is out of the range of the integer type
// t (for unsigned types, of what PostgreSQL's bigint holds as well).
func intOverflows(t reflect.Type, i int64) bool {
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return i < 0 || reflect.Zero(t).OverflowUint(uint64(i))
	}
	return reflect.Zero(t).OverflowInt(i)
}
