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
	c := &compiler{reg: r, ops: *r.ops.Load(), ctx: ctx, vars: VariablesFrom(ctx), tz: timezoneFrom(ctx), dialect: s.Dialect()}
	c.guard, _ = FieldGuardFrom(ctx)
	return c.object("", s, s.Alias, m, 0)
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
func (c *compiler) object(path string, s *Schema, alias string, m map[string]any, depth int) (Expr, error) {
	if depth > c.reg.Limits.MaxDepth {
		return nil, errorf(path, ErrTooComplex, "nested deeper than %d levels", c.reg.Limits.MaxDepth)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same filter always gives the same SQL
	var parts []Expr
	for _, k := range keys {
		v := m[k]
		p := join(path, k)
		var e Expr
		var err error
		switch k {
		case "$and", "$or":
			e, err = c.junction(p, s, alias, k, v, depth)
		case "$not":
			e, err = c.not(p, s, alias, v, depth)
		default:
			if strings.HasPrefix(k, "$") {
				return nil, errorf(p, ErrUnknownOperator, "%s is not a logical operator ($and, $or, $not) and names no field", k)
			}
			e, err = c.key(path, s, alias, k, v, depth)
		}
		if err != nil {
			return nil, err
		}
		if e != nil {
			parts = append(parts, e)
		}
	}
	return joinExprs(" AND ", parts), nil
}

func (c *compiler) junction(path string, s *Schema, alias, op string, v any, depth int) (Expr, error) {
	items, ok := v.([]any)
	if !ok {
		if m, isMap := v.(map[string]any); isMap {
			items = []any{m} // NocoBase accepts a single object
		} else {
			return nil, errorf(path, ErrInvalidValue, "%s wants a list of filters", op)
		}
	}
	var parts []Expr
	for i, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, errorf(join(path, strconv.Itoa(i)), ErrInvalidValue, "%s entries must be filter objects", op)
		}
		e, err := c.object(join(path, strconv.Itoa(i)), s, alias, m, depth+1)
		if err != nil {
			return nil, err
		}
		if e != nil {
			parts = append(parts, e)
		}
	}
	sep := " AND "
	if op == "$or" {
		sep = " OR "
	}
	return joinExprs(sep, parts), nil
}

func (c *compiler) not(path string, s *Schema, alias string, v any, depth int) (Expr, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(path, ErrInvalidValue, "$not wants a filter object")
	}
	e, err := c.object(path, s, alias, m, depth+1)
	if err != nil || e == nil {
		return e, err
	}
	return SQL("NOT (?)", e), nil
}

// key compiles one field key: "title", "title.$includes",
// "createdBy.nickname", "createdBy.nickname.$eq", or an association with a
// nested filter.
func (c *compiler) key(parent string, s *Schema, alias, key string, v any, depth int) (Expr, error) {
	path := join(parent, key)
	segs := strings.Split(key, ".")
	op := ""
	if last := segs[len(segs)-1]; strings.HasPrefix(last, "$") {
		op, segs = last, segs[:len(segs)-1]
	}
	if len(segs) == 0 {
		return nil, errorf(path, ErrUnknownField, "no field before %s", op)
	}
	if rel, ok := s.Relation(segs[0]); ok {
		return c.relationKey(parent, s, alias, rel, segs, op, v, depth)
	}
	if len(segs) > 1 {
		return nil, errorf(path, ErrUnknownField, "%s is not an association of %s", segs[0], s.Table)
	}
	return c.fieldKey(path, s, alias, segs[0], op, v)
}

