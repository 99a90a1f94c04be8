package crud

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

func (r *Resource) create(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := req.Context()
	a, err := r.decodeValues(ctx, ac.Params, false)
	if err != nil {
		return nil, err
	}
	if err := r.insert(ctx, r.db, a); err != nil {
		return nil, err
	}
	return record(r.schema, a.model, r.writtenProjection(ac)), nil
}

// HookColumns is implemented by models, or structs they embed, whose
// BeforeAppendModel hook fills columns itself (users.Audit fills
// createdById and updatedById): crud writes only the columns a request
// set, so it adds these. As for ServerColumns, crud asks the model and each
// struct it embeds.
type HookColumns interface {
	HookColumns(ctx context.Context, insert bool) []string
}

// hookColumns adds to columns those the model's hooks fill.
func (r *Resource) hookColumns(ctx context.Context, model reflect.Value, insert bool, columns []string) []string {
	for _, part := range r.modelParts(model) {
		if h, ok := part.(HookColumns); ok {
			columns = appendNew(columns, h.HookColumns(ctx, insert)...)
		}
	}
	return columns
}

// insert runs one INSERT … RETURNING *, which fills the model with what
// the database stored (keys, defaults).
func (r *Resource) insert(ctx context.Context, db bun.IDB, a *assignment) error {
	q := db.NewInsert().Model(a.model.Interface())
	if !a.empty() {
		q = q.Column(r.hookColumns(ctx, a.model, true, append(slices.Clone(a.columns), a.nulls...))...)
	}
	for _, c := range a.nulls {
		q = q.Value(c, "NULL")
	}
	if _, err := q.Returning("*").Exec(ctx); err != nil {
		return r.dbError(ctx, err)
	}
	return nil
}

// writtenProjection trims the records a write returns to what the request
// may read of the resource: a role that may update rows but read only some
// of their fields gets only those back (only the key when it may read
// none). Hidden fields never appear.
func (r *Resource) writtenProjection(ac *resourcer.ActionContext) *projection {
	rd := r.readable(ac)
	if rd == nil {
		return nil
	}
	return &projection{keep: rd.set(r.schema).keys(r.schema)}
}

// requestScope checks that an update or destroy was given, by the request
// itself, filterByTk or a filter that selects something: the filter an
// ACL adds (own rows, say) must not turn a bare "DELETE /api/posts" into
// "every row I may touch". The request's filter may also name only what it
// may read, as on list.
func (r *Resource) requestScope(ctx context.Context, ac *resourcer.ActionContext, action string) error {
	if err := r.checkRequest(ctx, ac, r.readable(ac), false); err != nil {
		return err
	}
	rp := ac.RequestParams
	if rp == nil {
		rp = ac.Params // built by hand, not by a Resourcer: nothing was merged in
	}
	if v, ok := rp["filterByTk"]; ok && v != nil {
		return nil
	}
	if f, ok := rp["filter"]; ok && f != nil {
		expr, err := r.filters.Where(ctx, r.schema, f)
		if err != nil || expr != nil {
			return err
		}
	}
	return badRequest("%s needs filterByTk or a filter", action)
}

// writeScope returns the filter of the rows an update or destroy touches:
// the merged params' filter (the request's, ANDed with the ACL's) and
// filterByTk.
func (r *Resource) writeScope(ctx context.Context, ac *resourcer.ActionContext, action string) (filterop.Expr, bool, error) {
	if err := r.requestScope(ctx, ac, action); err != nil {
		return nil, false, err
	}
	filter, byKey, err := r.scope(ctx, ac.Params)
	if err != nil {
		return nil, false, err
	}
	where, err := r.filters.Where(ctx, r.schema, filter)
	if err != nil {
		return nil, false, err
	}
	if where == nil {
		return nil, false, badRequest("%s needs filterByTk or a filter", action)
	}
	return where, byKey, nil
}

