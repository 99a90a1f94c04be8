package aclstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
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
	// changedScopes are the ids of the scopes whose filter the import
	// changed: a role whose grants use one reads differently now.
	changedScopes map[int64]struct{}
}

func (imp *importer) run(ctx context.Context, scopes []ScopeJSON, want []RoleJSON, opts ImportOptions) error {
	have, err := readStoredRoles(ctx, imp.tx)
	if err != nil {
		return err
	}
	if imp.changedScopes, err = imp.writeScopes(ctx, have, scopes); err != nil {
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
		if _, ok := inSet[r.Name]; !ok && usesScope(have, r.Name, imp.changedScopes) {
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
	// as different, so that the import repairs it; so does one whose
	// grants use a scope the import changed (cur was read before): its
	// grants are written again, each to a scope with its filter.
	cur, err := have.roleJSON(old)
	rowSame := err == nil && canonical(roleColumnsOf(&cur)) == canonical(roleColumnsOf(w))
	grantsSame := err == nil && canonical(grantsOf(&cur)) == canonical(grantsOf(w)) && !usesScope(have, w.Role, imp.changedScopes)
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