// relationKey compiles a key whose first segment, segs[0], names the
// association rel: the rest of the key (and op) or the value, an object,
// is a filter on its target.
func (c *compiler) relationKey(parent string, s *Schema, alias string, rel *Relation, segs []string, op string, v any, depth int) (Expr, error) {
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
		return nil, err
	}
	rest := strings.Join(segs[1:], ".")
	var inner map[string]any
	switch {
	case rest == "" && op == "":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, errorf(path, ErrInvalidValue, "association %s wants a filter object", head)
		}
		inner = m
	case rest == "":
		return nil, errorf(path, ErrInvalidValue, "association %s cannot take %s; name one of its fields", head, op)
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
func (c *compiler) fieldKey(path string, s *Schema, alias, name, op string, v any) (Expr, error) {
	f, ok := s.Field(name)
	if !ok || f.Hidden {
		return nil, errorf(path, ErrUnknownField, "%s has no field %s", s.Table, name)
	}
	if err := c.check(path, s, f.Key, fmt.Sprintf("%s has no field %s", s.Table, name)); err != nil {
		return nil, err
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
	var parts []Expr
	for _, o := range ops {
		e, err := c.operator(join(path, o), f, column, o, m[o])
		if err != nil {
			return nil, err
		}
		parts = append(parts, e)
	}
	return joinExprs(" AND ", parts), nil
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

func (c *compiler) operator(path string, f *Field, column Expr, op string, v any) (Expr, error) {
	fn, ok := c.ops[op]
	if !ok {
		return nil, errorf(path, ErrUnknownOperator, "%s is not a known operator", op)
	}
	c.conditions++
	if c.conditions > c.reg.Limits.MaxConditions {
		return nil, errorf(path, ErrTooComplex, "more than %d conditions", c.reg.Limits.MaxConditions)
	}
	v, err := c.fill(path, v, 0)
	if err != nil {
		return nil, err
	}
	e, err := fn(&Cond{Ctx: c.ctx, Field: f, Column: column, Operator: op, Value: v, Path: path, Dialect: c.dialect, Timezone: c.tz, Limits: c.reg.Limits})
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, errorf(path, ErrInvalidValue, "operator %s produced no condition", op)
	}
	return SQL("(?)", e), nil
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

// exists compiles a condition on an association as EXISTS over its table,
// so that a to-many association matches when any related row does.
func (c *compiler) exists(path string, s *Schema, alias string, rel *Relation, inner map[string]any, depth int) (Expr, error) {
	if depth+1 > c.reg.Limits.MaxDepth {
		return nil, errorf(path, ErrTooComplex, "nested deeper than %d levels", c.reg.Limits.MaxDepth)
	}
	c.conditions++
	if c.conditions > c.reg.Limits.MaxConditions {
		return nil, errorf(path, ErrTooComplex, "more than %d conditions", c.reg.Limits.MaxConditions)
	}
	c.aliases++
	if c.aliases > c.reg.Limits.MaxAssociations {
		return nil, errorf(path, ErrTooComplex, "more than %d association conditions", c.reg.Limits.MaxAssociations)
	}
	ra := fmt.Sprintf("%s__%s_%d", alias, rel.Name, c.aliases)
	cond, err := c.object(path, rel.Schema, ra, inner, depth+1)
	if err != nil || cond == nil {
		return nil, err // an empty association filter, like an empty filter, asks nothing
	}
	r := rel.rel
	switch r.Type {
	case schema.BelongsToRelation, schema.HasOneRelation, schema.HasManyRelation:
		on := pairs(alias, r.BasePKs, ra, r.JoinPKs)
		return existsSQL(rel.Schema.Table, ra, on, cond), nil
	case schema.ManyToManyRelation:
		ma := ra + "_m2m"
		on := joinExprs(" AND ", []Expr{pairs(ma, r.M2MBasePKs, alias, r.BasePKs), pairs(ma, r.M2MJoinPKs, ra, r.JoinPKs)})
		where := joinExprs(" AND ", []Expr{on, cond})
		return SQL("EXISTS (SELECT 1 FROM ? AS ?, ? AS ? WHERE ?)",
			bun.Ident(r.M2MTable.Name), bun.Ident(ma), bun.Ident(rel.Schema.Table), bun.Ident(ra), where), nil
	}
	return nil, errorf(path, ErrUnknownField, "association %s cannot be filtered", rel.Name)
}

func existsSQL(table, alias string, on, cond Expr) Expr {
	where := joinExprs(" AND ", []Expr{on, cond})
	return SQL("EXISTS (SELECT 1 FROM ? AS ? WHERE ?)", bun.Ident(table), bun.Ident(alias), where)
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