// update is one UPDATE … WHERE <scope> RETURNING *: no transaction, no
// SELECT before or after, so that on SQLite it waits for the write lock
// like any single statement (busy_timeout) instead of failing to upgrade a
// read transaction, and on PostgreSQL it costs one round trip.
func (r *Resource) update(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := req.Context()
	where, byKey, err := r.writeScope(ctx, ac, "update")
	if err != nil {
		return nil, err
	}
	a, err := r.decodeValues(ctx, ac.Params, true)
	if err != nil {
		return nil, err
	}
	rows, err := r.updateRows(ctx, r.db, where, a)
	if err != nil {
		return nil, err
	}
	if rows.Len() == 0 && byKey {
		return nil, notFound("%s not found", r.name)
	}
	out := records(r.schema, rows, r.writtenProjection(ac))
	if byKey && len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

// updateRows writes the assignment to the rows where selects and returns
// them as they are now (a []*T), in key order. With nothing to write it
// reads them instead.
func (r *Resource) updateRows(ctx context.Context, db bun.IDB, where filterop.Expr, a *assignment) (reflect.Value, error) {
	rows := r.newRows()
	if a.empty() {
		err := db.NewSelect().Model(rows.Interface()).Where("?", where).
			OrderExpr("? ASC", r.pkIdent()).Scan(ctx)
		if err != nil {
			return reflect.Value{}, r.dbError(ctx, err)
		}
		return rows.Elem(), nil
	}
	q := db.NewUpdate().Model(a.model.Interface())
	if cols := r.hookColumns(ctx, a.model, false, slices.Clone(a.columns)); len(cols) > 0 {
		q = q.Column(cols...)
	}
	for _, c := range a.nulls {
		q = q.Set("? = NULL", bun.Ident(c))
	}
	if _, err := q.Where("?", where).Returning("*").Exec(ctx, rows.Interface()); err != nil {
		return reflect.Value{}, r.dbError(ctx, err)
	}
	r.sortByKey(rows.Elem())
	return rows.Elem(), nil
}

func (r *Resource) pkIdent() bun.Ident {
	return bun.Ident(r.schema.Alias + "." + r.schema.PKs()[0].Column)
}

// sortByKey orders rows (a []*T) by primary key: RETURNING has no ORDER
// BY, and a reply should not depend on the order the database wrote in.
func (r *Resource) sortByKey(rows reflect.Value) {
	pk := r.schema.PKs()[0].Bun()
	keys := make([]reflect.Value, rows.Len())
	for i := range keys {
		keys[i] = pk.Value(rows.Index(i).Elem())
	}
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int { return compareKeys(keys[i], keys[j]) })
	sorted := reflect.MakeSlice(rows.Type(), rows.Len(), rows.Len())
	for to, from := range idx {
		sorted.Index(to).Set(rows.Index(from))
	}
	reflect.Copy(rows, sorted)
}

// compareKeys orders primary-key values: numbers as numbers, strings as
// strings, anything else (a UUID type, say) by its printed form.
func compareKeys(a, b reflect.Value) int {
	switch {
	case a.CanInt():
		return cmp.Compare(a.Int(), b.Int())
	case a.CanUint():
		return cmp.Compare(a.Uint(), b.Uint())
	case a.Kind() == reflect.String:
		return cmp.Compare(a.String(), b.String())
	}
	return cmp.Compare(fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface()))
}

