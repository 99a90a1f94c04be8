package aclstore

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/listapi"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// apiResourceView is a role's configuration of one resource as the API shows
// it: a rolesResources row with its rolesResourcesActions, each action's
// fields a list even when empty (every field).
type apiResourceView struct {
	RoleName string `json:"roleName"`
	ResourceConfig
}

func apiNewResourceView(role string, rc ResourceConfig) apiResourceView {
	actions := make([]ActionConfig, len(rc.Actions))
	for i, ac := range rc.Actions {
		if ac.Fields == nil {
			ac.Fields = []string{}
		}
		actions[i] = ac
	}
	rc.Actions = actions
	return apiResourceView{RoleName: role, ResourceConfig: rc}
}

// apiResourceFields are the fields of a resource configuration a client may
// write; apiActionFields those of one of its actions.
var (
	apiResourceFields = []string{"name", "usingActionsConfig", "actions"}
	apiActionFields   = []string{"name", "fields", "scopeId", "scope", "params"}
)

func (a *api) listResources(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	role, err := apiRole(ac)
	if err != nil {
		return nil, err
	}
	rcs, err := a.s.Resources(r.Context(), role)
	if err != nil {
		return nil, err
	}
	out := make([]apiResourceView, len(rcs))
	for i, rc := range rcs {
		out[i] = apiNewResourceView(role, rc)
	}
	return listapi.PageList(ac.Params, out, a.opts.MaxPageSize)
}

func (a *api) getResource(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	role, err := apiRole(ac)
	if err != nil {
		return nil, err
	}
	name, err := apiNameParam(ac.Params, "filterByTk", "filterByTk")
	if err != nil {
		return nil, err
	}
	rc, err := a.resource(r, role, name)
	if err != nil {
		return nil, err
	}
	return apiNewResourceView(role, *rc), nil
}

// createResource configures a resource the role has no configuration for
// yet; one it has answers 409 (update it instead).
func (a *api) createResource(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	role, err := apiRole(ac)
	if err != nil {
		return nil, err
	}
	vals, err := apiValues(ac.Params)
	if err != nil {
		return nil, err
	}
	rc := ResourceConfig{}
	if err := apiApplyResourceValues(&rc, role, vals); err != nil {
		return nil, err
	}
	if err := apiCheckName("values.name", rc.Name); err != nil {
		return nil, err
	}
	rcs, err := a.s.Resources(r.Context(), role)
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(rcs, func(x ResourceConfig) bool { return x.Name == rc.Name }) {
		return nil, &resourcer.StatusError{Status: http.StatusConflict,
			Message: fmt.Sprintf("role %q already configures resource %q: update it instead", role, rc.Name)}
	}
	return a.saveResource(r, role, rc)
}

// updateResource changes the fields values gives: usingActionsConfig, and
// actions, which replace the configured ones whole (NocoBase's
// updateAssociationValues: ["actions"]).
func (a *api) updateResource(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	role, err := apiRole(ac)
	if err != nil {
		return nil, err
	}
	name, err := apiNameParam(ac.Params, "filterByTk", "filterByTk")
	if err != nil {
		return nil, err
	}
	vals, err := apiValues(ac.Params)
	if err != nil {
		return nil, err
	}
	old, err := a.resource(r, role, name)
	if err != nil {
		return nil, err
	}
	rc := *old
	if err := apiApplyResourceValues(&rc, role, vals); err != nil {
		return nil, err
	}
	if rc.Name != name {
		return nil, listapi.BadRequest("values.name: resource %q cannot be renamed to %.64q", name, rc.Name)
	}
	return a.saveResource(r, role, rc)
}

func (a *api) destroyResource(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	role, err := apiRole(ac)
	if err != nil {
		return nil, err
	}
	name, err := apiNameParam(ac.Params, "filterByTk", "filterByTk")
	if err != nil {
		return nil, err
	}
	return nil, a.s.RemoveResource(r.Context(), role, name)
}

func (a *api) saveResource(r *http.Request, role string, rc ResourceConfig) (any, error) {
	if err := a.s.SetResource(r.Context(), role, rc); err != nil {
		return nil, err
	}
	saved, err := a.resource(r, role, rc.Name)
	if err != nil {
		return nil, err
	}
	return apiNewResourceView(role, *saved), nil
}

func (a *api) resource(r *http.Request, role, name string) (*ResourceConfig, error) {
	rcs, err := a.s.Resources(r.Context(), role)
	if err != nil {
		return nil, err
	}
	for i := range rcs {
		if rcs[i].Name == name {
			return &rcs[i], nil
		}
	}
	return nil, &Error{Kind: ErrGrantNotFound, Role: role, Resource: name}
}

