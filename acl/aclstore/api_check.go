package aclstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// apiAvailableAction is an action the ACL knows, as NocoBase's
// availableActions:list answers it: its options and its name.
type apiAvailableAction struct {
	acl.ActionOptions
	Name string `json:"name"`
}

// listAvailableActions answers the ACL's actions in registration order.
func (a *api) listAvailableActions(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	names := a.s.acl.AvailableActions()
	out := make([]apiAvailableAction, 0, len(names))
	for _, name := range names {
		opts, _ := a.s.acl.AvailableAction(name)
		out = append(out, apiAvailableAction{ActionOptions: opts, Name: name})
	}
	return out, nil
}

// apiCheckView is roles:check's answer, NocoBase's shape as far as the ACL
// can fill it truthfully (see the package doc for what it leaves out).
type apiCheckView struct {
	// Role is the request's current role (acl.WithRole: the role it
	// picked, or the user's first, as the store's Middleware sets it), or
	// its only role; empty when neither says.
	Role  string   `json:"role,omitempty"`
	Roles []string `json:"roles"`
	// Strategy is the union of the roles' strategy actions.
	Strategy apiCheckStrategy `json:"strategy"`
	// Actions are the explicit grants of the roles, each with the params
	// the ACL answers for the roles together.
	Actions          map[string]acl.Params `json:"actions"`
	Snippets         []string              `json:"snippets"`
	Resources        []string              `json:"resources"`
	AvailableActions []string              `json:"availableActions"`
	ActionAlias      map[string]string     `json:"actionAlias"`
	AllowAll         bool                  `json:"allowAll"`
	AllowConfigure   bool                  `json:"allowConfigure"`
	AllowAnonymous   bool                  `json:"allowAnonymous"`
}

type apiCheckStrategy struct {
	Actions []string `json:"actions,omitempty"`
}

// apiRoleJSON is what check reads of a role's toJSON(): its strategy (a
// registered one's name, or inline options) and its explicit grants.
type apiRoleJSON struct {
	Strategy json.RawMessage       `json:"strategy"`
	Actions  map[string]acl.Params `json:"actions"`
}

// check is NocoBase's roles:check: what the signed-in user's roles allow.
// The roles are the request's (acl.WithRoles, else acl.WithRole, as the
// store's Middleware sets them), else the user's from the store. Only
// roles the ACL defines count.
func (a *api) check(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := r.Context()
	requested, err := a.currentRoles(ctx)
	if err != nil {
		return nil, err
	}
	out := &apiCheckView{
		Roles: []string{}, Actions: map[string]acl.Params{}, Snippets: []string{}, Resources: []string{},
		AvailableActions: a.s.acl.AvailableActions(), ActionAlias: a.actionAlias(),
		AllowAll: slices.Contains(requested, "root"),
	}
	out.Role = acl.CurrentRole(ctx)
	if out.Role == "" && len(requested) == 1 {
		out.Role = requested[0]
	}
	var roles []*acl.Role
	for _, name := range requested {
		if role, ok := a.s.acl.GetRole(name); ok && !slices.Contains(out.Roles, name) {
			roles = append(roles, role)
			out.Roles = append(out.Roles, name)
		}
	}
	if err := a.fillRoles(ctx, out, roles); err != nil {
		return nil, err
	}
	if out.AllowAnonymous, err = a.roleExists(ctx, apiAnonymousRole); err != nil {
		return nil, err
	}
	return out, nil
}

// currentRoles are the roles the request acts with; 401 without a user.
func (a *api) currentRoles(ctx context.Context) ([]string, error) {
	id, signedIn := acl.UserID(ctx)
	if !signedIn {
		return nil, apiUnauthorized()
	}
	if roles, ok := acl.CurrentRoles(ctx); ok {
		return roles, nil
	}
	if role := acl.CurrentRole(ctx); role != "" {
		return []string{role}, nil
	}
	userID, ok := int64ID(id)
	if !ok {
		return nil, &resourcer.StatusError{Status: http.StatusUnauthorized, Message: fmt.Sprintf("the signed-in user's id %.64v is not a number the roles table holds", id)}
	}
	return a.s.RolesOf(ctx, userID)
}

