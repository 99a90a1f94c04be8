package users

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// listExcludeRole is NocoBase's users:listExcludeRole, in the request's
// data scope: the filter the ACL merged into the params applies, the
// request's own filter may name only fields it may read, and each record
// holds only what the params' fields, except and appends ask for and the
// request may read, never a hidden field. What it may read of users is
// what its own grant allows (the fields the ACL left in the params, all
// when it left no limit) and what ActionContext.Readable allows; of an
// appended association's collection, what Readable allows.
func (a *actions) listExcludeRole(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := r.Context()
	p := ac.Params
	roles, err := roleNames(p["roleName"])
	if err != nil {
		return nil, err
	}
	page, err := positiveInt(p, "page", 1)
	if err != nil {
		return nil, err
	}
	pageSize, err := positiveInt(p, "pageSize", listDefaultPageSize)
	if err != nil {
		return nil, err
	}
	pageSize = min(pageSize, listMaxPageSize)
	rs, err := newReadScope(ac, a.schema)
	if err != nil {
		return nil, err
	}
	pr, err := a.listProjection(p, rs)
	if err != nil {
		return nil, err
	}
	if err := a.checkRequestFilter(ctx, ac, rs); err != nil {
		return nil, err
	}
	rows := reflect.New(reflect.SliceOf(reflect.PointerTo(a.model)))
	q, err := a.excludeRoleQuery(ctx, rows.Interface(), roles, p["filter"])
	if err != nil {
		return nil, err
	}
	for _, rel := range pr.appends {
		q = q.Relation(rel.GoName())
	}
	pk := a.schema.PKs()[0]
	count, err := q.OrderExpr("?.? ASC", bun.Ident(a.schema.Alias), bun.Ident(pk.Column)).
		Limit(int64(pageSize)).Offset(int64(page-1) * int64(pageSize)).ScanAndCount(ctx)
	if err != nil {
		return nil, err
	}
	data := make([]any, 0, rows.Elem().Len())
	for i := range rows.Elem().Len() {
		data = append(data, pr.record(a.schema, rows.Elem().Index(i), rs.set(a.schema)))
	}
	return &resourcer.Response{Data: data, Meta: resourcer.PageMeta(count, page, pageSize)}, nil
}

// excludeRoleQuery selects the users who hold none of roles and match
// filter.
func (a *actions) excludeRoleQuery(ctx context.Context, rows any, roles []string, filter any) (*bun.SelectQuery, error) {
	pk := a.schema.PKs()[0]
	having := a.db.NewSelect().Model((*RoleUser)(nil)).ColumnExpr("1").
		Where("? = ?.?", bun.Ident("rolesUsers.userId"), bun.Ident(a.schema.Alias), bun.Ident(pk.Column)).
		Where("? IN (?)", bun.Ident("rolesUsers.roleName"), bun.List(roles))
	q := a.db.NewSelect().Model(rows).Where("NOT EXISTS (?)", having)
	return filterop.ApplyWith(a.filters, ctx, q, a.schema, filter)
}

// checkRequestFilter holds the filter the client sent itself (before the
// ACL merged its own in) to what it may read: a filter on a column the
// request cannot see would answer yes/no questions about it. The ACL's
// filter may name columns the role does not read (createdById).
func (a *actions) checkRequestFilter(ctx context.Context, ac *resourcer.ActionContext, rs *readScope) error {
	f, ok := ac.RequestParams["filter"]
	if !ok || f == nil || rs.fn == nil {
		return nil
	}
	_, err := a.filters.Where(filterop.WithFieldGuard(ctx, rs.guard), a.schema, f)
	return err
}

// userProjection is what a listed record holds: the keys to keep (nil:
// every readable one), the keys to drop, and the associations to load.
type userProjection struct {
	keep    map[string]bool
	drop    map[string]bool
	appends []*filterop.Relation
	rs      *readScope
}

// listProjection reads fields, except and appends, as resourcer/crud
// does. A name the request may not read answers as one that does not
// exist; an empty fields list is a 400 (the ACL answers 403 when a
// request's fields miss the grant's, so an empty list here is a bug, not
// a request for everything).
func (a *actions) listProjection(p resourcer.Params, rs *readScope) (*userProjection, error) {
	pr := &userProjection{rs: rs}
	set := rs.set(a.schema)
	fields, err := nameList(p, "fields")
	if err != nil {
		return nil, err
	}
	appends, err := nameList(p, "appends")
	if err != nil {
		return nil, err
	}
	except, err := nameList(p, "except")
	if err != nil {
		return nil, err
	}
	for _, n := range appends {
		if err := pr.addRelation(a.schema, set, strings.SplitN(n, ".", 2)[0], "appends"); err != nil {
			return nil, err
		}
	}
	if err := pr.keepFields(a.schema, set, fields); err != nil {
		return nil, err
	}
	for _, n := range except {
		f, ok := a.schema.Field(n)
		if !ok || !set.field(f) {
			return nil, statusError(http.StatusBadRequest, "except: %s has no field %s", a.schema.Table, n)
		}
		if pr.drop == nil {
			pr.drop = map[string]bool{}
		}
		pr.drop[f.Key] = true
	}
	return pr, nil
}

