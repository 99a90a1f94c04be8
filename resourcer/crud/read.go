package crud

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"reflect"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// newRows returns a *[]*T for the model.
func (r *Resource) newRows() reflect.Value {
	return reflect.New(reflect.SliceOf(reflect.PointerTo(r.model)))
}

// scope returns the rows the action may touch: the params' filter (the
// request's, ANDed with the ACL's) and, when given, filterByTk.
func (r *Resource) scope(ctx context.Context, p resourcer.Params) (filter map[string]any, byKey bool, err error) {
	filter = map[string]any{}
	var parts []any
	if f, ok := p["filter"]; ok && f != nil {
		m, isMap := f.(map[string]any)
		if !isMap {
			return nil, false, badRequest("filter must be an object")
		}
		if len(m) > 0 {
			parts = append(parts, m)
		}
	}
	keys, byKey, err := r.pkValues(p)
	if err != nil {
		return nil, false, err
	}
	if byKey {
		parts = append(parts, map[string]any{r.schema.PKs()[0].Column: map[string]any{"$in": keys}})
	}
	switch len(parts) {
	case 0:
	case 1:
		filter = parts[0].(map[string]any)
	default:
		filter = map[string]any{"$and": parts}
	}
	return filter, byKey, nil
}

// selectQuery builds the SELECT for the action's scope and projection.
func (r *Resource) selectQuery(ctx context.Context, db bun.IDB, rows any, filter map[string]any, pr *projection) (*bun.SelectQuery, error) {
	q := db.NewSelect().Model(rows)
	if pr != nil && pr.columns != nil {
		q = q.Column(pr.columns...)
	}
	q, err := filterop.ApplyWith(r.filters, ctx, q, r.schema, filter)
	if err != nil {
		return nil, err
	}
	if pr != nil {
		for _, rel := range pr.appends {
			q = q.Relation(rel.GoName())
		}
	}
	return q, nil
}

// readPlan is what list and get run: the rows' filter, the projection and
// the order, each checked against what the request may read.
type readPlan struct {
	filter map[string]any
	pr     *projection
	order  []orderTerm
}

// plan checks the request's own filter and sort against what it may read,
// then reads the merged params into a readPlan.
func (r *Resource) plan(ctx context.Context, ac *resourcer.ActionContext) (*readPlan, error) {
	rd := r.readable(ac)
	if err := r.checkRequest(ctx, ac, rd, true); err != nil {
		return nil, err
	}
	filter, _, err := r.scope(ctx, ac.Params)
	if err != nil {
		return nil, err
	}
	pr, err := r.projection(ac.Params, rd)
	if err != nil {
		return nil, err
	}
	order, err := r.orderBy(ac.Params)
	if err != nil {
		return nil, err
	}
	return &readPlan{filter: filter, pr: pr, order: order}, nil
}

func (r *Resource) list(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := req.Context()
	plan, err := r.plan(ctx, ac)
	if err != nil {
		return nil, err
	}
	page, pageSize, err := r.paging(ac.Params)
	if err != nil {
		return nil, err
	}
	rows := r.newRows()
	q, err := r.selectQuery(ctx, r.db, rows.Interface(), plan.filter, plan.pr)
	if err != nil {
		return nil, err
	}
	q = applyOrder(q, plan.order)
	if !boolParam(ac.Params, "paginate", true) {
		if err := q.Scan(ctx); err != nil {
			return nil, r.dbError(ctx, err)
		}
		return records(r.schema, rows.Elem(), plan.pr), nil
	}
	if err := q.Limit(int64(pageSize)).Offset(int64(page-1) * int64(pageSize)).Scan(ctx); err != nil {
		return nil, r.dbError(ctx, err)
	}
	count, err := r.countRows(ctx, plan.filter)
	if err != nil {
		return nil, err
	}
	return &resourcer.Response{
		Data: records(r.schema, rows.Elem(), plan.pr),
		Meta: resourcer.PageMeta(count, page, pageSize),
	}, nil
}

func (r *Resource) get(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := req.Context()
	plan, err := r.plan(ctx, ac)
	if err != nil {
		return nil, err
	}
	rows := r.newRows()
	q, err := r.selectQuery(ctx, r.db, rows.Interface(), plan.filter, plan.pr)
	if err != nil {
		return nil, err
	}
	if err := applyOrder(q, plan.order).Limit(1).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, r.dbError(ctx, err)
	}
	if rows.Elem().Len() == 0 {
		return nil, notFound("%s not found", r.name)
	}
	return record(r.schema, rows.Elem().Index(0), plan.pr), nil
}

func (r *Resource) count(req *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := req.Context()
	if err := r.checkRequest(ctx, ac, r.readable(ac), false); err != nil {
		return nil, err
	}
	filter, _, err := r.scope(ctx, ac.Params)
	if err != nil {
		return nil, err
	}
	return r.countRows(ctx, filter)
}

// countRows counts the rows filter selects. bun's own Count and
// ScanAndCount leave out the comment bun.WithComment puts on the action's
// queries, by which the statement timeout finds and cancels an abandoned
// query on PostgreSQL (see timed), so the count is a plain SELECT over the
// filtered keys.
func (r *Resource) countRows(ctx context.Context, filter map[string]any) (int64, error) {
	// The filter compiles to conditions on the model's own table (an
	// association is an EXISTS), so counting its rows is plain count(*).
	q, err := r.selectQuery(ctx, r.db, r.newRows().Interface(), filter, nil)
	if err != nil {
		return 0, err
	}
	n, err := q.Count(ctx)
	if err != nil {
		return 0, r.dbError(ctx, err)
	}
	return int64(n), nil
}
