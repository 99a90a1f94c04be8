package aclstore

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// RoleSetVersion is the only RoleSet format there is; Import refuses
// others, so that a later format is never half-understood.
const RoleSetVersion = 1

// RoleSet is a configuration of roles as JSON, to move between
// environments (Export, Import) and to review (Diff). Every list is sorted,
// so two exports of the same configuration are byte-equal and diff
// cleanly in version control.
//
// Roles and scopes are data and travel whole. Strategies and snippets are
// code (the host registers them on its acl.ACL): the set lists the ones its
// roles use so that Import can refuse a target whose code lacks them,
// rather than load roles that silently mean less.
type RoleSet struct {
	Version int        `json:"version"`
	Roles   []RoleJSON `json:"roles"`
	// Scopes are the rolesResourcesScopes rows: the named filters grants
	// share. A grant's filter is matched to a scope by its content.
	Scopes []ScopeJSON `json:"scopes"`
	// Strategies are the named strategies of the ACL that roles refer to
	// by name. The tables keep a role's strategy inline, as NocoBase does,
	// so an export names none; a hand-written set may.
	Strategies map[string]acl.StrategyOptions `json:"strategies"`
	// Snippets are the ACL's snippets the roles' rules select ("!" rules
	// included).
	Snippets []SnippetJSON `json:"snippets"`
}

// RoleJSON is one role: NocoBase's role.toJSON() shape {role, strategy,
// actions, snippets}, plus the columns of its roles row and its resource
// configuration.
type RoleJSON struct {
	Role     string        `json:"role"`
	Strategy *RoleStrategy `json:"strategy,omitempty"`
	// Actions are the role's grants as the ACL holds them, keyed by
	// "resource:action": the action row's params, with its fields and its
	// scope's filter.
	Actions  map[string]acl.Params `json:"actions"`
	Snippets []string              `json:"snippets"`

	Title          string `json:"title,omitempty"`
	Description    string `json:"description,omitempty"`
	Default        bool   `json:"default"`
	Hidden         bool   `json:"hidden"`
	AllowConfigure bool   `json:"allowConfigure"`
	AllowNewMenu   bool   `json:"allowNewMenu"`
	Sort           int64  `json:"sort"`

	// Resources are the role's rolesResources rows. A resource whose
	// actions are in use has its grants in Actions; one that is not
	// (the strategy decides) keeps the action rows it had as
	// InactiveActions, so switching it back on in the target restores
	// them. A resource configured with no actions at all is listed too:
	// it still takes the resource away from the strategy.
	Resources []ResourceJSON `json:"resources"`
}

// ResourceJSON is a role's configuration of one resource.
type ResourceJSON struct {
	Name               string `json:"name"`
	UsingActionsConfig bool   `json:"usingActionsConfig"`
	// InactiveActions are the action rows of a resource that does not use
	// them, keyed by action name; empty when UsingActionsConfig.
	InactiveActions map[string]acl.Params `json:"inactiveActions,omitempty"`
}

// ScopeJSON is a rolesResourcesScopes row, keyed by Key across databases
// (ids differ).
type ScopeJSON struct {
	Key          string     `json:"key"`
	Name         string     `json:"name,omitempty"`
	ResourceName string     `json:"resourceName,omitempty"`
	Scope        acl.Params `json:"scope"`
}

// SnippetJSON is an acl.Snippet in a RoleSet.
type SnippetJSON struct {
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// RoleStrategy is a role's strategy: inline Options, as the roles table
// keeps it, or the Name of a strategy the ACL has in code. It is a JSON
// object or a string, as in NocoBase's role.toJSON().
type RoleStrategy struct {
	Name    string
	Options *acl.StrategyOptions
}

// MarshalJSON writes the name as a string, else the options.
func (rs RoleStrategy) MarshalJSON() ([]byte, error) {
	if rs.Name != "" {
		return json.Marshal(rs.Name)
	}
	return json.Marshal(rs.Options)
}

// UnmarshalJSON reads a string (a name) or an object (options).
func (rs *RoleStrategy) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		*rs = RoleStrategy{}
		if err := json.Unmarshal(data, &rs.Name); err != nil {
			return err
		}
		if rs.Name == "" {
			return fmt.Errorf("strategy name is empty")
		}
		return nil
	}
	var opts acl.StrategyOptions
	if err := json.Unmarshal(data, &opts); err != nil {
		return err
	}
	*rs = RoleStrategy{Options: &opts}
	return nil
}

