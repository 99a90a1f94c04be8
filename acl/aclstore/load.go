package aclstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// Load builds every role of the tables into the ACL as one change
// (acl.ReplaceRoles): readers see the old roles or the new ones, never a
// mix. Roles an earlier Load or write of this store defined and that are no
// longer in the tables are removed; roles the host defined in code are left
// alone.
//
// A row the ACL refuses (an unknown strategy action, a snippet rule that
// selects no registered snippet, an unknown param key) makes Load fail with
// an error naming the role, and nothing changes: a misconfigured role is an
// error to fix, not a role to drop silently. So register the ACL's actions,
// strategies, snippets and param keys before calling Load.
//
// Load notes the newest change log row it has seen before reading the
// roles, so that Watch applies every change made after the read.
func (s *Store) Load(ctx context.Context) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var (
		defined []acl.RoleOptions
		maxID   int64
	)
	err := s.db.RunInTx(ctx, s.readTxOptions(), func(ctx context.Context, tx bun.Tx) error {
		var lastID sql.NullInt64
		if err := tx.NewSelect().Model((*Change)(nil)).ColumnExpr("max(?)", bun.Ident("id")).Scan(ctx, &lastID); err != nil {
			return fmt.Errorf("aclstore: read the change log: %w", err)
		}
		maxID = lastID.Int64
		var err error
		defined, _, err = readRoles(ctx, tx, nil)
		return err
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	kept := make(map[string]struct{}, len(defined))
	for _, o := range defined {
		kept[o.Name] = struct{}{}
	}
	var removed []string
	for name := range s.loaded {
		if _, ok := kept[name]; !ok {
			removed = append(removed, name)
		}
	}
	s.mu.Unlock()
	if err := s.applyRoles(defined, removed); err != nil {
		return err
	}
	s.mu.Lock()
	s.seen = maxID
	s.mu.Unlock()
	return nil
}

// reloadRoles reads the named roles from db and defines them in the ACL in
// one acl.ReplaceRoles; those no longer in the tables are removed when this
// store defined them. Callers hold s.writeMu, so that reloads and writes
// reach the ACL in the order they read the database.
func (s *Store) reloadRoles(ctx context.Context, db bun.IDB, names []string) error {
	defined, missing, err := readRoles(ctx, db, names)
	if err != nil {
		return err
	}
	return s.applyRoles(defined, missing)
}

// applyRoles defines roles in the ACL and removes the names of remove this
// store defined, as one change, and records what the store now defines. A
// refusal names the role and changes nothing.
func (s *Store) applyRoles(define []acl.RoleOptions, remove []string) error {
	if len(define) == 0 && len(remove) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	remove = slices.DeleteFunc(slices.Clone(remove), func(name string) bool {
		_, ok := s.loaded[name]
		return !ok
	})
	if err := s.acl.ReplaceRoles(define, remove); err != nil {
		return refusedRole(s.acl, define, err)
	}
	for _, name := range remove {
		delete(s.loaded, name)
	}
	for _, o := range define {
		s.loaded[o.Name] = struct{}{}
	}
	return nil
}

// refusedRole turns acl.ReplaceRoles' refusal into an *Error naming the
// role: it checks the roles one by one, which only a failure pays for.
func refusedRole(a *acl.ACL, define []acl.RoleOptions, err error) error {
	for _, o := range define {
		if checkErr := a.CheckRole(o); checkErr != nil {
			return &Error{Kind: ErrInvalid, Role: o.Name, Reason: "the ACL refuses the role", Cause: checkErr}
		}
	}
	return &Error{Kind: ErrInvalid, Reason: "the ACL refuses the roles", Cause: err}
}

// readTxOptions make a read see one snapshot of every table: PostgreSQL's
// default READ COMMITTED would let a role's resources and actions come from
// different commits.
func (s *Store) readTxOptions() *sql.TxOptions {
	if s.pg {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return &sql.TxOptions{ReadOnly: true}
}

// readRoles reads the roles named (every role when names is nil) and their
// grants in four queries, whatever the number of roles, and returns their
// options in name order, with the names that have no row.
//
// The mapping is NocoBase's RoleModel.writeToACL: the strategy and
// snippets columns as they are (the allowConfigure column going into the
// strategy, see options); for each rolesResources row with
// usingActionsConfig, one grant "<resource>:<action>" per action row, whose
// params are the row's params column, "fields" when the fields column is
// not empty (empty means every field, as NocoBase stores it) and "filter"
// when the action's scope has a non-empty filter. A resource without
// usingActionsConfig contributes nothing: the strategy decides there.
func readRoles(ctx context.Context, db bun.IDB, names []string) ([]acl.RoleOptions, []string, error) {
	if names != nil && len(names) == 0 {
		return nil, nil, nil
	}
	var roles []Role
	// Only the columns a role is built from: scanning the times and audit
	// columns of 80,000 rows would double Load's cost.
	q := db.NewSelect().Model(&roles).Column("name", "strategy", "snippets", "allowConfigure").Order("name")
	if names != nil {
		q.Where("? IN (?)", bun.Ident("name"), bun.List(names))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("aclstore: read roles: %w", err)
	}
	grants, err := readGrants(ctx, db, names)
	if err != nil {
		return nil, nil, err
	}
	opts := make([]acl.RoleOptions, 0, len(roles))
	for i := range roles {
		r := &roles[i]
		o := r.options()
		g := grants[r.Name]
		if g.err != nil {
			return nil, nil, g.err
		}
		if len(g.actions) > 0 {
			o.Actions = g.actions
		}
		o.Resources = g.resources
		opts = append(opts, o)
	}
	found := make(map[string]struct{}, len(roles))
	for i := range roles {
		found[roles[i].Name] = struct{}{}
	}
	var missing []string
	for _, name := range names {
		if _, ok := found[name]; !ok {
			missing = append(missing, name)
		}
	}
	return opts, missing, nil
}

// options are the role's options without its grants. The row's
// allowConfigure goes into its strategy, as NocoBase's RoleModel writes
// it: the "allowConfigure" allow condition reads it there.
func (r *Role) options() acl.RoleOptions {
	st := r.Strategy
	if st != nil || r.AllowConfigure {
		merged := acl.StrategyOptions{}
		if st != nil {
			merged = *st
		}
		merged.AllowConfigure = r.AllowConfigure
		st = &merged
	}
	return acl.RoleOptions{Name: r.Name, StrategyOptions: st, Snippets: r.Snippets}
}

// roleGrants are one role's grants and the resources it configures
// without any, or the error that its rows are malformed.
type roleGrants struct {
	actions   map[string]acl.Params
	resources []string
	err       error
}

// readGrants reads the grants of the roles named (all when nil), keyed by
// role.
func readGrants(ctx context.Context, db bun.IDB, names []string) (map[string]roleGrants, error) {
	var resources []RoleResource
	rq := db.NewSelect().Model(&resources).Column("id", "roleName", "name").Where("? = ?", bun.Ident("usingActionsConfig"), true)
	if names != nil {
		rq.Where("? IN (?)", bun.Ident("roleName"), bun.List(names))
	}
	if err := rq.Scan(ctx); err != nil {
		return nil, fmt.Errorf("aclstore: read rolesResources: %w", err)
	}
	if len(resources) == 0 {
		return nil, nil
	}
	var actions []RoleResourceAction
	aq := db.NewSelect().Model(&actions).Column("rolesResourceId", "name", "fields", "scopeId", "params")
	if names != nil {
		ids := db.NewSelect().Model((*RoleResource)(nil)).Column("id").
			Where("? = ?", bun.Ident("usingActionsConfig"), true).
			Where("? IN (?)", bun.Ident("roleName"), bun.List(names))
		aq.Where("? IN (?)", bun.Ident("rolesResourceId"), ids)
	}
	if err := aq.Scan(ctx); err != nil {
		return nil, fmt.Errorf("aclstore: read rolesResourcesActions: %w", err)
	}
	scopes, err := readScopes(ctx, db, actions, names == nil)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*RoleResource, len(resources))
	for i := range resources {
		byID[resources[i].ID] = &resources[i]
	}
	out := map[string]roleGrants{}
	granted := make(map[int64]bool, len(resources))
	for i := range actions {
		a := &actions[i]
		res, ok := byID[a.RolesResourceID]
		if !ok {
			continue // a resource without usingActionsConfig: the strategy decides
		}
		g := out[res.RoleName]
		if g.err != nil {
			continue
		}
		if g.actions == nil {
			g.actions = map[string]acl.Params{}
		}
		path := res.Name + ":" + a.Name
		g.actions[path], g.err = grantParams(res.RoleName, path, a, scopes)
		out[res.RoleName] = g
		granted[res.ID] = true
	}
	// A resource configured with no action grants nothing: it stays the
	// role's, closed to the strategy.
	for i := range resources {
		if res := &resources[i]; !granted[res.ID] {
			g := out[res.RoleName]
			g.resources = append(g.resources, res.Name)
			out[res.RoleName] = g
		}
	}
	return out, nil
}

// readScopes reads the scopes the actions use: every scope when reading
// every role (one query without a long IN list), else those named.
func readScopes(ctx context.Context, db bun.IDB, actions []RoleResourceAction, all bool) (map[int64]*RoleResourceScope, error) {
	var ids []int64
	seen := map[int64]struct{}{}
	for _, a := range actions {
		if a.ScopeID == nil {
			continue
		}
		if _, dup := seen[*a.ScopeID]; !dup {
			seen[*a.ScopeID] = struct{}{}
			ids = append(ids, *a.ScopeID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var scopes []RoleResourceScope
	q := db.NewSelect().Model(&scopes).Column("id", "scope")
	if !all {
		q.Where("? IN (?)", bun.Ident("id"), bun.List(ids))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("aclstore: read rolesResourcesScopes: %w", err)
	}
	out := make(map[int64]*RoleResourceScope, len(scopes))
	for i := range scopes {
		out[scopes[i].ID] = &scopes[i]
	}
	return out, nil
}

// grantParams are the params of one action row. The params column may not
// hold "fields" or "filter", which have columns of their own: a row that
// does is malformed, not silently merged. Unknown keys are left for the ACL
// to refuse.
func grantParams(role, path string, a *RoleResourceAction, scopes map[int64]*RoleResourceScope) (acl.Params, error) {
	p := make(acl.Params, len(a.Params)+2)
	for k, v := range a.Params {
		if k == "fields" || k == "filter" {
			return nil, invalid(role, path, "params", "the params column may not hold %q, which has a column of its own", k)
		}
		p[k] = v
	}
	if len(a.Fields) > 0 {
		p["fields"] = a.Fields
	}
	if a.ScopeID != nil {
		sc, ok := scopes[*a.ScopeID]
		if !ok {
			return nil, invalid(role, path, "scopeId", "scope %d does not exist", *a.ScopeID)
		}
		if len(sc.Scope) > 0 {
			p["filter"] = sc.Scope
		}
	}
	return p, nil
}
