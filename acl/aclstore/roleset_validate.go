package aclstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// Bounds of a RoleSet. A set comes from outside (a file, an HTTP body), so
// the work an import does is bounded before it starts; a set beyond them is
// refused whole.
const (
	MaxSetRoles    = 10_000  // roles in a set
	MaxRoleActions = 10_000  // grants (active and inactive) and resources of one role
	MaxSetActions  = 200_000 // grants of all roles together
	MaxSetScopes   = 10_000  // scopes in a set
	MaxSetCode     = 10_000  // strategies and snippets a set names
	MaxRoleRules   = 1_000   // snippet rules of one role
	MaxNameLength  = 255     // bytes of a role, resource, action or scope name
)

// ParseRoleSet decodes a RoleSet from JSON and checks its shape
// (RoleSet.Validate). Unknown keys are refused, so that a misspelt
// "snipets" is an error rather than a role without snippets. Numbers are
// kept exact (json.Number). Bound the input before (http.MaxBytesReader).
func ParseRoleSet(data []byte) (*RoleSet, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var set RoleSet
	if err := dec.Decode(&set); err != nil {
		return nil, &Error{Kind: ErrInvalid, Field: "roleSet", Reason: "not a role set", Cause: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalid("", "", "roleSet", "data after the role set")
	}
	if err := set.Validate(); err != nil {
		return nil, err
	}
	return &set, nil
}

// Validate checks the shape of a set without an ACL or a database: the
// version, the bounds (MaxSetRoles and the others), names present and
// unique, one default role at most, action paths "resource:action",
// fields lists of names and filters objects. What the ACL must accept
// (param keys, strategy actions, snippet rules) Import checks against
// the target's ACL.
func (set *RoleSet) Validate() error {
	if set.Version != RoleSetVersion {
		return invalid("", "", "version", "version %d is not %d, the format this package reads", set.Version, RoleSetVersion)
	}
	if len(set.Roles) > MaxSetRoles {
		return invalid("", "", "roles", "%d roles, more than %d", len(set.Roles), MaxSetRoles)
	}
	if len(set.Scopes) > MaxSetScopes {
		return invalid("", "", "scopes", "%d scopes, more than %d", len(set.Scopes), MaxSetScopes)
	}
	if n := len(set.Strategies) + len(set.Snippets); n > MaxSetCode {
		return invalid("", "", "snippets", "%d strategies and snippets, more than %d", n, MaxSetCode)
	}
	if err := validateScopes(set.Scopes); err != nil {
		return err
	}
	names := make(map[string]struct{}, len(set.Roles))
	titles := make(map[string]string, len(set.Roles))
	total, defaults := 0, 0
	for i := range set.Roles {
		r := &set.Roles[i]
		if err := r.validate(i); err != nil {
			return err
		}
		if _, dup := names[r.Role]; dup {
			return invalid(r.Role, "", "role", "the set has the role twice")
		}
		names[r.Role] = struct{}{}
		if other, dup := titles[r.Title]; dup && r.Title != "" {
			return &Error{Kind: ErrInvalid, Role: other, Field: "title", Reason: fmt.Sprintf("title %q is role %q's too; titles are unique", r.Title, r.Role)}
		}
		titles[r.Title] = r.Role
		total += len(r.Actions) + r.inactiveCount()
		if total > MaxSetActions {
			return invalid("", "", "actions", "more than %d grants in the set", MaxSetActions)
		}
		if r.Default {
			defaults++
		}
	}
	if defaults > 1 {
		return invalid("", "", "default", "%d roles are marked default; there is one default role at most", defaults)
	}
	return nil
}

func validateScopes(scopes []ScopeJSON) error {
	keys := make(map[string]struct{}, len(scopes))
	for i, sc := range scopes {
		if sc.Key == "" || len(sc.Key) > MaxNameLength {
			return invalid("", "", fmt.Sprintf("scopes[%d].key", i), "a scope needs a key of 1 to %d bytes", MaxNameLength)
		}
		if _, dup := keys[sc.Key]; dup {
			return invalid("", "", "scopes", "the set has scope %q twice", sc.Key)
		}
		keys[sc.Key] = struct{}{}
	}
	return nil
}

// validate checks one role's shape; i is its place in the set.
func (r *RoleJSON) validate(i int) error {
	if r.Role == "" || len(r.Role) > MaxNameLength {
		return invalid("", "", fmt.Sprintf("roles[%d].role", i), "a role needs a name of 1 to %d bytes", MaxNameLength)
	}
	if n := len(r.Actions) + r.inactiveCount() + len(r.Resources); n > MaxRoleActions {
		return invalid(r.Role, "", "actions", "%d grants and resources, more than %d", n, MaxRoleActions)
	}
	if len(r.Snippets) > MaxRoleRules {
		return invalid(r.Role, "", "snippets", "%d snippet rules, more than %d", len(r.Snippets), MaxRoleRules)
	}
	resources, err := r.validateResources()
	if err != nil {
		return err
	}
	for _, path := range slices.Sorted(maps.Keys(r.Actions)) { // the same error every time
		if err := validateGrant(r.Role, path, r.Actions[path]); err != nil {
			return err
		}
		resource, _, _ := strings.Cut(path, ":")
		if res, ok := resources[resource]; ok && !res.UsingActionsConfig {
			return invalid(r.Role, path, "actions", "resource %s does not use its actions config, so it grants nothing: move the grant to its inactiveActions or set usingActionsConfig", resource)
		}
	}
	return nil
}

// validateResources checks the role's resource entries and returns them
// by name.
func (r *RoleJSON) validateResources() (map[string]*ResourceJSON, error) {
	resources := make(map[string]*ResourceJSON, len(r.Resources))
	for j := range r.Resources {
		res := &r.Resources[j]
		if res.Name == "" || len(res.Name) > MaxNameLength || strings.Contains(res.Name, ":") {
			return nil, invalid(r.Role, res.Name, fmt.Sprintf("resources[%d].name", j), "a resource name is 1 to %d bytes without ':'", MaxNameLength)
		}
		if _, dup := resources[res.Name]; dup {
			return nil, invalid(r.Role, res.Name, "resources", "the role configures the resource twice")
		}
		resources[res.Name] = res
		if res.UsingActionsConfig && len(res.InactiveActions) > 0 {
			return nil, invalid(r.Role, res.Name, "inactiveActions", "a resource using its actions config has its grants in actions")
		}
		for _, action := range slices.Sorted(maps.Keys(res.InactiveActions)) {
			if err := validateGrant(r.Role, res.Name+":"+action, res.InactiveActions[action]); err != nil {
				return nil, err
			}
		}
	}
	return resources, nil
}

func (r *RoleJSON) inactiveCount() int {
	n := 0
	for _, res := range r.Resources {
		n += len(res.InactiveActions)
	}
	return n
}

// validateGrant checks what the tables can store of one grant: a
// well-formed path, and fields and filter the columns can hold (see
// splitGrant: a grant of fields [] is refused, since the tables read empty
// fields as every field).
func validateGrant(role, path string, p acl.Params) error {
	resource, action, ok := strings.Cut(path, ":")
	if !ok || resource == "" || action == "" || strings.Contains(action, ":") || len(path) > 2*MaxNameLength {
		return &Error{Kind: ErrInvalid, Role: role, Resource: path, Cause: acl.ErrInvalidPath, Reason: `want "resource:action"`}
	}
	_, err := splitGrant(role, path, p)
	return err
}

// wantedRoles checks the set against the ACL and returns its roles as the
// tables will hold them: strategies inline, every configured resource
// listed, in name order.
func (s *Store) wantedRoles(set *RoleSet) ([]RoleJSON, error) {
	if err := s.checkCode(set); err != nil {
		return nil, err
	}
	want := make([]RoleJSON, 0, len(set.Roles))
	for _, r := range set.Roles {
		w := normalizedRole(r)
		if w.Strategy != nil && w.Strategy.Name != "" {
			opts, _ := s.acl.AvailableStrategy(w.Strategy.Name)
			opts.Actions = slices.Clone(opts.Actions)
			w.Strategy = &RoleStrategy{Options: &opts}
		}
		if err := s.checkActions(w.Role, w.Actions); err != nil {
			return nil, err
		}
		if err := s.acl.CheckRole(w.roleOptions()); err != nil {
			return nil, &Error{Kind: ErrInvalid, Role: w.Role, Reason: "the ACL refuses the role", Cause: err}
		}
		if inactive := w.inactiveGrants(); len(inactive) > 0 {
			// Inactive grants are checked too: switching their resource on
			// later must not load a grant the ACL refuses.
			if err := s.acl.CheckRole(acl.RoleOptions{Name: w.Role, Actions: inactive}); err != nil {
				return nil, &Error{Kind: ErrInvalid, Role: w.Role, Field: "inactiveActions", Reason: "the ACL refuses the grant", Cause: err}
			}
		}
		want = append(want, w)
	}
	slices.SortFunc(want, func(a, b RoleJSON) int { return strings.Compare(a.Role, b.Role) })
	return want, nil
}

// checkCode refuses a set whose roles need strategies or snippets the
// ACL does not have, naming all of them.
func (s *Store) checkCode(set *RoleSet) error {
	strategies, snippets := map[string]struct{}{}, map[string]struct{}{}
	for name := range set.Strategies {
		strategies[name] = struct{}{}
	}
	for _, r := range set.Roles {
		if r.Strategy != nil && r.Strategy.Name != "" {
			strategies[r.Strategy.Name] = struct{}{}
		}
	}
	for name := range strategies {
		if _, ok := s.acl.AvailableStrategy(name); ok {
			delete(strategies, name)
		}
	}
	for _, sn := range set.Snippets {
		snippets[sn.Name] = struct{}{}
	}
	for _, sn := range s.acl.Snippets() {
		delete(snippets, sn.Name)
	}
	if len(strategies) > 0 {
		return invalid("", "", "strategies", "the ACL has no strategy %s: register it in code before importing", quoteList(strategies))
	}
	if len(snippets) > 0 {
		return invalid("", "", "snippets", "the ACL has no snippet %s: register it in code before importing", quoteList(snippets))
	}
	return nil
}

// quoteList is the names, sorted and quoted, for an error.
func quoteList(names map[string]struct{}) string {
	q := make([]string, 0, len(names))
	for _, n := range slices.Sorted(maps.Keys(names)) {
		q = append(q, fmt.Sprintf("%q", n))
	}
	return strings.Join(q, ", ")
}