// fillRoles adds what the roles grant: NocoBase's mergeRole.
func (a *api) fillRoles(ctx context.Context, out *apiCheckView, roles []*acl.Role) error {
	var ruleSets [][]string
	for _, role := range roles {
		raw, err := json.Marshal(role)
		if err != nil {
			return fmt.Errorf("aclstore: role %q: %w", role.Name(), err)
		}
		var rj apiRoleJSON
		if err := json.Unmarshal(raw, &rj); err != nil {
			return fmt.Errorf("aclstore: role %q: %w", role.Name(), err)
		}
		for path := range rj.Actions {
			out.Actions[path] = a.unionParams(out.Roles, path)
		}
		for _, res := range role.Resources() {
			if !slices.Contains(out.Resources, res) {
				out.Resources = append(out.Resources, res)
			}
		}
		ruleSets = append(ruleSets, role.Snippets())
		strategy, allowConfigure, err := a.strategyOf(ctx, role.Name(), rj.Strategy)
		if err != nil {
			return err
		}
		for _, act := range strategy {
			if !slices.Contains(out.Strategy.Actions, act) {
				out.Strategy.Actions = append(out.Strategy.Actions, act)
			}
		}
		out.AllowConfigure = out.AllowConfigure || allowConfigure
	}
	slices.Sort(out.Resources)
	out.Snippets = apiMergeSnippetRules(ruleSets)
	return nil
}

// unionParams are the params the ACL answers for path and the roles
// together: its own union of their grants and strategies.
func (a *api) unionParams(roles []string, path string) acl.Params {
	resource, action, _ := strings.Cut(path, ":")
	res, ok := a.s.acl.Can(acl.CanArgs{Roles: roles, Resource: resource, Action: action})
	if !ok || res.Params == nil {
		return acl.Params{}
	}
	return res.Params
}

// strategyOf returns a role's strategy actions (its inline strategy, or
// the registered one it names) and whether it may configure: the role
// row's allowConfigure, which NocoBase reads, or the strategy's, which
// the ACL's allowConfigure condition reads.
func (a *api) strategyOf(ctx context.Context, role string, strategy json.RawMessage) (actions []string, allowConfigure bool, err error) {
	var opts acl.StrategyOptions
	var name string
	if json.Unmarshal(strategy, &name) == nil && name != "" {
		opts, _ = a.s.acl.AvailableStrategy(name)
	} else if len(strategy) > 0 {
		if err := json.Unmarshal(strategy, &opts); err != nil {
			return nil, false, fmt.Errorf("aclstore: role %q strategy: %w", role, err)
		}
	}
	row, err := a.s.Role(ctx, role)
	switch {
	case errors.Is(err, ErrRoleNotFound):
		// A role the host defined in code: its strategy says it all.
	case err != nil:
		return nil, false, err
	default:
		allowConfigure = row.AllowConfigure
	}
	return opts.Actions, allowConfigure || opts.AllowConfigure, nil
}

// roleExists reports whether the roles table has the role.
func (a *api) roleExists(ctx context.Context, name string) (bool, error) {
	_, err := a.s.Role(ctx, name)
	switch {
	case errors.Is(err, ErrRoleNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// actionAlias maps every alias to the action it stands for (view for get
// and list).
func (a *api) actionAlias() map[string]string {
	out := map[string]string{}
	for _, name := range a.s.acl.AvailableActions() {
		opts, _ := a.s.acl.AvailableAction(name)
		for _, alias := range opts.Aliases {
			out[alias] = a.s.acl.ResolveActionAlias(alias)
		}
	}
	return out
}

// apiMergeSnippetRules is NocoBase's mergeRoleSnippets: every rule that
// switches a snippet on, from any role; a "!" rule only when every role
// has it (one role's exclusion does not take from another) and no role
// switches that snippet on by the same name.
func apiMergeSnippetRules(ruleSets [][]string) []string {
	out := []string{}
	for _, rules := range ruleSets {
		for _, rule := range rules {
			if !strings.HasPrefix(rule, "!") && !slices.Contains(out, rule) {
				out = append(out, rule)
			}
		}
	}
	included := slices.Clone(out)
	for _, rules := range ruleSets {
		for _, rule := range rules {
			if !strings.HasPrefix(rule, "!") || slices.Contains(out, rule) || slices.Contains(included, rule[1:]) {
				continue
			}
			if apiEveryHas(ruleSets, rule) {
				out = append(out, rule)
			}
		}
	}
	return out
}

func apiEveryHas(ruleSets [][]string, rule string) bool {
	for _, rules := range ruleSets {
		if !slices.Contains(rules, rule) {
			return false
		}
	}
	return true
}