// Export reads every role of the tables, with the scopes and the ACL's
// snippets the roles use, in one read transaction: a consistent picture
// even while other processes write. It reads the tables, not the ACL, so
// it exports what Load would load.
func (s *Store) Export(ctx context.Context) (*RoleSet, error) {
	var set *RoleSet
	err := s.db.RunInTx(ctx, s.readTxOptions(), func(ctx context.Context, tx bun.Tx) error {
		rows, err := readStoredRoles(ctx, tx)
		if err != nil {
			return err
		}
		set, err = rows.roleSet()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("aclstore: export: %w", err)
	}
	snippets, err := selectedSnippets(s.acl.Snippets(), set.Roles)
	if err != nil {
		return nil, fmt.Errorf("aclstore: export: %w", err)
	}
	set.Snippets = snippets
	return set, nil
}

// storedRoles are the rows of every role, as read in one transaction.
type storedRoles struct {
	roles     []Role                         // by name
	resources map[string][]RoleResource      // by role name, sorted by resource name
	actions   map[int64][]RoleResourceAction // by rolesResourceId, sorted by action name
	scopes    map[int64]*RoleResourceScope   // by id: every scope
	scopeKeys map[string]RoleResourceScope   // by key: every scope
	byName    map[string]*Role
}

// readStoredRoles reads every role with its resources and actions, and
// every scope, in four queries. Rows are sorted here, byte-wise, not by
// ORDER BY: PostgreSQL's collation and SQLite's would order names
// differently, and an export must not depend on the database.
func readStoredRoles(ctx context.Context, db bun.IDB) (*storedRoles, error) {
	st := &storedRoles{
		resources: map[string][]RoleResource{}, actions: map[int64][]RoleResourceAction{},
		scopes: map[int64]*RoleResourceScope{}, scopeKeys: map[string]RoleResourceScope{}, byName: map[string]*Role{},
	}
	if err := db.NewSelect().Model(&st.roles).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read roles: %w", err)
	}
	slices.SortFunc(st.roles, func(a, b Role) int { return strings.Compare(a.Name, b.Name) })
	for i := range st.roles {
		st.byName[st.roles[i].Name] = &st.roles[i]
	}
	var resources []RoleResource
	if err := db.NewSelect().Model(&resources).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read rolesResources: %w", err)
	}
	slices.SortFunc(resources, func(a, b RoleResource) int { return strings.Compare(a.Name, b.Name) })
	for _, rr := range resources {
		st.resources[rr.RoleName] = append(st.resources[rr.RoleName], rr)
	}
	var actions []RoleResourceAction
	if err := db.NewSelect().Model(&actions).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read rolesResourcesActions: %w", err)
	}
	slices.SortFunc(actions, func(a, b RoleResourceAction) int { return strings.Compare(a.Name, b.Name) })
	for _, ra := range actions {
		st.actions[ra.RolesResourceID] = append(st.actions[ra.RolesResourceID], ra)
	}
	return st, st.readScopes(ctx, db)
}

// readScopes reads every scope: grants refer to them by id, and an export
// carries them all, used or not.
func (st *storedRoles) readScopes(ctx context.Context, db bun.IDB) error {
	var scopes []RoleResourceScope
	if err := db.NewSelect().Model(&scopes).Scan(ctx); err != nil {
		return fmt.Errorf("read rolesResourcesScopes: %w", err)
	}
	for i := range scopes {
		st.scopes[scopes[i].ID] = &scopes[i]
		st.scopeKeys[scopes[i].Key] = scopes[i]
	}
	return nil
}

// roleSet is the rows as a RoleSet, without snippets (they come from the
// ACL, not the tables).
func (st *storedRoles) roleSet() (*RoleSet, error) {
	set := &RoleSet{Version: RoleSetVersion, Roles: make([]RoleJSON, 0, len(st.roles)),
		Scopes: make([]ScopeJSON, 0, len(st.scopeKeys)), Strategies: map[string]acl.StrategyOptions{}, Snippets: []SnippetJSON{}}
	for i := range st.roles {
		r, err := st.roleJSON(&st.roles[i])
		if err != nil {
			return nil, err
		}
		set.Roles = append(set.Roles, r)
	}
	for _, key := range slices.Sorted(maps.Keys(st.scopeKeys)) {
		sc := st.scopeKeys[key]
		set.Scopes = append(set.Scopes, ScopeJSON{Key: sc.Key, Name: sc.Name, ResourceName: sc.ResourceName, Scope: nonNilParams(sc.Scope)})
	}
	return set, nil
}

