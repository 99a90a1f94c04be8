package aclstore

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/listapi"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// apiScopeFields are the fields of a scope a client may write;
// apiScopeFilterFields those rolesResourcesScopes:list filters by.
var (
	apiScopeFields       = []string{"key", "name", "resourceName", "scope"}
	apiScopeFilterFields = []string{"key", "resourceName"}
)

// listScopes answers scopes by id. filter.resourceName selects the scopes
// a grant on that resource may use: its own and those of every resource
// (NocoBase's all and own among them); filter.key one scope.
func (a *api) listScopes(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	filter, err := listapi.ParseFilter(ac.Params["filter"], apiScopeFilterFields)
	if err != nil {
		return nil, err
	}
	resource, _, none := filter.One("resourceName")
	if none { // contradicting conditions select nothing
		return listapi.PageList(ac.Params, []RoleResourceScope{}, a.opts.MaxPageSize)
	}
	rows, err := a.s.Scopes(r.Context(), resource)
	if err != nil {
		return nil, err
	}
	kept := make([]RoleResourceScope, 0, len(rows))
	for _, s := range rows {
		if filter.Match("key", s.Key) {
			kept = append(kept, s)
		}
	}
	slices.SortFunc(kept, func(x, y RoleResourceScope) int { return cmp.Compare(x.ID, y.ID) })
	return listapi.PageList(ac.Params, kept, a.opts.MaxPageSize)
}

// createScope adds a named filter grants may share: values {key?, name,
// resourceName, scope}. Without a key the store makes one.
func (a *api) createScope(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	vals, err := apiValues(ac.Params)
	if err != nil {
		return nil, err
	}
	sc := &RoleResourceScope{Scope: acl.Params{}}
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if err := apiApplyScopeValue(sc, k, vals[k]); err != nil {
			return nil, err
		}
	}
	if sc.Key != "" {
		if err := apiCheckName("values.key", sc.Key); err != nil {
			return nil, err
		}
	}
	if sc.ResourceName != "" {
		if err := apiCheckName("values.resourceName", sc.ResourceName); err != nil {
			return nil, err
		}
	}
	if err := a.s.CreateScope(r.Context(), sc); err != nil {
		return nil, err
	}
	return sc, nil
}

func apiApplyScopeValue(sc *RoleResourceScope, k string, v any) error {
	var err error
	switch {
	case slices.Contains(apiReadOnlyFields, k):
	case k == "key":
		sc.Key, err = listapi.StringValue("values.key", v)
	case k == "name":
		sc.Name, err = apiOptionalString("values.name", v)
	case k == "resourceName":
		sc.ResourceName, err = apiOptionalString("values.resourceName", v)
	case k == "scope":
		var p acl.Params
		if p, err = apiParams("values.scope", v); err == nil && p != nil {
			sc.Scope = p
		}
	default:
		err = listapi.BadRequest("values: unknown field %.64q of a scope: want %s", k, strings.Join(apiScopeFields, ", "))
	}
	return err
}
