package filterop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// Where compiles a NocoBase filter for queries on s's model: a
// map[string]any, or its JSON as string, []byte or json.RawMessage. It
// returns nil for an empty filter.
func Where(ctx context.Context, s *Schema, filter any) (Expr, error) {
	return Default().Where(ctx, s, filter)
}

// Apply adds filter to a bun query (*bun.SelectQuery, *bun.UpdateQuery,
// *bun.DeleteQuery) on s's model.
func Apply[Q interface{ Where(string, ...any) Q }](ctx context.Context, q Q, s *Schema, filter any) (Q, error) {
	return ApplyWith(Default(), ctx, q, s, filter)
}

// ApplyWith is Apply with a registry of one's own.
func ApplyWith[Q interface{ Where(string, ...any) Q }](r *Registry, ctx context.Context, q Q, s *Schema, filter any) (Q, error) {
	expr, err := r.Where(ctx, s, filter)
	if err != nil || expr == nil {
		return q, err
	}
	return q.Where("?", expr), nil
}

// Where compiles filter with this registry's operators and limits.
func (r *Registry) Where(ctx context.Context, s *Schema, filter any) (Expr, error) {
	m, err := asFilterObject(filter)
	if err != nil || len(m) == 0 {
		return nil, err
	}
	c := &compiler{reg: r, ops: *r.ops.Load(), custom: r.custom(), ctx: ctx, vars: VariablesFrom(ctx), tz: timezoneFrom(ctx), dialect: s.Dialect()}
	c.guard, _ = FieldGuardFrom(ctx)
	p, err := c.object("", s, s.Alias, m, 0)
	return p.expr, err
}

func asFilterObject(filter any) (map[string]any, error) {
	var raw []byte
	switch f := filter.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return f, nil
	case string:
		raw = []byte(f)
	case []byte:
		raw = f
	case json.RawMessage:
		raw = f
	default:
		b, err := json.Marshal(f)
		if err != nil {
			return nil, errorf("", ErrInvalidValue, "filter of type %T is not JSON: %v", filter, err)
		}
		raw = b
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	// Numbers stay json.Number, so that an int64 id past 2^53 stays exact.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, errorf("", ErrInvalidValue, "not a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf("", ErrInvalidValue, "not a JSON object: data after the object")
	}
	return m, nil
}

type compiler struct {
	reg        *Registry
	ops        map[string]OperatorFunc
	custom     map[string]bool // operators Register added or replaced
	ctx        context.Context
	vars       Variables
	guard      FieldGuard // nil: every field may be named
	tz         string
	dialect    string
	conditions int
	aliases    int // association subqueries so far
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// object compiles {key: value, ...}: the keys are ANDed.
func (c *compiler) object(path string, s *Schema, alias string, m map[string]any, depth int) (part, error) {
	if depth > c.reg.Limits.MaxDepth {
		return part{}, errorf(path, ErrTooComplex, "nested deeper than %d levels", c.reg.Limits.MaxDepth)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same filter always gives the same SQL
	var parts []part
	for _, k := range keys {
		v := m[k]
		p := join(path, k)
		var e part
		var err error
		switch k {
		case "$and", "$or":
			e, err = c.junction(p, s, alias, k, v, depth)
		case "$not":
			e, err = c.not(p, s, alias, v, depth)
		default:
			if strings.HasPrefix(k, "$") {
				return part{}, errorf(p, ErrUnknownOperator, "%s is not a logical operator ($and, $or, $not) and names no field", k)
			}
			e, err = c.key(path, s, alias, k, v, depth)
		}
		if err != nil {
			return part{}, err
		}
		parts = append(parts, e)
	}
	return joinParts(" AND ", parts), nil
}

func (c *compiler) junction(path string, s *Schema, alias, op string, v any, depth int) (part, error) {
	items, ok := v.([]any)
	if !ok {
		if m, isMap := v.(map[string]any); isMap {
			items = []any{m} // NocoBase accepts a single object
		} else {
			return part{}, errorf(path, ErrInvalidValue, "%s wants a list of filters", op)
		}
	}
	parts := make([]part, 0, len(items))
	for i, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			return part{}, errorf(join(path, strconv.Itoa(i)), ErrInvalidValue, "%s entries must be filter objects", op)
		}
		e, err := c.object(join(path, strconv.Itoa(i)), s, alias, m, depth+1)
		if err != nil {
			return part{}, err
		}
		parts = append(parts, e)
	}
	sep := " AND "
	if op == "$or" {
		sep = " OR "
	}
	return joinParts(sep, parts), nil
}

