package users

import (
	"context"
	"fmt"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// DepartmentActions returns resourcer handlers that keep the department
// tree's rules on writes, keyed "departments:create", "departments:update"
// and "departments:destroy". Register them before defining the departments
// resource (with resourcer/crud for list and get, say):
//
//	rs.RegisterActionHandlers(users.DepartmentActions(db))
//	crud.Define(rs, crud.Options{DB: db, Model: (*users.Department)(nil)})
//
// create takes values {title, parentId, sort}; update changes title and
// sort and moves the department when parentId changes; destroy refuses a
// department with sub-departments or members. Like resourcer/crud, create
// and update drop, silently, values the params the ACL narrowed do not
// let them write (whitelist, fields, blacklist). GET and HEAD cannot run
// them (resourcer.StateChanging).
func DepartmentActions(db *bun.DB) map[string]http.Handler {
	return map[string]http.Handler{
		"departments:create":  resourcer.StateChanging(resourcer.HandlerFunc(departmentCreate(db))),
		"departments:update":  resourcer.StateChanging(resourcer.HandlerFunc(departmentUpdate(db))),
		"departments:destroy": resourcer.StateChanging(resourcer.HandlerFunc(departmentDestroy(db))),
	}
}

func departmentCreate(db *bun.DB) resourcer.HandlerFunc {
	return func(r *http.Request, ac *resourcer.ActionContext) (any, error) {
		values, err := departmentValues(ac.Params)
		if err != nil {
			return nil, err
		}
		d := &Department{}
		if err := readDepartment(values, d); err != nil {
			return nil, err
		}
		if d.Title == "" {
			return nil, statusError(http.StatusBadRequest, "values.title: a department needs a title")
		}
		if err := CreateDepartment(r.Context(), db, d); err != nil {
			return nil, err
		}
		return d, nil
	}
}

func departmentUpdate(db *bun.DB) resourcer.HandlerFunc {
	return func(r *http.Request, ac *resourcer.ActionContext) (any, error) {
		ctx := r.Context()
		id, err := departmentKey(ac.Params)
		if err != nil {
			return nil, err
		}
		values, err := departmentValues(ac.Params)
		if err != nil {
			return nil, err
		}
		var d Department
		if err := db.NewSelect().Model(&d).Where("? = ?", bun.Ident("id"), id).Limit(1).Scan(ctx); err != nil {
			return nil, statusError(http.StatusNotFound, "department %d not found", id)
		}
		before := d.ParentID
		if err := readDepartment(values, &d); err != nil {
			return nil, err
		}
		var columns []string
		if _, ok := values["title"]; ok {
			if d.Title == "" {
				return nil, statusError(http.StatusBadRequest, "values.title: a department needs a title")
			}
			columns = append(columns, "title")
		}
		if _, ok := values["sort"]; ok {
			columns = append(columns, "sort")
		}
		err = db.RunInTx(ctx, nil, func(_ context.Context, tx bun.Tx) error {
			if len(columns) > 0 {
				columns = append(columns, d.HookColumns(ctx, false)...)
				if _, err := tx.NewUpdate().Model(&d).Column(columns...).WherePK().Exec(ctx); err != nil {
					return err
				}
			}
			if _, moved := values["parentId"]; moved && !sameDepartmentID(before, d.ParentID) {
				return MoveDepartment(ctx, tx, id, d.ParentID)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if err := db.NewSelect().Model(&d).WherePK().Scan(ctx); err != nil {
			return nil, err
		}
		return &d, nil
	}
}

func departmentDestroy(db *bun.DB) resourcer.HandlerFunc {
	return func(r *http.Request, ac *resourcer.ActionContext) (any, error) {
		id, err := departmentKey(ac.Params)
		if err != nil {
			return nil, err
		}
		return nil, DeleteDepartment(r.Context(), db, id)
	}
}

// departmentValues reads params.values, keeping what the params'
// whitelist, fields and blacklist let a write set.
func departmentValues(p resourcer.Params) (map[string]any, error) {
	values, err := valuesOf(p)
	if err != nil {
		return nil, err
	}
	scope, err := readWriteScope(p)
	if err != nil {
		return nil, err
	}
	kept := make(map[string]any, len(values))
	for k, v := range values {
		if scope.allows(k) {
			kept[k] = v
		}
	}
	return kept, nil
}

// readDepartment applies title, parentId and sort from values.
func readDepartment(values map[string]any, d *Department) error {
	for k, v := range values {
		switch k {
		case "title":
			s, ok := v.(string)
			if !ok {
				return statusError(http.StatusBadRequest, "values.title: want a string")
			}
			d.Title = s
		case "parentId":
			if v == nil {
				d.ParentID = nil
				continue
			}
			id, err := wholeID(v)
			if err != nil {
				return statusError(http.StatusBadRequest, "values.parentId: %v", err)
			}
			d.ParentID = &id
		case "sort":
			n, err := wholeID(v)
			if err != nil {
				return statusError(http.StatusBadRequest, "values.sort: %v", err)
			}
			d.Sort = n
		default:
			return statusError(http.StatusBadRequest, "values.%s: departments have title, parentId and sort", k)
		}
	}
	return nil
}

func departmentKey(p resourcer.Params) (int64, error) {
	id, err := wholeID(p["filterByTk"])
	if err != nil {
		return 0, statusError(http.StatusBadRequest, "filterByTk: %v", err)
	}
	return id, nil
}

// wholeID reads a whole number given as a JSON number or a string.
func wholeID(v any) (int64, error) {
	if n, ok := resourcer.WholeNumber(v); ok {
		return n, nil
	}
	return 0, fmt.Errorf("want a whole number, got %v", v)
}
