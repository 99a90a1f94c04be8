package acl

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unique"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// RoleOptions define a role. Strategy names a registered strategy;
// StrategyOptions, when set, is an inline strategy and wins over the name.
// Actions are explicit grants keyed by "resource:action". Snippets are
// snippet rules: "pm.*" switches on every snippet whose name matches,
// "!pm.users" switches one off. Resources are resources the role
// configures without granting anything on them: as after RevokeAction,
// the strategy no longer applies there, so the role may do nothing on
// them (a store loading a resource configured with no actions).
type RoleOptions struct {
	Name            string
	Strategy        string
	StrategyOptions *StrategyOptions
	Actions         map[string]Params
	Snippets        []string
	Resources       []string
}

// Role is a role's configuration. Changes through its methods take effect
// for readers at once. A Role that was replaced by Define or removed keeps
// working as a detached value but no longer affects its ACL, as in NocoBase.
type Role struct {
	acl            *ACL
	name           string
	strategy       string
	inlineStrategy *StrategyOptions
	resources      map[string]struct{} // every resource with grants, even revoked ones
	grants         map[grantKey]Params // interned, read-only params
	snippets       []string
	compiled       *compiledRole
}

// Define creates a role, replacing any role of the same name. Everything is
// validated first and on error nothing changes: action paths, param keys
// (see RegisterParamKeys), the strategy (registered, or inline with known
// actions) and snippet rules (each must select a registered snippet).
func (a *ACL) Define(opts RoleOptions) (*Role, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, err := a.buildRoleLocked(opts)
	if err != nil {
		return nil, err
	}
	a.roles[r.name] = r
	a.publishRoleLocked(r)
	return r, nil
}

// buildRoleLocked validates opts and builds the role they define, without
// adding it to the ACL.
func (a *ACL) buildRoleLocked(opts RoleOptions) (*Role, error) {
	if opts.Name == "" {
		return nil, fmt.Errorf("%w: role name is empty", ErrInvalidOptions)
	}
	r := &Role{acl: a, name: opts.Name, strategy: opts.Strategy, resources: map[string]struct{}{}, grants: map[grantKey]Params{}}
	if opts.StrategyOptions != nil {
		if err := a.checkStrategyLocked("role "+opts.Name, *opts.StrategyOptions); err != nil {
			return nil, err
		}
		s := *opts.StrategyOptions
		s.Actions = slices.Clone(s.Actions)
		r.inlineStrategy = &s
	} else if err := a.checkStrategyNameLocked(opts.Name, opts.Strategy); err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(opts.Actions))
	for p := range opts.Actions {
		paths = append(paths, p)
	}
	sort.Strings(paths) // deterministic listener order
	for _, p := range paths {
		if err := r.grantLocked(p, opts.Actions[p]); err != nil {
			return nil, err
		}
	}
	if err := r.setSnippetsLocked(opts.Snippets); err != nil {
		return nil, err
	}
	for _, res := range opts.Resources {
		if res == "" || strings.Contains(res, ":") {
			return nil, fmt.Errorf("%w: role %s: resource %q: want a resource name", ErrInvalidOptions, opts.Name, res)
		}
		r.resources[internName(res)] = struct{}{}
	}
	return r, nil
}

// ReplaceRoles defines every role of define and removes the roles named
// in remove, as one change: readers see all of it or none of it, and the
// roles are compiled and published once, not once per role (a store
// loading hundreds of roles). Everything is validated first, as Define
// does; on error nothing changes and the error names the role. A name in
// both lists is defined. Removing a role that does not exist is not an
// error.
func (a *ACL) ReplaceRoles(define []RoleOptions, remove []string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	built := make([]*Role, 0, len(define))
	seen := make(map[string]struct{}, len(define))
	for _, opts := range define {
		if _, dup := seen[opts.Name]; dup {
			return fmt.Errorf("%w: role %q is defined twice", ErrInvalidOptions, opts.Name)
		}
		seen[opts.Name] = struct{}{}
		r, err := a.buildRoleLocked(opts)
		if err != nil {
			if opts.Name == "" {
				return err
			}
			return fmt.Errorf("role %q: %w", opts.Name, err)
		}
		built = append(built, r)
	}
	old := a.snap.Load()
	roles := maps.Clone(old.roles)
	for _, name := range remove {
		if _, kept := seen[name]; kept {
			continue
		}
		delete(a.roles, name)
		delete(roles, name)
	}
	for _, r := range built {
		a.roles[r.name] = r
		r.compiled = a.compileRoleLocked(r, old.shared)
		roles[r.name] = r.compiled
	}
	if len(a.interned) >= a.internedLimit {
		a.pruneInternedLocked()
	}
	a.snap.Store(a.newSnapshotLocked(roles, old.shared))
	return nil
}

