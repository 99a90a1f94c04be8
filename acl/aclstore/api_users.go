package aclstore

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/gatehouse-dev/gatehouse/internal/listapi"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// apiUserView is a member of a role as roles.users lists it: the user's id,
// the one field of a user record aclstore knows (it does not read the
// users table).
type apiUserView struct {
	ID int64 `json:"id"`
}

// listUsers answers the role's users by id, ascending.
func (a *api) listUsers(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	role, err := apiRole(ac)
	if err != nil {
		return nil, err
	}
	if _, err := a.s.Role(r.Context(), role); err != nil {
		return nil, err
	}
	ids, err := a.s.UsersOf(r.Context(), role)
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	out := make([]apiUserView, len(ids))
	for i, id := range ids {
		out[i] = apiUserView{ID: id}
	}
	return listapi.PageList(ac.Params, out, a.opts.MaxPageSize)
}

// addUsers gives the role to users (values: [1, 2] or [{"id": 1}]).
func (a *api) addUsers(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	return a.changeUsers(r, ac, a.s.AssignUsers)
}

// removeUsers takes the role from users.
func (a *api) removeUsers(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	return a.changeUsers(r, ac, a.s.UnassignUsers)
}

// changeUsers reads every id and checks the role before it changes
// anything, then changes them all in one transaction: a bad id, an
// unknown role or a failed write changes nothing.
func (a *api) changeUsers(r *http.Request, ac *resourcer.ActionContext, change func(ctx context.Context, role string, userIDs []int64) error) (any, error) {
	role, err := apiRole(ac)
	if err != nil {
		return nil, err
	}
	list, err := apiValueList(ac.Params)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(list))
	seen := make(map[int64]struct{}, len(list))
	for i, v := range list {
		id, err := apiUserID(fmt.Sprintf("values[%d]", i), v)
		if err != nil {
			return nil, err
		}
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			ids = append(ids, id)
		}
	}
	if _, err := a.s.Role(r.Context(), role); err != nil {
		return nil, err
	}
	return nil, change(r.Context(), role, ids)
}

// apiUserID reads a user's id: a positive whole number, or an object
// with one ({"id": 1}, a user record as NocoBase's client sends it).
func apiUserID(field string, v any) (int64, error) {
	if m, ok := v.(map[string]any); ok {
		field, v = field+".id", m["id"]
	}
	n, ok := resourcer.WholeNumber(v)
	if !ok || n < 1 {
		return 0, listapi.BadRequest("%s must be a user id (a positive whole number), got %.64s", field, listapi.Show(v))
	}
	return n, nil
}
