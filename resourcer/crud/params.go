package crud

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// uniqueNames drops empty and repeated names, keeping the first of each;
// a given list stays non-nil even when nothing is left of it.
func uniqueNames(names []string) []string {
	if names == nil {
		return nil
	}
	seen := make(map[string]bool, len(names))
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// maxOffset bounds (page-1)*pageSize. No list pages that deep; the bound
// keeps the arithmetic far from int64 overflow, so that a huge page is a
// 400 rather than a wrap-around to page 1.
const maxOffset = math.MaxInt32

// paging reads page and pageSize; pageSize is clamped to MaxPageSize.
func (r *Resource) paging(p resourcer.Params) (page, pageSize int, err error) {
	pg, err := resourcer.PositiveParam(p, "page", 1)
	if err != nil {
		return 0, 0, err
	}
	size, err := resourcer.PositiveParam(p, "pageSize", int64(r.opts.DefaultPageSize))
	if err != nil {
		return 0, 0, err
	}
	size = min(size, int64(r.opts.MaxPageSize))
	if pg-1 > maxOffset/size {
		return 0, 0, badRequest("page: %d is too far: (page-1)*pageSize may be at most %d", pg, maxOffset)
	}
	return int(pg), int(size), nil
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

// field resolves a name a client used to a model field that is not
// hidden.
func (r *Resource) field(name, param string) (*filterop.Field, error) {
	return r.readField(everything, name, param)
}

// orderTerm is one ORDER BY entry on a validated column.
type orderTerm struct {
	column bun.Ident
	desc   bool
}

// orderBy turns sort ("-createdAt,title" or a list) into ORDER BY terms;
// the primary key ends every order so that pages are stable. A field
// sorted on twice counts once (the first time): a later term on the same
// column cannot change the order, and a long repeated list must not make
// a long ORDER BY.
func (r *Resource) orderBy(p resourcer.Params) ([]orderTerm, error) {
	names, err := resourcer.NameList(p, "sort")
	if err != nil {
		return nil, err
	}
	pk := r.schema.PKs()[0]
	var terms []orderTerm
	seen := map[*filterop.Field]bool{}
	for _, n := range names {
		desc := strings.HasPrefix(n, "-")
		f, err := r.field(strings.TrimPrefix(n, "-"), "sort")
		if err != nil {
			return nil, err
		}
		if f.Type == filterop.TypeJSON || f.Type == filterop.TypeArray {
			// PostgreSQL has no ordering for json, and an order of
			// arrays or documents means nothing to a client.
			return nil, badRequest("sort: %s cannot be sorted by %s, a JSON or array field", r.name, f.Key)
		}
		if !seen[f] {
			seen[f] = true
			terms = append(terms, orderTerm{bun.Ident(r.schema.Alias + "." + f.Column), desc})
		}
	}
	if !seen[pk] {
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

// pkValues reads filterByTk: one key, or a list of keys.
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
	case float64, json.Number, bool:
		return []any{x}, true, nil
	}
	return nil, false, badRequest("filterByTk must be a key or a list of keys, not %s", fmt.Sprintf("%T", v))
}

// projection reads fields, except and appends: the columns to select, the
// output keys to keep, and the associations to load.
type projection struct {
	columns []string        // nil: all
	keep    map[string]bool // output keys; nil: all
	drop    map[string]bool
	appends []*filterop.Relation
	// targets trims the records of an appended association, by its name,
	// to what the request may read of its collection; no entry: every
	// field that is not hidden.
	targets map[string]*projection
}

// defaultMaxFields is Options.MaxFields when it is not set.
const defaultMaxFields = 100

func (r *Resource) maxFields() int {
	if r.opts.MaxFields > 0 {
		return r.opts.MaxFields
	}
	return defaultMaxFields
}

// projectionLists are the deduplicated fields, appends and except.
type projectionLists struct {
	fields, appends, except []string
}

// readLists reads fields, appends and except. Names collapse when
// repeated, and together they may name at most MaxFields: each becomes a
// column or a join, and a database refuses (500) a select list past its
// own limit. fields given as an empty list is a 400: the ACL answers an
// empty intersection of request and grant with 403 before crud runs, and
// no request reaches here meaning "every field" with it.
func (r *Resource) readLists(p resourcer.Params) (projectionLists, error) {
	var l projectionLists
	total := 0
	for _, x := range []struct {
		key string
		dst *[]string
	}{{"fields", &l.fields}, {"appends", &l.appends}, {"except", &l.except}} {
		names, err := resourcer.NameList(p, x.key)
		if err != nil {
			return l, err
		}
		*x.dst = uniqueNames(names)
		total += len(*x.dst)
		if total > r.maxFields() {
			return l, badRequest("%s: more than %d names in fields, appends and except together", x.key, r.maxFields())
		}
	}
	if l.fields != nil && len(l.fields) == 0 {
		return l, badRequest("fields: no field to return")
	}
	return l, nil
}

// projection builds the projection of the params, limited to what rd may
// read: fields, except and appends name only readable fields and
// associations (others answer as if they did not exist), the records of
// the main resource keep only readable keys, and appended records only
// what the request may read of their collection.
func (r *Resource) projection(p resourcer.Params, rd *ReadScope) (*projection, error) {
	l, err := r.readLists(p)
	if err != nil {
		return nil, err
	}
	pr := &projection{}
	main := rd.set(r.schema)
	for _, a := range l.appends {
		head, _, _ := strings.Cut(a, ".")
		rel, err := r.readRelation(main, head, "appends")
		if err != nil {
			return nil, err
		}
		pr.addRelation(rel)
	}
	if l.fields != nil {
		if err := r.selectFields(pr, main, l.fields); err != nil {
			return nil, err
		}
	} else if pr.keep = main.keys(r.schema); pr.keep != nil {
		for _, rel := range pr.appends {
			pr.keep[rel.Name] = true
		}
	}
	for _, n := range l.except {
		f, err := r.readField(main, n, "except")
		if err != nil {
			return nil, err
		}
		if pr.drop == nil {
			pr.drop = map[string]bool{}
		}
		pr.drop[f.Key] = true
	}
	pr.trimTargets(rd)
	return pr, nil
}

func (pr *projection) addRelation(rel *filterop.Relation) {
	for _, have := range pr.appends {
		if have == rel {
			return
		}
	}
	pr.appends = append(pr.appends, rel)
}

// selectFields limits the columns and output keys to fields; an
// association among them is appended.
func (r *Resource) selectFields(pr *projection, main *readSet, fields []string) error {
	pr.keep = map[string]bool{}
	pk := r.schema.PKs()[0]
	pr.columns = append(pr.columns, pk.Column) // relations load by key
	for _, n := range fields {
		if rel, ok := r.schema.Relation(n); ok && main.relation(rel) {
			pr.addRelation(rel)
			continue
		}
		f, err := r.readField(main, n, "fields")
		if err != nil {
			return err
		}
		if !pr.keep[f.Key] && f != pk {
			pr.columns = append(pr.columns, f.Column)
		}
		pr.keep[f.Key] = true
	}
	for _, rel := range pr.appends {
		pr.keep[rel.Name] = true
	}
	return nil
}

// trimTargets limits each appended association's records to what rd may
// read of its collection: only the primary key when nothing.
func (pr *projection) trimTargets(rd *ReadScope) {
	for _, rel := range pr.appends {
		keys := rd.set(rel.Schema).keys(rel.Schema)
		if keys == nil {
			continue
		}
		if pr.targets == nil {
			pr.targets = map[string]*projection{}
		}
		pr.targets[rel.Name] = &projection{keep: keys}
	}
}