// CheckRole reports whether Define would accept opts, with the error it
// would return, without changing the ACL: a store validates a role before
// it commits it to the database. Grant listeners (BeforeGrantAction) run,
// as they do for Define, since they may refuse a grant.
func (a *ACL) CheckRole(opts RoleOptions) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err := a.buildRoleLocked(opts)
	return err
}

// GetRole returns a defined role.
func (a *ACL) GetRole(name string) (*Role, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.roles[name]
	return r, ok
}

// Roles returns the names of the defined roles, sorted.
func (a *ACL) Roles() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return jsonval.SortedKeys(a.roles)
}

// RemoveRole removes a role and reports whether it existed.
func (a *ACL) RemoveRole(name string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.roles[name]; !ok {
		return false
	}
	delete(a.roles, name)
	a.publishRoleRemovedLocked(name)
	return true
}

// Name returns the role's name.
func (r *Role) Name() string { return r.name }

// splitPath splits "resource:action". NocoBase would store "posts" as action
// "undefined" and silently drop anything after a second ':'; both are
// refused here.
func splitPath(path string) (resource, action string, err error) {
	resource, action, ok := strings.Cut(path, ":")
	if !ok || resource == "" || action == "" || strings.Contains(action, ":") {
		hint := ""
		if s := pathSuggestion(path); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		return "", "", fmt.Errorf("%w %q: want \"resource:action\"%s", ErrInvalidPath, path, hint)
	}
	return resource, action, nil
}

// GrantAction grants "resource:action" with params (nil for none),
// replacing an earlier grant of the same path. Once a role has any grant on
// a resource, its strategy and snippets no longer apply to that resource.
func (r *Role) GrantAction(path string, params Params) error {
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	if err := r.grantLocked(path, params); err != nil {
		return err
	}
	r.acl.publishRoleLocked(r)
	return nil
}

func (r *Role) grantLocked(path string, params Params) error {
	resource, action, err := splitPath(path)
	if err != nil {
		return err
	}
	if err := r.acl.checkParamKeysLocked(path, params); err != nil {
		return err
	}
	p, err := normalizeParams(params)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidParams, path, err)
	}
	ev := &GrantEvent{Role: r.name, Path: resource + ":" + action, Resource: resource, Action: action, Params: p}
	if err := r.acl.runGrantListenersLocked(ev); err != nil {
		return err
	}
	if fields, ok := ev.Params["fields"].([]any); ok && len(fields) > 0 {
		ev.Params["fields"] = jsonval.Uniq(fields)
	}
	resource, action = internName(resource), internName(action)
	r.resources[resource] = struct{}{}
	r.grants[grantKey{resource, action}] = r.acl.internParamsLocked(ev.Params)
	return nil
}

// RevokeAction removes the grant of "resource:action". The resource stays
// configured (so the strategy still does not apply to it), as in NocoBase;
// use RevokeResource to hand it back to the strategy.
func (r *Role) RevokeAction(path string) error {
	resource, action, err := splitPath(path)
	if err != nil {
		return err
	}
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	if _, ok := r.resources[resource]; !ok {
		return fmt.Errorf("%w %q: role %s has no grants on resource %s", ErrInvalidPath, path, r.name, resource)
	}
	delete(r.grants, grantKey{resource, action})
	r.acl.publishRoleLocked(r)
	return nil
}

// RevokeResource removes every grant on resource and on its associations
// (names containing "resource."), as NocoBase's revokeResource does.
func (r *Role) RevokeResource(resource string) {
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	for name := range r.resources {
		if name == resource || strings.Contains(name, resource+".") {
			delete(r.resources, name)
		}
	}
	for key := range r.grants {
		if _, ok := r.resources[key.resource]; !ok {
			delete(r.grants, key)
		}
	}
	r.acl.publishRoleLocked(r)
}

// SetStrategy makes the role use a registered strategy by name ("" for
// none). An unregistered name is an error and changes nothing.
func (r *Role) SetStrategy(name string) error {
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	if err := r.acl.checkStrategyNameLocked(r.name, name); err != nil {
		return err
	}
	r.strategy, r.inlineStrategy = name, nil
	r.acl.publishRoleLocked(r)
	return nil
}

// SetStrategyOptions gives the role an inline strategy. Its actions are
// checked as SetAvailableStrategy checks them.
func (r *Role) SetStrategyOptions(opts StrategyOptions) error {
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	if err := r.acl.checkStrategyLocked("role "+r.name, opts); err != nil {
		return err
	}
	opts.Actions = slices.Clone(opts.Actions)
	r.strategy, r.inlineStrategy = "", &opts
	r.acl.publishRoleLocked(r)
	return nil
}

