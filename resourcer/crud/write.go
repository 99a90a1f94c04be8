package crud

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

var errorsAs = errors.As

func (r *Resource) create(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := req.Context()
	a, err := r.decodeValues(ac.Params, false)
	if err != nil {
		return nil, err
	}
	if err := r.insert(ctx, r.db, a); err != nil {
		return nil, err
	}
	return record(r.schema, a.model, nil), nil
}

// HookColumns is implemented by models whose BeforeAppendModel hook fills
// columns itself (users.Audit fills createdById and updatedById): crud
// writes only the columns a request set, so it adds these.
type HookColumns interface {
	HookColumns(ctx context.Context, insert bool) []string
}

func hookColumns(ctx context.Context, model reflect.Value, insert bool, columns []string) []string {
	h, ok := model.Interface().(HookColumns)
	if !ok {
		return columns
	}
	for _, c := range h.HookColumns(ctx, insert) {
		if !slices.Contains(columns, c) {
			columns = append(columns, c)
		}
	}
	return columns
}

func (r *Resource) insert(ctx context.Context, db bun.IDB, a *assignment) error {
	q := db.NewInsert().Model(a.model.Interface())
	if len(a.columns)+len(a.nulls) > 0 {
		q = q.Column(hookColumns(ctx, a.model, true, append(slices.Clone(a.columns), a.nulls...))...)
	}
	for _, c := range a.nulls {
		q = q.Value(c, "NULL")
	}
	if _, err := q.Returning("*").Exec(ctx); err != nil {
		return r.dbError(ctx, err)
	}
	return nil
}

// matchedKeys returns the primary keys of the rows filter selects.
func (r *Resource) matchedKeys(ctx context.Context, db bun.IDB, filter map[string]any) ([]any, error) {
	pk := r.schema.PKs()[0]
	rows := r.newRows()
	q, err := r.selectQuery(ctx, db, rows.Interface(), filter, &projection{columns: []string{pk.Column}})
	if err != nil {
		return nil, err
	}
	if err := q.Scan(ctx); err != nil {
		return nil, r.dbError(ctx, err)
	}
	keys := make([]any, rows.Elem().Len())
	for i := range keys {
		keys[i] = pk.Bun().Value(rows.Elem().Index(i).Elem()).Interface()
	}
	return keys, nil
}

// writeScope reads the rows an update or destroy may touch; it refuses to
// touch every row for want of a filter.
func (r *Resource) writeScope(ctx context.Context, p resourcer.Params, action string) (map[string]any, bool, error) {
	filter, byKey, err := r.scope(ctx, p)
	if err != nil {
		return nil, false, err
	}
	if len(filter) == 0 {
		return nil, false, badRequest("%s needs filterByTk or a filter", action)
	}
	return filter, byKey, nil
}

func (r *Resource) update(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := req.Context()
	filter, byKey, err := r.writeScope(ctx, ac.Params, "update")
	if err != nil {
		return nil, err
	}
	a, err := r.decodeValues(ac.Params, true)
	if err != nil {
		return nil, err
	}
	var out []any
	err = r.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		keys, err := r.matchedKeys(ctx, tx, filter)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		out, err = r.updateKeys(ctx, tx, keys, a)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 && byKey {
		return nil, notFound("%s not found", r.name)
	}
	if byKey && len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

// updateKeys writes the assignment to the rows with these keys and returns
// them as they are now.
func (r *Resource) updateKeys(ctx context.Context, db bun.IDB, keys []any, a *assignment) ([]any, error) {
	pkFilter := map[string]any{r.schema.PKs()[0].Column: map[string]any{"$in": keys}}
	if len(a.columns)+len(a.nulls) > 0 {
		q := db.NewUpdate().Model(a.model.Interface())
		if cols := hookColumns(ctx, a.model, false, slices.Clone(a.columns)); len(cols) > 0 {
			q = q.Column(cols...)
		}
		for _, c := range a.nulls {
			q = q.Set("? = NULL", bun.Ident(c))
		}
		q, err := filterop.ApplyWith(r.filters, ctx, q, r.schema, pkFilter)
		if err != nil {
			return nil, err
		}
		if _, err := q.Exec(ctx); err != nil {
			return nil, r.dbError(ctx, err)
		}
	}
	rows := r.newRows()
	q, err := r.selectQuery(ctx, db, rows.Interface(), pkFilter, nil)
	if err != nil {
		return nil, err
	}
	if err := q.OrderExpr("? ASC", bun.Ident(r.schema.Alias+"."+r.schema.PKs()[0].Column)).Scan(ctx); err != nil {
		return nil, r.dbError(ctx, err)
	}
	return records(r.schema, rows.Elem(), nil), nil
}

func (r *Resource) destroy(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := req.Context()
	filter, byKey, err := r.writeScope(ctx, ac.Params, "destroy")
	if err != nil {
		return nil, err
	}
	var n int
	err = r.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		keys, err := r.matchedKeys(ctx, tx, filter)
		if err != nil || len(keys) == 0 {
			return err
		}
		q := tx.NewDelete().Model(reflect.New(r.model).Interface())
		q, err = filterop.ApplyWith(r.filters, ctx, q, r.schema, map[string]any{r.schema.PKs()[0].Column: map[string]any{"$in": keys}})
		if err != nil {
			return err
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return r.dbError(ctx, err)
		}
		affected, _ := res.RowsAffected()
		n = int(affected)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n == 0 && byKey {
		return nil, notFound("%s not found", r.name)
	}
	return n, nil
}

func (r *Resource) firstOrCreate(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	return r.upsert(req.Context(), ac.Params, false)
}

func (r *Resource) updateOrCreate(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	return r.upsert(req.Context(), ac.Params, true)
}

// upsert finds the row whose filterKeys equal the values' (within the
// params' filter), then returns it (firstOrCreate) or updates it
// (updateOrCreate); with no such row it creates one.
func (r *Resource) upsert(ctx context.Context, p resourcer.Params, update bool) (any, error) {
	keys, err := stringList(p, "filterKeys")
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, badRequest("filterKeys must name the fields that identify the row")
	}
	values, _ := p["values"].(map[string]any)
	match := map[string]any{}
	for _, k := range keys {
		f, err := r.field(k, "filterKeys")
		if err != nil {
			return nil, err
		}
		v, ok := values[k]
		if !ok {
			v, ok = values[f.Key]
		}
		if !ok {
			return nil, badRequest("values.%s: filterKeys need a value", k)
		}
		match[f.Column] = map[string]any{"$eq": v}
	}
	scope, _, err := r.scope(ctx, resourcer.Params{"filter": p["filter"]})
	if err != nil {
		return nil, err
	}
	if len(scope) > 0 {
		match = map[string]any{"$and": []any{scope, match}}
	}
	a, err := r.decodeValues(p, update)
	if err != nil {
		return nil, err
	}
	var out any
	err = r.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		found, err := r.matchedKeys(ctx, tx, match)
		if err != nil {
			return err
		}
		if len(found) == 0 {
			if err := r.insert(ctx, tx, a); err != nil {
				return err
			}
			out = record(r.schema, a.model, nil)
			return nil
		}
		if !update {
			a.columns, a.nulls = nil, nil
		}
		rows, err := r.updateKeys(ctx, tx, found[:1], a)
		if err != nil {
			return err
		}
		out = rows[0]
		return nil
	})
	return out, err
}
