package aclstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
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

// ImportOptions change what Import does.
type ImportOptions struct {
	// Prune deletes the roles of the tables that are not in the set (never
	// the root role), with their resources and their users' memberships.
	Prune bool
}

// ImportResult says what an import changed, each list sorted by name.
type ImportResult struct {
	Created   []string `json:"created"`
	Updated   []string `json:"updated"`
	Unchanged []string `json:"unchanged"`
	Deleted   []string `json:"deleted"`
	// AlsoChanged are roles not in the set that changed with it: their
	// default flag was taken by the set's default role, or a scope their
	// grants use was changed.
	AlsoChanged []string `json:"alsoChanged"`
	// ScopesCreated and ScopesUpdated are scope keys: the set's new or
	// changed scopes, and scopes made for a grant's filter that matches
	// none.
	ScopesCreated []string `json:"scopesCreated"`
	ScopesUpdated []string `json:"scopesUpdated"`
}

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

// Import writes a set into the tables and the ACL, in one transaction:
// roles of the set are created or updated to equal it, roles equal to it
// are left alone (so importing a set twice changes nothing the second
// time), and with opts.Prune the roles not in it are deleted. A failure
// anywhere leaves the database and the ACL as they were.
//
// Everything is checked before the database is touched: the set's shape
// (Validate); the strategies and snippets it needs, which must be
// registered in the target's ACL (they are code, not data); and every role
// with acl.CheckRole, with errors naming the role and the grant. The
// rows are then checked again as Load will read them. Each role touched is
// logged as a change, so other stores follow (see Watch), and the ACL
// gets every role in one acl.ReplaceRoles after the commit.
//
// A grant's filter is stored as the scope with the same content (the
// set's scopes are written first); a filter no scope has gets a scope of
// its own, keyed by its content.
func (s *Store) Import(ctx context.Context, set *RoleSet, opts ImportOptions) (*ImportResult, error) {
	if set == nil {
		return nil, invalid("", "", "roleSet", "no role set")
	}
	if err := set.Validate(); err != nil {
		return nil, err
	}
	want, err := s.wantedRoles(set)
	if err != nil {
		return nil, err
	}
	user, err := auditUser(ctx)
	if err != nil {
		return nil, err
	}
	var result *ImportResult
	err = s.write(ctx, func(ctx context.Context, tx bun.Tx, plan *writePlan) error {
		imp := &importer{tx: tx, user: user, plan: plan, res: &ImportResult{}}
		if err := imp.run(ctx, set.Scopes, want, opts); err != nil {
			return err
		}
		result = imp.result()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return result, nil
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

// normalizedRole is r as Export would render it once stored: snippets and
// actions never nil, empty filters dropped, fields as names, and a
// resource entry for every resource a grant names.
func normalizedRole(r RoleJSON) RoleJSON {
	out := r
	if r.Strategy != nil && r.Strategy.Name == "" && r.Strategy.Options == nil {
		out.Strategy = nil
	}
	out.Snippets = slices.Clone(r.Snippets)
	if out.Snippets == nil {
		out.Snippets = []string{}
	}
	out.Actions = make(map[string]acl.Params, len(r.Actions))
	for path, p := range r.Actions {
		out.Actions[path] = normalizedGrant(p)
	}
	byName := map[string]ResourceJSON{}
	for _, res := range r.Resources {
		n := ResourceJSON{Name: res.Name, UsingActionsConfig: res.UsingActionsConfig}
		for action, p := range res.InactiveActions {
			if n.InactiveActions == nil {
				n.InactiveActions = map[string]acl.Params{}
			}
			n.InactiveActions[action] = normalizedGrant(p)
		}
		byName[res.Name] = n
	}
	for path := range r.Actions {
		resource, _, _ := strings.Cut(path, ":")
		if _, ok := byName[resource]; !ok {
			byName[resource] = ResourceJSON{Name: resource, UsingActionsConfig: true}
		}
	}
	out.Resources = make([]ResourceJSON, 0, len(byName))
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		out.Resources = append(out.Resources, byName[name])
	}
	return out
}

// normalizedGrant is p as its row reads back: fields as []string, no
// empty filter.
func normalizedGrant(p acl.Params) acl.Params {
	out := make(acl.Params, len(p))
	for k, v := range p {
		switch k {
		case "fields":
			fields, err := stringList(v)
			if err == nil && fields == nil {
				continue // null fields: no restriction, as an absent key
			}
			if err == nil {
				v = fields
			}
		case "filter":
			if m, _ := v.(map[string]any); len(m) == 0 {
				continue
			}
		}
		out[k] = v
	}
	return out
}

// inactiveGrants are the inactive actions of r keyed "resource:action".
func (r *RoleJSON) inactiveGrants() map[string]acl.Params {
	out := map[string]acl.Params{}
	for _, res := range r.Resources {
		for action, p := range res.InactiveActions {
			out[res.Name+":"+action] = p
		}
	}
	return out
}

// importer writes one set in one transaction.
type importer struct {
	tx   bun.Tx
	user *int64
	plan *writePlan
	res  *ImportResult
	// scopes are every scope by key, and byContent the keys of each
	// filter content (canonical JSON), sorted.
	scopes    map[string]*RoleResourceScope
	byContent map[string][]string
}

func (imp *importer) run(ctx context.Context, scopes []ScopeJSON, want []RoleJSON, opts ImportOptions) error {
	have, err := readStoredRoles(ctx, imp.tx)
	if err != nil {
		return err
	}
	changedScopes, err := imp.writeScopes(ctx, have, scopes)
	if err != nil {
		return err
	}
	inSet := make(map[string]struct{}, len(want))
	for i := range want {
		inSet[want[i].Role] = struct{}{}
	}
	// Pruning first frees the titles of the roles the set replaces.
	kept := have.roles[:0:0]
	for _, r := range have.roles {
		if _, ok := inSet[r.Name]; ok || !opts.Prune || r.Name == RootRole {
			kept = append(kept, r)
			continue
		}
		if err := deleteRoleRows(ctx, imp.tx, r.Name); err != nil {
			return err
		}
		imp.res.Deleted = append(imp.res.Deleted, r.Name)
		imp.plan.role(r.Name)
		imp.plan.user(everyUser)
	}
	if err := imp.freeTitles(ctx, have, want); err != nil {
		return err
	}
	for i := range want {
		if err := imp.writeRole(ctx, have, &want[i]); err != nil {
			return err
		}
		if want[i].Default {
			if err := imp.clearOtherDefaults(ctx, kept, want[i].Role); err != nil {
				return err
			}
		}
	}
	for _, r := range kept {
		if _, ok := inSet[r.Name]; !ok && usesScope(have, r.Name, changedScopes) {
			imp.plan.role(r.Name)
		}
	}
	return nil
}

// writeScopes creates or updates the set's scopes by key and returns the
// ids of the scopes whose filter changed.
func (imp *importer) writeScopes(ctx context.Context, have *storedRoles, scopes []ScopeJSON) (map[int64]struct{}, error) {
	imp.scopes = make(map[string]*RoleResourceScope, len(have.scopeKeys)+len(scopes))
	for key, sc := range have.scopeKeys {
		imp.scopes[key] = &sc
	}
	changed := map[int64]struct{}{}
	for _, sc := range scopes {
		old, ok := imp.scopes[sc.Key]
		row := &RoleResourceScope{Key: sc.Key, Name: sc.Name, ResourceName: sc.ResourceName, Scope: nonNilParams(sc.Scope)}
		if !ok {
			stamp(&row.Timestamps, &row.Audit, imp.user, true)
			if _, err := imp.tx.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
				return nil, fmt.Errorf("aclstore: import scope %q: %w", sc.Key, err)
			}
			imp.scopes[sc.Key] = row
			imp.res.ScopesCreated = append(imp.res.ScopesCreated, sc.Key)
			continue
		}
		if old.Name == row.Name && old.ResourceName == row.ResourceName && jsonval.Equal(map[string]any(nonNilParams(old.Scope)), map[string]any(row.Scope)) {
			continue
		}
		row.ID = old.ID
		stamp(&row.Timestamps, &row.Audit, imp.user, false)
		if _, err := imp.tx.NewUpdate().Model(row).Column("name", "resourceName", "scope", "updatedAt", "updatedById").WherePK().Exec(ctx); err != nil {
			return nil, fmt.Errorf("aclstore: import scope %q: %w", sc.Key, err)
		}
		changed[row.ID] = struct{}{}
		imp.scopes[sc.Key] = row
		imp.res.ScopesUpdated = append(imp.res.ScopesUpdated, sc.Key)
	}
	imp.byContent = map[string][]string{}
	for _, key := range slices.Sorted(maps.Keys(imp.scopes)) {
		c := canonical(imp.scopes[key].Scope)
		imp.byContent[c] = append(imp.byContent[c], key)
	}
	return changed, nil
}

// usesScope reports whether one of the role's action rows uses one of
// the scopes.
func usesScope(have *storedRoles, role string, scopes map[int64]struct{}) bool {
	if len(scopes) == 0 {
		return false
	}
	for _, rr := range have.resources[role] {
		for _, ra := range have.actions[rr.ID] {
			if ra.ScopeID == nil {
				continue
			}
			if _, ok := scopes[*ra.ScopeID]; ok {
				return true
			}
		}
	}
	return false
}

// freeTitles clears the titles the set moves between roles before any
// role is written: titles are unique, and two roles swapping theirs would
// otherwise collide halfway.
func (imp *importer) freeTitles(ctx context.Context, have *storedRoles, want []RoleJSON) error {
	var names []string
	for i := range want {
		if old, ok := have.byName[want[i].Role]; ok && old.Title != want[i].Title && old.Title != "" {
			names = append(names, old.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	_, err := imp.tx.NewUpdate().Model((*Role)(nil)).Set("? = NULL", bun.Ident("title")).
		Where("? IN (?)", bun.Ident("name"), bun.List(names)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("aclstore: import: free the titles of %v: %w", names, err)
	}
	return nil
}

// writeRole creates w, or updates the role to equal it, or leaves an
// equal role alone.
func (imp *importer) writeRole(ctx context.Context, have *storedRoles, w *RoleJSON) error {
	old, exists := have.byName[w.Role]
	if !exists {
		row := roleRow(w)
		stamp(&row.Timestamps, &row.Audit, imp.user, true)
		if _, err := imp.tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return roleWriteError(w.Role, err)
		}
		imp.res.Created = append(imp.res.Created, w.Role)
		imp.plan.role(w.Role)
		if w.Default {
			imp.plan.user(everyUser)
		}
		return imp.writeResources(ctx, w)
	}
	// A role whose rows Load would refuse (a malformed action row) reads
	// as different, so that the import repairs it.
	cur, err := have.roleJSON(old)
	rowSame := err == nil && canonical(roleColumnsOf(&cur)) == canonical(roleColumnsOf(w))
	grantsSame := err == nil && canonical(grantsOf(&cur)) == canonical(grantsOf(w))
	if rowSame && grantsSame {
		imp.res.Unchanged = append(imp.res.Unchanged, w.Role)
		return nil
	}
	imp.res.Updated = append(imp.res.Updated, w.Role)
	imp.plan.role(w.Role)
	if cur.Default != w.Default {
		imp.plan.user(everyUser)
	}
	row := roleRow(w)
	stamp(&row.Timestamps, &row.Audit, imp.user, false)
	if _, err := imp.tx.NewUpdate().Model(row).Column(roleColumns...).Column("updatedAt", "updatedById").WherePK().Exec(ctx); err != nil {
		return roleWriteError(w.Role, err)
	}
	if grantsSame {
		return nil
	}
	if err := deleteResources(ctx, imp.tx, w.Role, ""); err != nil {
		return err
	}
	return imp.writeResources(ctx, w)
}

// clearOtherDefaults takes the default flag from the roles the set does
// not have: there is one default role at most. (Roles of the set carry
// their own flag.)
func (imp *importer) clearOtherDefaults(ctx context.Context, roles []Role, keep string) error {
	var names []string
	for i := range roles {
		r := &roles[i]
		if r.Default && r.Name != keep {
			names = append(names, r.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	_, err := imp.tx.NewUpdate().Model((*Role)(nil)).
		Set("? = ?", bun.Ident("default"), false).
		Set("? = ?", bun.Ident("updatedById"), imp.user).
		Set("? = CURRENT_TIMESTAMP", bun.Ident("updatedAt")).
		Where("? IN (?)", bun.Ident("name"), bun.List(names)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("aclstore: import: clear the default flag of %v: %w", names, err)
	}
	imp.plan.role(names...)
	imp.plan.user(everyUser)
	return nil
}

func roleRow(w *RoleJSON) *Role {
	row := &Role{
		Name: w.Role, Title: w.Title, Description: w.Description, Snippets: slices.Clone(w.Snippets),
		AllowConfigure: w.AllowConfigure, AllowNewMenu: w.AllowNewMenu, Default: w.Default, Hidden: w.Hidden, Sort: w.Sort,
	}
	if w.Strategy != nil {
		row.Strategy = w.Strategy.Options
	}
	return row
}

// roleColumnsOf and grantsOf are the two halves of a role an import
// compares: its roles row, and its resources with their grants.
func roleColumnsOf(r *RoleJSON) any {
	c := *r
	c.Actions, c.Resources = nil, nil
	return c
}

func grantsOf(r *RoleJSON) any {
	return struct {
		Actions   map[string]acl.Params
		Resources []ResourceJSON
	}{r.Actions, r.Resources}
}

// canonical is v as JSON with sorted keys and numbers as float64 writes
// them: equal JSON values give equal strings whatever Go types hold them,
// and 50.0 reads as 50, as it does once stored and read back.
func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Validate and normalizedGrant leave only JSON values.
		return fmt.Sprintf("unmarshalable %v", err)
	}
	var decoded any
	if err := json.Unmarshal(b, &decoded); err != nil {
		return string(b)
	}
	b, _ = json.Marshal(decoded)
	return string(b)
}

// insertBatch bounds the rows of one INSERT: a role may have thousands of
// grants, and one statement per row would be as many round trips.
const insertBatch = 1000

// writeResources inserts w's resources and their action rows, a batch of
// rows per statement.
func (imp *importer) writeResources(ctx context.Context, w *RoleJSON) error {
	if len(w.Resources) == 0 {
		return nil
	}
	resources := make([]RoleResource, len(w.Resources))
	for i, res := range w.Resources {
		resources[i] = RoleResource{RoleName: w.Role, Name: res.Name, UsingActionsConfig: res.UsingActionsConfig}
		stamp(&resources[i].Timestamps, &resources[i].Audit, imp.user, true)
	}
	for chunk := range slices.Chunk(resources, insertBatch) {
		if _, err := imp.tx.NewInsert().Model(&chunk).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("aclstore: import the resources of role %q: %w", w.Role, err)
		}
	}
	active := map[string]map[string]acl.Params{} // resource -> action -> params
	for path, p := range w.Actions {
		resource, action, _ := strings.Cut(path, ":")
		if active[resource] == nil {
			active[resource] = map[string]acl.Params{}
		}
		active[resource][action] = p
	}
	var rows []RoleResourceAction
	for i, res := range w.Resources {
		grants := res.InactiveActions
		if res.UsingActionsConfig {
			grants = active[res.Name]
		}
		for _, action := range slices.Sorted(maps.Keys(grants)) {
			ra, err := imp.actionRow(ctx, w.Role, &resources[i], action, grants[action])
			if err != nil {
				return err
			}
			rows = append(rows, ra)
		}
	}
	for chunk := range slices.Chunk(rows, insertBatch) {
		if _, err := imp.tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return fmt.Errorf("aclstore: import the grants of role %q: %w", w.Role, err)
		}
	}
	return nil
}

// actionRow is one grant as a row: fields to their column, the filter to
// a scope, the other params to the params column (splitGrant, as Grant
// stores them).
func (imp *importer) actionRow(ctx context.Context, role string, rr *RoleResource, action string, p acl.Params) (RoleResourceAction, error) {
	path := rr.Name + ":" + action
	g, err := splitGrant(role, path, p)
	if err != nil {
		return RoleResourceAction{}, err
	}
	ra := RoleResourceAction{RolesResourceID: rr.ID, Name: action, Fields: g.fields, Params: g.params}
	stamp(&ra.Timestamps, &ra.Audit, imp.user, true)
	if g.filter != nil {
		id, err := imp.scopeFor(ctx, rr.Name, g.filter)
		if err != nil {
			return ra, fmt.Errorf("aclstore: import role %q grant %s: %w", role, path, err)
		}
		ra.ScopeID = &id
	}
	return ra, nil
}

// scopeFor is the id of a scope whose filter is f: one of the resource's
// own, else one of every resource, else any (so that an exported grant
// finds the scope it came from); with none, a new scope of the resource,
// keyed by the resource and content so that importing it again finds it.
// Unlike Grant's one query per grant, it looks up an index of the scopes
// built once per import, which may store thousands of grants.
func (imp *importer) scopeFor(ctx context.Context, resource string, f map[string]any) (int64, error) {
	c := canonical(f)
	keys := imp.byContent[c]
	for _, pick := range []func(*RoleResourceScope) bool{
		func(sc *RoleResourceScope) bool { return sc.ResourceName == resource },
		func(sc *RoleResourceScope) bool { return sc.ResourceName == "" },
		func(*RoleResourceScope) bool { return true },
	} {
		for _, key := range keys {
			if sc := imp.scopes[key]; pick(sc) {
				return sc.ID, nil
			}
		}
	}
	sum := sha256.Sum256([]byte(resource + "\x00" + c))
	row := &RoleResourceScope{Key: "import_" + hex.EncodeToString(sum[:8]), ResourceName: resource, Scope: f}
	stamp(&row.Timestamps, &row.Audit, imp.user, true)
	if _, err := imp.tx.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return 0, fmt.Errorf("create scope %q: %w", row.Key, err)
	}
	imp.scopes[row.Key] = row
	imp.byContent[c] = append(imp.byContent[c], row.Key)
	imp.res.ScopesCreated = append(imp.res.ScopesCreated, row.Key)
	return row.ID, nil
}

// deleteRoleRows deletes a role with its resources and memberships.
func deleteRoleRows(ctx context.Context, tx bun.Tx, role string) error {
	if err := deleteResources(ctx, tx, role, ""); err != nil {
		return err
	}
	if _, err := tx.NewDelete().Model((*RoleUser)(nil)).Where("? = ?", bun.Ident("roleName"), role).Exec(ctx); err != nil {
		return fmt.Errorf("aclstore: delete the users of role %q: %w", role, err)
	}
	if _, err := tx.NewDelete().Model((*Role)(nil)).Where("? = ?", bun.Ident("name"), role).Exec(ctx); err != nil {
		return fmt.Errorf("aclstore: delete role %q: %w", role, err)
	}
	return nil
}

// result is the import's result, its lists sorted, with the roles the
// plan touched beyond the set's.
func (imp *importer) result() *ImportResult {
	r := imp.res
	listed := map[string]struct{}{}
	for _, l := range [][]string{r.Created, r.Updated, r.Unchanged, r.Deleted} {
		for _, name := range l {
			listed[name] = struct{}{}
		}
	}
	for _, name := range imp.plan.roles {
		if _, ok := listed[name]; !ok {
			r.AlsoChanged = append(r.AlsoChanged, name)
		}
	}
	for _, l := range []*[]string{&r.Created, &r.Updated, &r.Unchanged, &r.Deleted, &r.AlsoChanged, &r.ScopesCreated, &r.ScopesUpdated} {
		if *l == nil {
			*l = []string{}
		}
		slices.Sort(*l)
	}
	return r
}