// apiApplyResourceValues sets the fields values gives on rc. Unknown fields
// are refused by name; the read-only ones a row answers with are ignored,
// and roleName may only repeat the role of the path.
func apiApplyResourceValues(rc *ResourceConfig, role string, vals map[string]any) error {
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		v := vals[k]
		var err error
		switch {
		case slices.Contains(apiReadOnlyFields, k):
		case k == "roleName":
			if v != role {
				err = listapi.BadRequest("values.roleName: %.64s is not the role of the path, %q", listapi.Show(v), role)
			}
		case k == "name":
			rc.Name, err = listapi.StringValue("values.name", v)
		case k == "usingActionsConfig":
			rc.UsingActionsConfig, err = listapi.BoolValue("values.usingActionsConfig", v)
		case k == "actions":
			rc.Actions, err = apiActions(v)
		default:
			err = listapi.BadRequest("values: unknown field %.64q of a resource: want %s", k, strings.Join(apiResourceFields, ", "))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// apiActions reads values.actions: [{name, fields, scopeId | scope:{id},
// params}]. An action may appear once.
func apiActions(v any) ([]ActionConfig, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, listapi.BadRequest("values.actions must be a list, got %s", listapi.Show(v))
	}
	out := make([]ActionConfig, len(list))
	names := make(map[string]struct{}, len(list))
	for i, e := range list {
		field := fmt.Sprintf("values.actions[%d]", i)
		m, ok := e.(map[string]any)
		if !ok {
			return nil, listapi.BadRequest("%s must be an object such as {\"name\": \"view\"}, got %.64s", field, listapi.Show(e))
		}
		if err := apiApplyActionValues(&out[i], field, m); err != nil {
			return nil, err
		}
		if _, dup := names[out[i].Name]; dup {
			return nil, listapi.BadRequest("%s: action %q is given twice", field, out[i].Name)
		}
		names[out[i].Name] = struct{}{}
	}
	return out, nil
}

func apiApplyActionValues(act *ActionConfig, field string, m map[string]any) error {
	var scopeID, scopeObjectID *int64
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		var err error
		switch k {
		case "id", "rolesResourceId", "createdAt", "updatedAt", "createdById", "updatedById":
		case "name":
			if act.Name, err = listapi.StringValue(field+".name", v); err == nil {
				err = apiCheckName(field+".name", act.Name)
			}
		case "fields":
			act.Fields, err = apiStringList(field+".fields", v)
		case "scopeId":
			scopeID, err = apiOptionalID(field+".scopeId", v)
		case "scope":
			scopeObjectID, err = apiScopeID(field+".scope", v)
		case "params":
			act.Params, err = apiParams(field+".params", v)
		default:
			err = listapi.BadRequest("%s: unknown field %.64q of an action: want %s", field, k, strings.Join(apiActionFields, ", "))
		}
		if err != nil {
			return err
		}
	}
	if act.Name == "" {
		return listapi.BadRequest("%s.name is required", field)
	}
	if scopeID != nil && scopeObjectID != nil && *scopeID != *scopeObjectID {
		return listapi.BadRequest("%s: scopeId %d and scope.id %d disagree", field, *scopeID, *scopeObjectID)
	}
	act.ScopeID = scopeID
	if act.ScopeID == nil {
		act.ScopeID = scopeObjectID
	}
	return nil
}

// apiOptionalID reads a positive whole number, or null.
func apiOptionalID(field string, v any) (*int64, error) {
	if v == nil {
		return nil, nil
	}
	n, ok := resourcer.WholeNumber(v)
	if !ok || n < 1 {
		return nil, listapi.BadRequest("%s must be a positive whole number, got %.64s", field, listapi.Show(v))
	}
	return &n, nil
}

// apiScopeID reads the scope object NocoBase's form sends ({id, key,
// name, scope}): only its id counts.
func apiScopeID(field string, v any) (*int64, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, listapi.BadRequest("%s must be an object with an id, got %.64s", field, listapi.Show(v))
	}
	return apiOptionalID(field+".id", m["id"])
}

// apiParams reads an action's other params, an object whose keys the
// ACL checks when the role is saved.
func apiParams(field string, v any) (acl.Params, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, listapi.BadRequest("%s must be an object, got %s", field, listapi.Show(v))
	}
	return acl.Params(m), nil
}