// roleJSON maps a role's rows as Load maps them into the ACL (grantParams):
// a resource using its actions config grants each action with the row's
// params, its fields when there are any, and its scope's filter when the
// filter is not empty. A malformed action row is an error naming the role.
func (st *storedRoles) roleJSON(r *Role) (RoleJSON, error) {
	out := RoleJSON{
		Role: r.Name, Actions: map[string]acl.Params{}, Snippets: slices.Clone(r.Snippets),
		Title: r.Title, Description: r.Description, Default: r.Default, Hidden: r.Hidden,
		AllowConfigure: r.AllowConfigure, AllowNewMenu: r.AllowNewMenu, Sort: r.Sort,
		Resources: []ResourceJSON{},
	}
	if out.Snippets == nil {
		out.Snippets = []string{}
	}
	if r.Strategy != nil {
		opts := *r.Strategy
		opts.Actions = slices.Clone(opts.Actions)
		out.Strategy = &RoleStrategy{Options: &opts}
	}
	for _, rr := range st.resources[r.Name] {
		res := ResourceJSON{Name: rr.Name, UsingActionsConfig: rr.UsingActionsConfig}
		for i := range st.actions[rr.ID] {
			ra := &st.actions[rr.ID][i]
			params, err := grantParams(r.Name, rr.Name+":"+ra.Name, ra, st.scopes)
			if err != nil {
				return RoleJSON{}, err
			}
			if rr.UsingActionsConfig {
				out.Actions[rr.Name+":"+ra.Name] = params
				continue
			}
			if res.InactiveActions == nil {
				res.InactiveActions = map[string]acl.Params{}
			}
			res.InactiveActions[ra.Name] = params
		}
		out.Resources = append(out.Resources, res)
	}
	return out, nil
}

// roleOptions is the ACL's definition of a role in a set: the grants of
// Actions, the inline strategy, the snippet rules. A named strategy must
// have been resolved to options first (Import does).
func (r *RoleJSON) roleOptions() acl.RoleOptions {
	opts := acl.RoleOptions{Name: r.Role, Actions: r.Actions, Snippets: r.Snippets}
	if r.Strategy != nil {
		opts.StrategyOptions = r.Strategy.Options
		opts.Strategy = r.Strategy.Name
	}
	return opts
}

// selectedSnippets are the snippets of the registry that the roles' rules
// select, sorted by name. A scratch ACL holding only the snippets answers
// which, with the ACL's own glob rules; a rule selecting none is an error
// naming the role, as Load would refuse it.
func selectedSnippets(registry []acl.Snippet, roles []RoleJSON) ([]SnippetJSON, error) {
	out := []SnippetJSON{}
	if len(registry) == 0 {
		for _, r := range roles {
			if len(r.Snippets) > 0 {
				return nil, fmt.Errorf("role %q: snippet rule %q selects no snippet: the ACL has none", r.Role, r.Snippets[0])
			}
		}
		return out, nil
	}
	scratch := acl.New()
	byName := map[string]acl.Snippet{}
	for _, sn := range registry {
		if err := scratch.RegisterSnippet(sn); err != nil {
			return nil, err
		}
		byName[sn.Name] = sn
	}
	used := map[string]struct{}{}
	for _, r := range roles {
		if len(r.Snippets) == 0 {
			continue
		}
		role, err := scratch.Define(acl.RoleOptions{Name: r.Role, Snippets: r.Snippets})
		if err != nil {
			return nil, fmt.Errorf("role %q: %w", r.Role, err)
		}
		allowed, rejected := role.EffectiveSnippets()
		for _, name := range append(allowed, rejected...) {
			used[name] = struct{}{}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(used)) {
		out = append(out, SnippetJSON{Name: name, Actions: slices.Clone(byName[name].Actions)})
	}
	return out, nil
}

// nonNilParams is p, or an empty Params for nil, so that JSON says {}.
func nonNilParams(p acl.Params) acl.Params {
	if p == nil {
		return acl.Params{}
	}
	return p
}