// destroy is one DELETE … WHERE <scope>; it answers the number of rows
// deleted.
func (r *Resource) destroy(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := req.Context()
	where, byKey, err := r.writeScope(ctx, ac, "destroy")
	if err != nil {
		return nil, err
	}
	res, err := r.db.NewDelete().Model(reflect.New(r.model).Interface()).Where("?", where).Exec(ctx)
	if err != nil {
		return nil, r.dbError(ctx, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, r.dbError(ctx, err)
	}
	if n == 0 && byKey {
		return nil, notFound("%s not found", r.name)
	}
	return n, nil
}

func (r *Resource) firstOrCreate(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	return r.upsert(req.Context(), ac, false)
}

func (r *Resource) updateOrCreate(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	return r.upsert(req.Context(), ac, true)
}

// upsert finds the first row (by key) whose filterKeys equal the values'
// (within the params' filter), then returns it (firstOrCreate) or updates
// it (updateOrCreate); with no such row it creates one. It runs in one
// transaction that first takes a lock (tx.go: SQLite's write lock, a
// PostgreSQL advisory lock on the row's identity), so that two requests
// cannot both miss the row and both create it.
func (r *Resource) upsert(ctx context.Context, ac *resourcer.ActionContext, update bool) (any, error) {
	rd := r.readable(ac)
	if err := r.checkRequest(ctx, ac, rd, false); err != nil {
		return nil, err
	}
	match, identity, err := r.upsertMatch(ctx, ac.Params, rd)
	if err != nil {
		return nil, err
	}
	a, err := r.decodeValues(ctx, ac.Params, update)
	if err != nil {
		return nil, err
	}
	create := a.clone() // the hooks of an UPDATE that matched nothing must not leak into the INSERT
	if !update {
		a.columns, a.nulls = nil, nil // firstOrCreate never changes a row it finds
	}
	first := r.db.NewSelect().Model(reflect.New(r.model).Interface()).Column(r.schema.PKs()[0].Column).
		Where("?", match).OrderExpr("? ASC", r.pkIdent()).Limit(1)
	var row reflect.Value
	err = r.inTx(ctx, identity, func(ctx context.Context, db bun.IDB) error {
		rows, err := r.updateRows(ctx, db, filterop.SQL("? IN (?)", r.pkIdent(), first), a)
		if err != nil {
			return err
		}
		if rows.Len() > 0 {
			row = rows.Index(0)
			return nil
		}
		row = create.model
		return r.insert(ctx, db, create)
	})
	if err != nil {
		return nil, err
	}
	return record(r.schema, row, r.writtenProjection(ac)), nil
}

// upsertMatch compiles what identifies the row: each of filterKeys equal
// to its value, within the params' filter. filterKeys act as a filter, so
// they may name only fields the request may read. identity names the row
// being looked for (table, columns and values), for inTx's lock.
func (r *Resource) upsertMatch(ctx context.Context, p resourcer.Params, rd *ReadScope) (filterop.Expr, string, error) {
	keys, err := resourcer.NameList(p, "filterKeys")
	if err != nil {
		return nil, "", err
	}
	if len(keys) == 0 {
		return nil, "", badRequest("filterKeys must name the fields that identify the row")
	}
	values, err := valuesParam(p)
	if err != nil {
		return nil, "", err
	}
	readable := rd.set(r.schema)
	match := map[string]any{}
	for _, k := range keys {
		f, err := r.readField(readable, k, "filterKeys")
		if err != nil {
			return nil, "", err
		}
		v, ok := values[k]
		if !ok {
			v, ok = values[f.Key]
		}
		if !ok {
			return nil, "", badRequest("values.%s: filterKeys need a value", k)
		}
		if hasNUL(v) {
			return nil, "", badRequest("values.%s: contains a NUL byte", k)
		}
		match[f.Column] = map[string]any{"$eq": v}
	}
	identity, err := json.Marshal(match) // map keys sorted: one text per identity
	if err != nil {
		return nil, "", badRequest("values: %v", err)
	}
	scope, _, err := r.scope(ctx, resourcer.Params{"filter": p["filter"]})
	if err != nil {
		return nil, "", err
	}
	if len(scope) > 0 {
		match = map[string]any{"$and": []any{scope, match}}
	}
	expr, err := r.filters.Where(ctx, r.schema, match)
	return expr, r.schema.Table + "\x00" + string(identity), err
}