// SetSnippets replaces the role's snippet rules. Every rule must select a
// registered snippet ("!pm.users" too); otherwise nothing changes.
func (r *Role) SetSnippets(rules []string) error {
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	if err := r.setSnippetsLocked(rules); err != nil {
		return err
	}
	r.acl.publishRoleLocked(r)
	return nil
}

// AddSnippet adds one snippet rule ("pm.*" or "!pm.users"), which must
// select a registered snippet.
func (r *Role) AddSnippet(rule string) error {
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	if slices.Contains(r.snippets, rule) {
		return nil
	}
	if err := r.setSnippetsLocked(append(slices.Clone(r.snippets), rule)); err != nil {
		return err
	}
	r.acl.publishRoleLocked(r)
	return nil
}

// RemoveSnippet removes one snippet rule.
func (r *Role) RemoveSnippet(rule string) {
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	r.snippets = slices.DeleteFunc(slices.Clone(r.snippets), func(s string) bool { return s == rule })
	r.acl.publishRoleLocked(r)
}

func (r *Role) setSnippetsLocked(rules []string) error {
	var out []string
	for _, rule := range rules {
		g, err := compileGlob(strings.TrimPrefix(rule, "!"))
		if err != nil || rule == "" || rule == "!" {
			return fmt.Errorf("%w: role %s snippet rule %q is not a valid pattern", ErrInvalidSnippet, r.name, rule)
		}
		if err := r.acl.checkSnippetRuleLocked(r.name, rule, g); err != nil {
			return err
		}
		if !slices.Contains(out, rule) {
			out = append(out, rule)
		}
	}
	r.snippets = out
	return nil
}

// Snippets returns the role's snippet rules in the order they were added.
func (r *Role) Snippets() []string {
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	return slices.Clone(r.snippets)
}

// EffectiveSnippets returns the registered snippets the role's rules switch
// on (allowed) and off (rejected).
func (r *Role) EffectiveSnippets() (allowed, rejected []string) {
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	allowed, rejected, _ = r.acl.effectiveSnippetsLocked(r.snippets)
	return allowed, rejected
}

// SnippetAllowed reports what the role's snippets say of an action path:
// true when an allowed snippet matches it, false when only a rejected one
// does, and ok=false when none does.
func (r *Role) SnippetAllowed(path string) (allowed, ok bool) {
	resource, action, _ := strings.Cut(path, ":")
	cr := r.compiledRole()
	if _, hit := cr.allowedSnippets.match(resource, action); hit {
		return true, true
	}
	if _, hit := cr.rejectedSnippets.match(resource, action); hit {
		return false, true
	}
	return false, false
}

// ActionParams returns a copy of the params granted for "resource:action"
// (an alias finds its action), and false when there is no such grant.
func (r *Role) ActionParams(path string) (Params, bool) {
	resource, action, err := splitPath(path)
	if err != nil {
		return nil, false
	}
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	p, ok := r.grants[grantKey{resource, action}]
	if !ok {
		p, ok = r.grants[grantKey{resource, r.acl.resolveAliasLocked(action)}]
	}
	if !ok {
		return nil, false
	}
	return cloneParams(p), true
}

// Resources returns the names of the resources the role has grants on, sorted.
func (r *Role) Resources() []string {
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	return jsonval.SortedKeys(r.resources)
}

// roleJSON is NocoBase's role.toJSON() shape.
type roleJSON struct {
	Role     string            `json:"role"`
	Strategy any               `json:"strategy,omitempty"`
	Actions  map[string]Params `json:"actions"`
	Snippets []string          `json:"snippets"`
}

// MarshalJSON encodes the role as NocoBase's role.toJSON() does:
// {role, strategy, actions: {"res:act": params}, snippets}.
func (r *Role) MarshalJSON() ([]byte, error) {
	r.acl.mu.Lock()
	out := roleJSON{Role: r.name, Actions: map[string]Params{}, Snippets: slices.Clone(r.snippets)}
	if r.inlineStrategy != nil {
		out.Strategy = *r.inlineStrategy
	} else if r.strategy != "" {
		out.Strategy = r.strategy
	}
	for key, p := range r.grants {
		out.Actions[key.resource+":"+key.action] = cloneParams(p)
	}
	r.acl.mu.Unlock()
	if out.Snippets == nil {
		out.Snippets = []string{}
	}
	return json.Marshal(out)
}

// compiledRole returns the role's compiled form, compiling a detached role
// on demand.
func (r *Role) compiledRole() *compiledRole {
	r.acl.mu.Lock()
	defer r.acl.mu.Unlock()
	if r.compiled == nil {
		r.compiled = r.acl.compileRoleLocked(r, r.acl.snap.Load().shared)
	}
	return r.compiled
}

type grantKey struct{ resource, action string }

// internName returns the canonical copy of a resource or action name, so
// that thousands of grants do not each keep their own.
func internName(s string) string { return unique.Make(s).Value() }
