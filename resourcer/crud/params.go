package crud

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// stringList reads a params list: ["a","b"] or "a,b".
func stringList(p resourcer.Params, key string) ([]string, error) {
	switch v := p[key].(type) {
	case nil:
		return nil, nil
	case string:
		if v == "" {
			return nil, nil
		}
		return strings.Split(v, ","), nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, badRequest("%s must be a list of names", key)
			}
			out = append(out, s)
		}
		return out, nil
	case []string:
		return v, nil
	}
	return nil, badRequest("%s must be a list of names", key)
}

// intParam reads a positive integer param given as a number or a string.
func intParam(p resourcer.Params, key string, def int) (int, error) {
	switch v := p[key].(type) {
	case nil:
		return def, nil
	case float64:
		if v != math.Trunc(v) || v < 1 || v > math.MaxInt32 {
			return 0, badRequest("%s must be a positive whole number", key)
		}
		return int(v), nil
	case string:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, badRequest("%s must be a positive whole number", key)
		}
		return n, nil
	}
	return 0, badRequest("%s must be a positive whole number", key)
}

func boolParam(p resourcer.Params, key string, def bool) bool {
	switch v := p[key].(type) {
	case bool:
		return v
	case string:
		return v != "false" && v != "0"
	}
	return def
}

// field resolves a name a client used to a model field.
func (r *Resource) field(name, param string) (*filterop.Field, error) {
	f, ok := r.schema.Field(name)
	if !ok || f.Hidden {
		return nil, badRequest("%s: %s has no field %s", param, r.name, name)
	}
	return f, nil
}

// orderTerm is one ORDER BY entry on a validated column.
type orderTerm struct {
	column bun.Ident
	desc   bool
}

// orderBy turns sort ("-createdAt,title" or a list) into ORDER BY terms;
// the primary key ends every order so that pages are stable.
func (r *Resource) orderBy(p resourcer.Params) ([]orderTerm, error) {
	names, err := stringList(p, "sort")
	if err != nil {
		return nil, err
	}
	pk := r.schema.PKs()[0]
	var terms []orderTerm
	sortedPK := false
	for _, n := range names {
		desc := strings.HasPrefix(n, "-")
		f, err := r.field(strings.TrimPrefix(n, "-"), "sort")
		if err != nil {
			return nil, err
		}
		sortedPK = sortedPK || f == pk
		terms = append(terms, orderTerm{bun.Ident(r.schema.Alias + "." + f.Column), desc})
	}
	if !sortedPK {
		terms = append(terms, orderTerm{bun.Ident(r.schema.Alias + "." + pk.Column), false})
	}
	return terms, nil
}

func applyOrder(q *bun.SelectQuery, terms []orderTerm) *bun.SelectQuery {
	for _, t := range terms {
		if t.desc {
			q = q.OrderExpr("? DESC", t.column)
		} else {
			q = q.OrderExpr("? ASC", t.column)
		}
	}
	return q
}

// projection reads fields, except and appends: the columns to select, the
// output keys to keep, and the associations to load.
type projection struct {
	columns []string        // nil: all
	keep    map[string]bool // output keys; nil: all
	drop    map[string]bool
	appends []*filterop.Relation
}

func (r *Resource) projection(p resourcer.Params) (*projection, error) {
	pr := &projection{}
	appends, err := stringList(p, "appends")
	if err != nil {
		return nil, err
	}
	fields, err := stringList(p, "fields")
	if err != nil {
		return nil, err
	}
	except, err := stringList(p, "except")
	if err != nil {
		return nil, err
	}
	seenRel := map[string]bool{}
	addRel := func(name, param string) error {
		rel, ok := r.schema.Relation(name)
		if !ok {
			return badRequest("%s: %s has no association %s", param, r.name, name)
		}
		if !seenRel[rel.Name] {
			seenRel[rel.Name] = true
			pr.appends = append(pr.appends, rel)
		}
		return nil
	}
	for _, a := range appends {
		if err := addRel(strings.SplitN(a, ".", 2)[0], "appends"); err != nil {
			return nil, err
		}
	}
	if len(fields) > 0 {
		pr.keep = map[string]bool{}
		pk := r.schema.PKs()[0]
		pr.columns = append(pr.columns, pk.Column) // relations load by key
		for _, n := range fields {
			if _, isRel := r.schema.Relation(n); isRel {
				if err := addRel(n, "fields"); err != nil {
					return nil, err
				}
				rel, _ := r.schema.Relation(n)
				pr.keep[rel.Name] = true
				continue
			}
			f, err := r.field(n, "fields")
			if err != nil {
				return nil, err
			}
			pr.keep[f.Key] = true
			if f != pk {
				pr.columns = append(pr.columns, f.Column)
			}
		}
		for _, rel := range pr.appends {
			pr.keep[rel.Name] = true
		}
	}
	for _, n := range except {
		f, err := r.field(n, "except")
		if err != nil {
			return nil, err
		}
		if pr.drop == nil {
			pr.drop = map[string]bool{}
		}
		pr.drop[f.Key] = true
	}
	return pr, nil
}

// pkValue reads filterByTk: one key, or a list of keys.
func (r *Resource) pkValues(p resourcer.Params) ([]any, bool, error) {
	v, ok := p["filterByTk"]
	if !ok || v == nil {
		return nil, false, nil
	}
	pk := r.schema.PKs()[0]
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			return nil, false, badRequest("filterByTk is an empty list")
		}
		for _, e := range x {
			if _, scalar := e.(map[string]any); scalar {
				return nil, false, badRequest("filterByTk entries must be keys")
			}
		}
		return x, true, nil
	case string:
		if pk.Type == filterop.TypeNumber && strings.Contains(x, ",") {
			parts := strings.Split(x, ",")
			out := make([]any, len(parts))
			for i, s := range parts {
				out[i] = s
			}
			return out, true, nil
		}
		return []any{x}, true, nil
	case float64, bool:
		return []any{x}, true, nil
	}
	return nil, false, badRequest("filterByTk must be a key or a list of keys, not %s", fmt.Sprintf("%T", v))
}