func (c *compiler) not(path string, s *Schema, alias string, v any, depth int) (part, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return part{}, errorf(path, ErrInvalidValue, "$not wants a filter object")
	}
	e, err := c.object(path, s, alias, m, depth+1)
	if err != nil || e.expr == nil {
		return e, err
	}
	return part{expr: SQL("NOT (?)", e.expr), null: e.null.not()}, nil
}

// key compiles one field key: "title", "title.$includes",
// "createdBy.nickname", "createdBy.nickname.$eq", or an association with a
// nested filter.
func (c *compiler) key(parent string, s *Schema, alias, key string, v any, depth int) (part, error) {
	path := join(parent, key)
	segs := strings.Split(key, ".")
	op := ""
	if last := segs[len(segs)-1]; strings.HasPrefix(last, "$") {
		op, segs = last, segs[:len(segs)-1]
	}
	if len(segs) == 0 {
		return part{}, errorf(path, ErrUnknownField, "no field before %s", op)
	}
	if rel, ok := s.Relation(segs[0]); ok {
		return c.relationKey(parent, s, alias, rel, segs, op, v, depth)
	}
	if len(segs) > 1 {
		return part{}, errorf(path, ErrUnknownField, "%s is not an association of %s", segs[0], s.Table)
	}
	return c.fieldKey(path, s, alias, segs[0], op, v)
}

// relationKey compiles a key whose first segment, segs[0], names the
// association rel: the rest of the key (and op) or the value, an object,
// is a filter on its target.
func (c *compiler) relationKey(parent string, s *Schema, alias string, rel *Relation, segs []string, op string, v any, depth int) (part, error) {
	head := segs[0]
	path := join(parent, strings.Join(segs, "."))
	if op != "" {
		path = join(path, op)
	}
	unknown := fmt.Sprintf("%s has no field %s", s.Table, head) // what a name s lacks gets here
	if len(segs) > 1 {
		unknown = fmt.Sprintf("%s is not an association of %s", head, s.Table)
	}
	if err := c.check(path, s, rel.Name, unknown); err != nil {
		return part{}, err
	}
	rest := strings.Join(segs[1:], ".")
	var inner map[string]any
	switch {
	case rest == "" && op == "":
		m, ok := v.(map[string]any)
		if !ok {
			return part{}, errorf(path, ErrInvalidValue, "association %s wants a filter object", head)
		}
		inner = m
	case rest == "" && (op == "$exists" || op == "$notExists"):
		return c.relationExists(path, alias, rel, op, v, depth)
	case rest == "":
		return part{}, errorf(path, ErrInvalidValue, "association %s cannot take %s; name one of its fields", head, op)
	default:
		if op != "" {
			rest += "." + op
		}
		inner = map[string]any{rest: v}
	}
	return c.exists(join(parent, head), s, alias, rel, inner, depth)
}

