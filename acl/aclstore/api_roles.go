package aclstore

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/listapi"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// apiRoleFields are the fields of a role a client may write.
var apiRoleFields = []string{"name", "title", "description", "strategy", "snippets", "allowConfigure", "allowNewMenu", "default", "hidden", "sort"}

// apiReadOnlyFields are fields rows answer with and a client may send back
// unchanged (a form that read the row): they are ignored.
var apiReadOnlyFields = []string{"id", "createdAt", "updatedAt", "createdById", "updatedById"}

// apiRoleFilterFields are the fields roles:list filters by.
var apiRoleFilterFields = []string{"name", "title", "hidden"}

// apiAnonymousRole is the role of requests without a user; roles:list leaves
// it out unless asked (showAnonymous), as NocoBase does.
const apiAnonymousRole = "anonymous"

func (a *api) listRoles(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	filter, err := listapi.ParseFilter(ac.Params["filter"], apiRoleFilterFields)
	if err != nil {
		return nil, err
	}
	showAnonymous := ac.Params["showAnonymous"] == true || ac.Params["showAnonymous"] == "true"
	rows, err := a.s.Roles(r.Context())
	if err != nil {
		return nil, err
	}
	kept := make([]Role, 0, len(rows))
	for _, row := range rows {
		if (showAnonymous || row.Name != apiAnonymousRole) && apiMatchRole(filter, &row) {
			kept = append(kept, row)
		}
	}
	slices.SortFunc(kept, func(x, y Role) int {
		return cmp.Or(cmp.Compare(x.Sort, y.Sort), strings.Compare(x.Name, y.Name))
	})
	return listapi.PageList(ac.Params, kept, a.opts.MaxPageSize)
}

// apiMatchRole reports whether r meets filter on apiRoleFilterFields.
func apiMatchRole(filter listapi.Filter, r *Role) bool {
	return filter.Match("name", r.Name) && filter.Match("title", r.Title) && filter.Match("hidden", strconv.FormatBool(r.Hidden))
}

func (a *api) getRole(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	name, err := apiNameParam(ac.Params, "filterByTk", "filterByTk")
	if err != nil {
		return nil, err
	}
	return a.s.Role(r.Context(), name)
}

// createRole creates a role from values. Without a name it gets one as
// NocoBase's uid field would make it ("r_" and 11 random characters).
func (a *api) createRole(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	vals, err := apiValues(ac.Params)
	if err != nil {
		return nil, err
	}
	role := &Role{}
	if _, err := apiApplyRoleValues(role, vals); err != nil {
		return nil, err
	}
	if role.Name == "" {
		role.Name = apiUID("r_")
	}
	if err := apiCheckName("values.name", role.Name); err != nil {
		return nil, err
	}
	if err := a.s.CreateRole(r.Context(), role); err != nil {
		return nil, err
	}
	return a.s.Role(r.Context(), role.Name)
}

// updateRole changes the fields values gives (NocoBase's update is
// partial). A role's name is its key: values.name may only repeat it.
func (a *api) updateRole(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	name, err := apiNameParam(ac.Params, "filterByTk", "filterByTk")
	if err != nil {
		return nil, err
	}
	vals, err := apiValues(ac.Params)
	if err != nil {
		return nil, err
	}
	old, err := a.s.Role(r.Context(), name)
	if err != nil {
		return nil, err
	}
	role := *old
	columns, err := apiApplyRoleValues(&role, vals)
	if err != nil {
		return nil, err
	}
	if role.Name != name {
		return nil, listapi.BadRequest("values.name: role %q cannot be renamed to %.64q (the name is its key)", name, role.Name)
	}
	columns = slices.DeleteFunc(columns, func(c string) bool { return c == "name" })
	if len(columns) == 0 {
		return old, nil
	}
	if err := a.s.UpdateRole(r.Context(), &role, columns...); err != nil {
		return nil, err
	}
	return a.s.Role(r.Context(), name)
}

func (a *api) destroyRole(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	name, err := apiNameParam(ac.Params, "filterByTk", "filterByTk")
	if err != nil {
		return nil, err
	}
	if slices.Contains(a.opts.Undeletable, name) {
		return nil, listapi.BadRequest("role %q cannot be deleted", name)
	}
	if err := a.s.DeleteRole(r.Context(), name); err != nil {
		return nil, err
	}
	return nil, nil
}

// setDefaultRole makes a role the one users without a role get
// (values.roleName, or filterByTk), and no other.
func (a *api) setDefaultRole(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	name, err := apiNameParam(ac.Params, "roleName", "roleName", "filterByTk")
	if err != nil {
		return nil, err
	}
	if err := a.s.SetDefaultRole(r.Context(), name); err != nil {
		return nil, err
	}
	return a.s.Role(r.Context(), name)
}

// apiApplyRoleValues sets the fields values gives on role and returns their
// columns. Unknown fields are an error naming them (a typo must not be
// dropped in silence); the read-only fields a role answers with are
// ignored.
func apiApplyRoleValues(role *Role, vals map[string]any) ([]string, error) {
	var columns []string
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if slices.Contains(apiReadOnlyFields, k) {
			continue
		}
		if err := apiApplyRoleValue(role, k, vals[k]); err != nil {
			return nil, err
		}
		columns = append(columns, k)
	}
	return columns, nil
}

func apiApplyRoleValue(role *Role, k string, v any) error {
	var err error
	switch k {
	case "name":
		role.Name, err = listapi.StringValue("values.name", v)
	case "title":
		role.Title, err = apiOptionalString("values.title", v)
	case "description":
		role.Description, err = apiOptionalString("values.description", v)
	case "strategy":
		role.Strategy, err = apiStrategy(v)
	case "snippets":
		role.Snippets, err = apiStringList("values.snippets", v)
	case "allowConfigure":
		role.AllowConfigure, err = listapi.BoolValue("values.allowConfigure", v)
	case "allowNewMenu":
		role.AllowNewMenu, err = listapi.BoolValue("values.allowNewMenu", v)
	case "default":
		role.Default, err = listapi.BoolValue("values.default", v)
	case "hidden":
		role.Hidden, err = listapi.BoolValue("values.hidden", v)
	case "sort":
		role.Sort, err = listapi.WholeNumberValue("values.sort", v)
	default:
		return listapi.BadRequest("values: unknown field %.64q of a role: want %s", k, strings.Join(apiRoleFields, ", "))
	}
	return err
}

// apiOptionalString reads a string field that null clears.
func apiOptionalString(field string, v any) (string, error) {
	if v == nil {
		return "", nil
	}
	return listapi.StringValue(field, v)
}

// apiStrategy reads a role's strategy: null (none) or
// {"actions": ["view", "update:own"], "allowConfigure": true,
// "displayName": "..."}. The ACL checks the actions when the role is saved.
func apiStrategy(v any) (*acl.StrategyOptions, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, listapi.BadRequest("values.strategy must be an object such as {\"actions\": [\"view\"]}, got %.64s", listapi.Show(v))
	}
	out := &acl.StrategyOptions{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		var err error
		switch k {
		case "actions":
			out.Actions, err = apiStringList("values.strategy.actions", m[k])
		case "allowConfigure":
			out.AllowConfigure, err = listapi.BoolValue("values.strategy.allowConfigure", m[k])
		case "displayName":
			out.DisplayName, err = apiOptionalString("values.strategy.displayName", m[k])
		default:
			err = listapi.BadRequest("values.strategy: unknown field %.64q: want actions, allowConfigure, displayName", k)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
