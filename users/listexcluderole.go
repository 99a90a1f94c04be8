package users

import (
	"context"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
)

// listExcludeRole is NocoBase's users:listExcludeRole, in the request's
// data scope: the filter the ACL merged into the params applies, the
// request's own filter may name only fields it may read, and each record
// holds only what the params' fields, except and appends ask for and the
// request may read, never a hidden field. The read scope is crud's
// (crud.ReadScope), so that this action and users:list answer alike: of
// users, what ActionContext.Readable and the action's own grant allow
// (crud.ReadScope.AddActionGrant); of an appended association's
// collection, what Readable allows.
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
	if err := rs.CheckRequestFilter(ctx, a.filters, ac); err != nil {
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
		data = append(data, pr.record(a.schema, rows.Elem().Index(i)))
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

// userProjection is what a listed record holds: the keys to keep (nil:
// every readable one), the keys to drop, and the associations to load.
type userProjection struct {
	keep    map[string]bool
	drop    map[string]bool
	appends []*filterop.Relation
	rs      *crud.ReadScope
}

// listProjection reads fields, except and appends, as resourcer/crud
// does. A name the request may not read answers as one that does not
// exist; an empty fields list is a 400 (the ACL answers 403 when a
// request's fields miss the grant's, so an empty list here is a bug, not
// a request for everything).
func (a *actions) listProjection(p resourcer.Params, rs *crud.ReadScope) (*userProjection, error) {
	pr := &userProjection{rs: rs}
	fields, err := resourcer.NameList(p, "fields")
	if err != nil {
		return nil, err
	}
	appends, err := resourcer.NameList(p, "appends")
	if err != nil {
		return nil, err
	}
	except, err := resourcer.NameList(p, "except")
	if err != nil {
		return nil, err
	}
	for _, n := range appends {
		if err := pr.addRelation(a.schema, strings.SplitN(n, ".", 2)[0], "appends"); err != nil {
			return nil, err
		}
	}
	if err := pr.keepFields(a.schema, fields); err != nil {
		return nil, err
	}
	for _, n := range except {
		f, ok := a.schema.Field(n)
		if !ok || !rs.Field(a.schema, f) {
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
func (pr *userProjection) keepFields(s *filterop.Schema, fields []string) error {
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
			if err := pr.addRelation(s, n, "fields"); err != nil {
				return err
			}
			continue
		}
		f, ok := s.Field(n)
		if !ok || !pr.rs.Field(s, f) {
			return statusError(http.StatusBadRequest, "fields: %s has no field %s", s.Table, n)
		}
		pr.keep[f.Key] = true
	}
	for _, rel := range pr.appends {
		pr.keep[rel.Name] = true
	}
	return nil
}

func (pr *userProjection) addRelation(s *filterop.Schema, name, param string) error {
	rel, ok := s.Relation(name)
	if !ok || !pr.rs.Relation(s, rel) {
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
func (pr *userProjection) record(s *filterop.Schema, v reflect.Value) map[string]any {
	v = reflect.Indirect(v)
	out := make(map[string]any, len(s.Fields()))
	for _, f := range s.Fields() {
		if pr.rs.Field(s, f) && pr.wants(f.Key) {
			out[f.Key] = f.Bun().Value(v).Interface()
		}
	}
	for _, rel := range pr.appends {
		if pr.wants(rel.Name) {
			out[rel.Name] = pr.appended(rel, v.FieldByName(rel.GoName()))
		}
	}
	return out
}

// appended is an association's loaded records, each holding the fields
// that may be read of its collection.
func (pr *userProjection) appended(rel *filterop.Relation, v reflect.Value) any {
	plain := &userProjection{rs: pr.rs}
	if !rel.ToMany() {
		if v.IsNil() {
			return nil
		}
		return plain.record(rel.Schema, v)
	}
	list := make([]any, 0, v.Len())
	for i := range v.Len() {
		list = append(list, plain.record(rel.Schema, v.Index(i)))
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

// positiveInt reads page or pageSize: a positive whole number
// (resourcer.PositiveParam), at most MaxInt32 so that the offset stays
// far from int64 overflow.
func positiveInt(p resourcer.Params, key string, def int) (int, error) {
	n, err := resourcer.PositiveParam(p, key, int64(def))
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt32 {
		return 0, statusError(http.StatusBadRequest, "%s: %d is too large, at most %d", key, n, math.MaxInt32)
	}
	return int(n), nil
}

// newReadScope is listExcludeRole's read scope: crud's, over users by the
// resource's name, with the action's own grant counted as readable of
// users.
func newReadScope(ac *resourcer.ActionContext, main *filterop.Schema) (*crud.ReadScope, error) {
	name := ac.ResourceName
	if name == "" {
		name = main.Table
	}
	rs := crud.NewReadScope(ac, main, name)
	if err := rs.AddActionGrant(ac.Params); err != nil {
		return nil, err
	}
	return rs, nil
}