// fieldKey compiles a key naming a field of s: op applied to the value,
// an object of operators, or a bare value ($eq).
func (c *compiler) fieldKey(path string, s *Schema, alias, name, op string, v any) (part, error) {
	f, ok := s.Field(name)
	if !ok || f.Hidden {
		return part{}, errorf(path, ErrUnknownField, "%s has no field %s", s.Table, name)
	}
	if err := c.check(path, s, f.Key, fmt.Sprintf("%s has no field %s", s.Table, name)); err != nil {
		return part{}, err
	}
	column := bun.Ident(alias + "." + f.Column)
	if op != "" {
		return c.operator(path, f, column, op, v)
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 || !allOperators(m) {
		return c.operator(path, f, column, "$eq", v)
	}
	ops := make([]string, 0, len(m))
	for k := range m {
		ops = append(ops, k)
	}
	sort.Strings(ops)
	parts := make([]part, 0, len(ops))
	for _, o := range ops {
		e, err := c.operator(join(path, o), f, column, o, m[o])
		if err != nil {
			return part{}, err
		}
		parts = append(parts, e)
	}
	return joinParts(" AND ", parts), nil
}

// check asks the FieldGuard whether the filter may name a field or
// association of s. A refusal reads exactly as the error for a name s
// does not have (unknown, the reason filterop gives for one at this
// path), so that an answer never tells an unreadable column from a
// missing one; its Kind and the guard's error it wraps tell them apart.
func (c *compiler) check(path string, s *Schema, name, unknown string) error {
	if c.guard == nil {
		return nil
	}
	if err := c.guard(s, name); err != nil {
		return &Error{Path: path, Kind: ErrFieldNotAllowed, Reason: unknown, cause: err}
	}
	return nil
}

func allOperators(m map[string]any) bool {
	for k := range m {
		if !strings.HasPrefix(k, "$") {
			return false
		}
	}
	return true
}

func (c *compiler) operator(path string, f *Field, column Expr, op string, v any) (part, error) {
	fn, ok := c.ops[op]
	if !ok {
		return part{}, errorf(path, ErrUnknownOperator, "%s is not a known operator", op)
	}
	c.conditions++
	if c.conditions > c.reg.Limits.MaxConditions {
		return part{}, errorf(path, ErrTooComplex, "more than %d conditions", c.reg.Limits.MaxConditions)
	}
	v, err := c.fill(path, v, 0)
	if err != nil {
		return part{}, err
	}
	e, err := fn(&Cond{Ctx: c.ctx, Field: f, Column: column, Operator: op, Value: v, Path: path, Dialect: c.dialect, Timezone: c.tz, Limits: c.reg.Limits})
	if err != nil {
		return part{}, err
	}
	if e == nil {
		return part{}, errorf(path, ErrInvalidValue, "operator %s produced no condition", op)
	}
	return part{expr: SQL("(?)", e), null: c.nullAnswer(op, v)}, nil
}

// nullAnswer is what a built-in operator is on a NULL column; a
// registered operator that replaced or added one is nullUnknown.
func (c *compiler) nullAnswer(op string, v any) nullTruth {
	answer, builtin := nullAnswer[op]
	if !builtin || c.custom[op] {
		return nullUnknown
	}
	return answer(v)
}

// fill replaces {{ }} templates in a value and checks list sizes.
func (c *compiler) fill(path string, v any, depth int) (any, error) {
	if depth > c.reg.Limits.MaxDepth {
		return nil, errorf(path, ErrTooComplex, "value nested deeper than %d levels", c.reg.Limits.MaxDepth)
	}
	switch x := v.(type) {
	case string:
		name, ok := templateName(x)
		if !ok {
			return x, nil
		}
		if c.vars == nil {
			return nil, errorf(path, ErrUnknownVariable, "template {{ %s }} but no variables are set", name)
		}
		val, found := c.vars(name)
		if !found {
			return nil, errorf(path, ErrUnknownVariable, "{{ %s }} names no variable", name)
		}
		if l, ok := asList(val); ok {
			return c.fill(path, l, depth+1) // checks its length and contents
		}
		return val, nil
	case []any:
		if len(x) > c.reg.Limits.MaxValues {
			return nil, errorf(path, ErrTooComplex, "more than %d values", c.reg.Limits.MaxValues)
		}
		out := make([]any, len(x))
		for i, e := range x {
			fv, err := c.fill(join(path, strconv.Itoa(i)), e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = fv
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			fv, err := c.fill(join(path, k), e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = fv
		}
		return out, nil
	}
	return v, nil
}

// templateName reads a whole-value template "{{ path }}".
func templateName(s string) (string, bool) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "{{") || !strings.HasSuffix(t, "}}") || len(t) < 4 {
		return "", false
	}
	return strings.TrimSpace(t[2 : len(t)-2]), true
}

// exists compiles a condition on an association the way NocoBase's
// LEFT JOIN answers it: the condition holds when a related row matches it
// or, when there is no related row at all, when it matches the NULLs the
// join gives in its place ({"author.name": {"$ne": "ann"}} keeps the posts
// without an author, as $ne keeps NULL). A to-many association matches
// when any related row does, and each condition gets a subquery of its
// own (see "Differences from NocoBase" for what that changes).
//
// Most conditions are false or NULL on the row of NULLs; they are a plain
// EXISTS, which the databases run as a semi-join. One that is true there
// on a belongs-to association (at most one related row) is "no related
// row fails it", a NOT EXISTS (an anti-join). The rest (true on NULLs
// through a to-many or has-one association, or unknown there: a
// registered operator) are NocoBase's query itself, an EXISTS over a
// one-row table LEFT JOINed to the related rows, which the databases run
// row by row, many times slower than a semi-join on a large table.
func (c *compiler) exists(path string, s *Schema, alias string, rel *Relation, inner map[string]any, depth int) (part, error) {
	ra, err := c.relationAlias(path, alias, rel, depth)
	if err != nil {
		return part{}, err
	}
	cond, err := c.object(path, rel.Schema, ra, inner, depth+1)
	if err != nil || cond.expr == nil {
		return part{}, err // an empty association filter, like an empty filter, asks nothing
	}
	related, on, err := relatedRows(path, alias, rel, ra)
	if err != nil {
		return part{}, err
	}
	// On a row of NULLs the association has no related row either, so the
	// condition is what its own filter is on NULLs, never NULL itself.
	switch {
	case cond.null == nullFalse || cond.null == nullNull:
		return part{expr: SQL("EXISTS (SELECT 1 FROM ? WHERE ? AND ?)", related, on, cond.expr), null: nullFalse}, nil
	case cond.null == nullTrue && rel.rel.Type == schema.BelongsToRelation:
		return part{expr: SQL("NOT EXISTS (SELECT 1 FROM ? WHERE ? AND (?) IS NOT TRUE)", related, on, cond.expr), null: nullTrue}, nil
	}
	e := SQL("EXISTS (SELECT 1 FROM (SELECT 1 AS ?) AS ? LEFT JOIN ? ON ? WHERE ?)",
		bun.Ident("one"), bun.Ident(ra+"_one"), related, on, cond.expr)
	return part{expr: e, null: cond.null}, nil
}

// relationExists compiles "author.$exists" and "author.$notExists": the
// row has a related row, or has none. As on a field, $exists false is
// $notExists (NocoBase ignores the value; see the package doc).
func (c *compiler) relationExists(path string, alias string, rel *Relation, op string, v any, depth int) (part, error) {
	ra, err := c.relationAlias(path, alias, rel, depth)
	if err != nil {
		return part{}, err
	}
	related, on, err := relatedRows(path, alias, rel, ra)
	if err != nil {
		return part{}, err
	}
	e := SQL("EXISTS (SELECT 1 FROM ? WHERE ?)", related, on)
	want := true
	if b, ok := v.(bool); ok {
		want = b
	}
	if want != (op == "$exists") {
		return part{expr: SQL("NOT ?", e), null: nullTrue}, nil
	}
	return part{expr: e, null: nullFalse}, nil
}

// relationAlias counts one association condition against the limits and
// names the alias of its related table.
func (c *compiler) relationAlias(path, alias string, rel *Relation, depth int) (string, error) {
	if depth+1 > c.reg.Limits.MaxDepth {
		return "", errorf(path, ErrTooComplex, "nested deeper than %d levels", c.reg.Limits.MaxDepth)
	}
	c.conditions++
	if c.conditions > c.reg.Limits.MaxConditions {
		return "", errorf(path, ErrTooComplex, "more than %d conditions", c.reg.Limits.MaxConditions)
	}
	c.aliases++
	if c.aliases > c.reg.Limits.MaxAssociations {
		return "", errorf(path, ErrTooComplex, "more than %d association conditions", c.reg.Limits.MaxAssociations)
	}
	return fmt.Sprintf("%s__%s_%d", alias, rel.Name, c.aliases), nil
}

// relatedRows is the FROM item of an association's rows, aliased ra (a
// many-to-many association's join table and target, joined), and the
// condition tying them to the row of alias.
func relatedRows(path, alias string, rel *Relation, ra string) (from, on Expr, err error) {
	r := rel.rel
	switch r.Type {
	case schema.BelongsToRelation, schema.HasOneRelation, schema.HasManyRelation:
		return SQL("? AS ?", bun.Ident(rel.Schema.Table), bun.Ident(ra)), pairs(alias, r.BasePKs, ra, r.JoinPKs), nil
	case schema.ManyToManyRelation:
		ma := ra + "_m2m"
		from = SQL("(? AS ? INNER JOIN ? AS ? ON ?)", bun.Ident(r.M2MTable.Name), bun.Ident(ma),
			bun.Ident(rel.Schema.Table), bun.Ident(ra), pairs(ma, r.M2MJoinPKs, ra, r.JoinPKs))
		return from, pairs(ma, r.M2MBasePKs, alias, r.BasePKs), nil
	}
	return nil, nil, errorf(path, ErrUnknownField, "association %s cannot be filtered", rel.Name)
}

func pairs(aAlias string, a []*schema.Field, bAlias string, b []*schema.Field) Expr {
	var parts []Expr
	for i := range a {
		if i < len(b) {
			parts = append(parts, SQL("? = ?", bun.Ident(aAlias+"."+a[i].Name), bun.Ident(bAlias+"."+b[i].Name)))
		}
	}
	return joinExprs(" AND ", parts)
}

// joinExprs joins conditions with AND or OR, each in parentheses; nil when
// there are none. The joins nest as a balanced tree, so that a long list
// stays shallow (SQLite refuses expressions nested 1,000 deep).
func joinExprs(sep string, parts []Expr) Expr {
	kept := parts[:0:0]
	for _, p := range parts {
		if p != nil {
			kept = append(kept, p)
		}
	}
	return joinTree(sep, kept)
}

func joinTree(sep string, parts []Expr) Expr {
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}
	mid := len(parts) / 2
	return SQL("(?)"+sep+"(?)", joinTree(sep, parts[:mid]), joinTree(sep, parts[mid:]))
}

// asList turns a typed slice from a variable ([]int64, []string) into the
// []any operators read, keeping its elements' Go values.
func asList(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array || rv.Type().Elem().Kind() == reflect.Uint8 {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}