// keepFields limits the record to fields; an association among them is
// appended.
func (pr *userProjection) keepFields(s *filterop.Schema, set *readSet, fields []string) error {
	if fields == nil {
		return nil
	}
	fields = slices.DeleteFunc(fields, func(n string) bool { return n == "" })
	if len(fields) == 0 {
		return statusError(http.StatusBadRequest, "fields: the list is empty")
	}
	pr.keep = map[string]bool{}
	for _, n := range fields {
		if _, isRel := s.Relation(n); isRel {
			if err := pr.addRelation(s, set, n, "fields"); err != nil {
				return err
			}
			continue
		}
		f, ok := s.Field(n)
		if !ok || !set.field(f) {
			return statusError(http.StatusBadRequest, "fields: %s has no field %s", s.Table, n)
		}
		pr.keep[f.Key] = true
	}
	for _, rel := range pr.appends {
		pr.keep[rel.Name] = true
	}
	return nil
}

func (pr *userProjection) addRelation(s *filterop.Schema, set *readSet, name, param string) error {
	rel, ok := s.Relation(name)
	if !ok || !set.relation(rel) {
		return statusError(http.StatusBadRequest, "%s: %s has no association %s", param, s.Table, name)
	}
	if !slices.Contains(pr.appends, rel) {
		pr.appends = append(pr.appends, rel)
	}
	if pr.keep != nil {
		pr.keep[rel.Name] = true
	}
	return nil
}

func (pr *userProjection) wants(key string) bool {
	return !pr.drop[key] && (pr.keep == nil || pr.keep[key])
}

// record turns a loaded user into the JSON object the action returns:
// the readable fields the projection keeps, and the appended associations
// with what the request may read of their collections.
func (pr *userProjection) record(s *filterop.Schema, v reflect.Value, set *readSet) map[string]any {
	v = reflect.Indirect(v)
	out := make(map[string]any, len(s.Fields()))
	for _, f := range s.Fields() {
		if set.field(f) && pr.wants(f.Key) {
			out[f.Key] = f.Bun().Value(v).Interface()
		}
	}
	for _, rel := range pr.appends {
		if pr.wants(rel.Name) {
			out[rel.Name] = appended(rel, v.FieldByName(rel.GoName()), pr.rs.set(rel.Schema))
		}
	}
	return out
}

// appended is an association's loaded records, each holding the fields
// that may be read of its collection.
func appended(rel *filterop.Relation, v reflect.Value, set *readSet) any {
	plain := &userProjection{}
	if !rel.ToMany() {
		if v.IsNil() {
			return nil
		}
		return plain.record(rel.Schema, v, set)
	}
	list := make([]any, 0, v.Len())
	for i := range v.Len() {
		list = append(list, plain.record(rel.Schema, v.Index(i), set))
	}
	return list
}

// roleNames reads roleName: a name or a list of names.
func roleNames(v any) ([]string, error) {
	var names []string
	switch x := v.(type) {
	case string:
		names = []string{x}
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, statusError(http.StatusBadRequest, "roleName must be a role name or a list of names")
			}
			names = append(names, s)
		}
	case []string:
		names = x
	case nil:
	default:
		return nil, statusError(http.StatusBadRequest, "roleName must be a role name or a list of names")
	}
	names = slices.DeleteFunc(slices.Clone(names), func(s string) bool { return s == "" })
	if len(names) == 0 {
		return nil, statusError(http.StatusBadRequest, "roleName is required")
	}
	return names, nil
}

// positiveInt reads a positive whole number, at most MaxInt32, given as a
// JSON number or a string.
func positiveInt(p resourcer.Params, key string, def int) (int, error) {
	if v, ok := p[key]; !ok || v == nil {
		return def, nil
	}
	if n, ok := wholeNumber(p[key]); ok && n >= 1 && n <= math.MaxInt32 {
		return int(n), nil
	}
	return 0, statusError(http.StatusBadRequest, "%s must be a positive whole number", key)
}

// wholeNumber reads a whole number given as a JSON number (float64 or
// json.Number, as request JSON is decoded), a Go integer or a string.
func wholeNumber(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && x >= math.MinInt64 && x < math.MaxInt64 {
			return int64(x), true
		}
	case json.Number:
		return parseWhole(string(x))
	case string:
		return parseWhole(x)
	case int:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// parseWhole reads "12", and "12.0" or "1e3", which are whole too.
func parseWhole(s string) (int64, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return wholeNumber(f)
}
