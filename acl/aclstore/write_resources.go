package aclstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// ResourceConfig is a role's configuration of one resource, as NocoBase's
// roles.resources API reads and writes it: with UsingActionsConfig the
// Actions are the role's grants there and its strategy no longer applies;
// without, the actions are kept but the strategy decides.
type ResourceConfig struct {
	Name               string         `json:"name"`
	UsingActionsConfig bool           `json:"usingActionsConfig"`
	Actions            []ActionConfig `json:"actions"`
}

// ActionConfig is one granted action of a ResourceConfig. Fields empty
// means every field (NocoBase's rows store "no restriction" so); ScopeID
// names a RoleResourceScope whose filter the grant gets; Params are the
// grant's other params (whitelist, appends, own, ...), never fields or
// filter.
type ActionConfig struct {
	Name    string     `json:"name"`
	Fields  []string   `json:"fields"`
	ScopeID *int64     `json:"scopeId"`
	Params  acl.Params `json:"params,omitempty"`
}

// SetResource replaces the role's configuration of rc.Name: its
// usingActionsConfig and every action row.
func (s *Store) SetResource(ctx context.Context, role string, rc ResourceConfig) error {
	if err := s.checkResourceConfig(role, rc); err != nil {
		return err
	}
	user, err := auditUser(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx bun.Tx, plan *writePlan) error {
		res, err := upsertResource(ctx, tx, role, rc.Name, rc.UsingActionsConfig, user)
		if err != nil {
			return err
		}
		_, err = tx.NewDelete().Model((*RoleResourceAction)(nil)).Where("? = ?", bun.Ident("rolesResourceId"), res.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("aclstore: replace the actions of role %q on %q: %w", role, rc.Name, err)
		}
		for _, ac := range rc.Actions {
			if err := checkScope(ctx, tx, role, rc.Name+":"+ac.Name, rc.Name, ac.ScopeID); err != nil {
				return err
			}
			row := &RoleResourceAction{RolesResourceID: res.ID, Name: ac.Name, Fields: ac.Fields, ScopeID: ac.ScopeID, Params: ac.Params}
			stamp(&row.Timestamps, &row.Audit, user, true)
			if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
				return fmt.Errorf("aclstore: write action %s:%s of role %q: %w", rc.Name, ac.Name, role, err)
			}
		}
		plan.role(role)
		return nil
	})
}

// checkResourceConfig refuses, before the database is touched, what the
// ACL would refuse of rc's grants taken alone (malformed paths, unknown
// param keys) and what the table cannot hold.
func (s *Store) checkResourceConfig(role string, rc ResourceConfig) error {
	if rc.Name == "" {
		return invalid(role, "", "name", "a resource needs a name")
	}
	actions := map[string]acl.Params{}
	for _, ac := range rc.Actions {
		path := rc.Name + ":" + ac.Name
		if _, dup := actions[path]; dup {
			return invalid(role, path, "actions", "the action is listed twice")
		}
		for _, k := range []string{"fields", "filter"} {
			if _, ok := ac.Params[k]; ok {
				return invalid(role, path, "params", "%q has a field of its own (fields, scopeId)", k)
			}
		}
		actions[path] = ac.Params
	}
	if err := s.checkActions(role, actions); err != nil {
		return err
	}
	if err := s.acl.CheckRole(acl.RoleOptions{Name: role, Actions: actions}); err != nil {
		return &Error{Kind: ErrInvalid, Role: role, Resource: rc.Name, Reason: "the ACL refuses the grants", Cause: err}
	}
	return nil
}

// RemoveResource removes the role's configuration of resource, handing it
// back to the strategy. ErrGrantNotFound when there is none.
func (s *Store) RemoveResource(ctx context.Context, role, resource string) error {
	return s.write(ctx, func(ctx context.Context, tx bun.Tx, plan *writePlan) error {
		if err := requireRole(ctx, tx, role); err != nil {
			return err
		}
		if _, err := findResource(ctx, tx, role, resource); err != nil {
			return err
		}
		if err := deleteResources(ctx, tx, role, resource); err != nil {
			return err
		}
		plan.role(role)
		return nil
	})
}

// Resources reads the role's resource configurations, by resource name,
// each with its actions by name.
func (s *Store) Resources(ctx context.Context, role string) ([]ResourceConfig, error) {
	if err := requireRole(ctx, s.db, role); err != nil {
		return nil, err
	}
	var rows []RoleResource
	if err := s.db.NewSelect().Model(&rows).Where("? = ?", bun.Ident("roleName"), role).Order("name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("aclstore: read the resources of role %q: %w", role, err)
	}
	if len(rows) == 0 {
		return []ResourceConfig{}, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var actions []RoleResourceAction
	if err := s.db.NewSelect().Model(&actions).Where("? IN (?)", bun.Ident("rolesResourceId"), bun.List(ids)).Order("name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("aclstore: read the actions of role %q: %w", role, err)
	}
	out := make([]ResourceConfig, len(rows))
	for i, r := range rows {
		out[i] = ResourceConfig{Name: r.Name, UsingActionsConfig: r.UsingActionsConfig, Actions: []ActionConfig{}}
		for _, a := range actions {
			if a.RolesResourceID == r.ID {
				out[i].Actions = append(out[i].Actions, ActionConfig{Name: a.Name, Fields: a.Fields, ScopeID: a.ScopeID, Params: a.Params})
			}
		}
	}
	return out, nil
}

// Grant grants the role "resource:action" with params, as
// acl.Role.GrantAction does, keeping the role's other actions on the
// resource and setting usingActionsConfig. The params are stored in
// NocoBase's columns: fields in the fields column, filter as a scope (an
// identical scope of the resource, or of every resource, is reused;
// otherwise one is added), the other keys in the params column.
//
// An empty fields list is refused: the fields column reads empty as every
// field, so storing it would widen the grant from no field to all.
func (s *Store) Grant(ctx context.Context, role, path string, params acl.Params) error {
	resource, action, _ := strings.Cut(path, ":")
	if err := s.checkActions(role, map[string]acl.Params{path: params}); err != nil {
		return err
	}
	if err := s.acl.CheckRole(acl.RoleOptions{Name: role, Actions: map[string]acl.Params{path: params}}); err != nil {
		return &Error{Kind: ErrInvalid, Role: role, Resource: path, Reason: "the ACL refuses the grant", Cause: err}
	}
	g, err := splitGrant(role, path, params)
	if err != nil {
		return err
	}
	user, err := auditUser(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx bun.Tx, plan *writePlan) error {
		res, err := upsertResource(ctx, tx, role, resource, true, user)
		if err != nil {
			return err
		}
		row := &RoleResourceAction{RolesResourceID: res.ID, Name: action, Fields: g.fields, Params: g.params}
		if g.filter != nil {
			if row.ScopeID, err = scopeFor(ctx, tx, resource, g.filter, user); err != nil {
				return err
			}
		}
		if err := upsertAction(ctx, tx, row, user); err != nil {
			return fmt.Errorf("aclstore: grant %s to role %q: %w", path, role, err)
		}
		plan.role(role)
		return nil
	})
}

// Revoke removes the role's grant of "resource:action"; the resource's row
// stays, with its other actions. Revoking its last action leaves the
// resource configured with none: the role may do nothing there, as after
// acl.Role.RevokeAction (RemoveResource hands it back to the strategy).
// ErrGrantNotFound when there is no such grant.
func (s *Store) Revoke(ctx context.Context, role, path string) error {
	resource, action, ok := strings.Cut(path, ":")
	if !ok || resource == "" || action == "" {
		return &Error{Kind: ErrInvalid, Role: role, Resource: path, Cause: acl.ErrInvalidPath, Reason: `want "resource:action"`}
	}
	return s.write(ctx, func(ctx context.Context, tx bun.Tx, plan *writePlan) error {
		if err := requireRole(ctx, tx, role); err != nil {
			return err
		}
		res, err := findResource(ctx, tx, role, resource)
		if err != nil {
			return err
		}
		del, err := tx.NewDelete().Model((*RoleResourceAction)(nil)).
			Where("? = ?", bun.Ident("rolesResourceId"), res.ID).Where("? = ?", bun.Ident("name"), action).Exec(ctx)
		if err != nil {
			return fmt.Errorf("aclstore: revoke %s from role %q: %w", path, role, err)
		}
		if n, err := del.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return fmt.Errorf("aclstore: revoke %s from role %q: %w", path, role, err)
			}
			return &Error{Kind: ErrGrantNotFound, Role: role, Resource: path}
		}
		plan.role(role)
		return nil
	})
}

// storedGrant is a grant's params split into the columns that store them.
type storedGrant struct {
	fields []string
	filter acl.Params // nil: no filter
	params acl.Params
}

func splitGrant(role, path string, params acl.Params) (storedGrant, error) {
	var g storedGrant
	for k, v := range params {
		switch k {
		case "fields":
			fields, err := stringList(v)
			if err != nil {
				return g, invalid(role, path, "fields", "%v", err)
			}
			if len(fields) == 0 {
				return g, invalid(role, path, "fields", "an empty list would be stored as every field; revoke the grant instead")
			}
			g.fields = fields
		case "filter":
			filter, err := jsonval.Normalize(v)
			m, isMap := filter.(map[string]any)
			if err != nil || (!isMap && filter != nil) {
				return g, invalid(role, path, "filter", "want a JSON object, got %T", v)
			}
			if len(m) > 0 {
				g.filter = m
			}
		default:
			if g.params == nil {
				g.params = acl.Params{}
			}
			g.params[k] = v
		}
	}
	return g, nil
}

// stringList reads a list of field names given as []string or []any.
func stringList(v any) ([]string, error) {
	switch l := v.(type) {
	case nil:
		return nil, nil
	case []string:
		return slices.Clone(l), nil
	case []any:
		out := make([]string, len(l))
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want a list of field names, item %d is %T", i, e)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list of field names, got %T", v)
}

// upsertResource returns the role's rolesResources row of resource,
// adding it or setting its usingActionsConfig. The role must exist.
func upsertResource(ctx context.Context, tx bun.Tx, role, resource string, using bool, user *int64) (*RoleResource, error) {
	if err := requireRole(ctx, tx, role); err != nil {
		return nil, err
	}
	res, err := findResource(ctx, tx, role, resource)
	if err == nil {
		if res.UsingActionsConfig != using {
			res.UsingActionsConfig = using
			stamp(&res.Timestamps, &res.Audit, user, false)
			_, err = tx.NewUpdate().Model(res).Column("usingActionsConfig", "updatedAt", "updatedById").WherePK().Exec(ctx)
		}
	} else if isKind(err, ErrGrantNotFound) {
		res = &RoleResource{RoleName: role, Name: resource, UsingActionsConfig: using}
		stamp(&res.Timestamps, &res.Audit, user, true)
		_, err = tx.NewInsert().Model(res).Returning("id").Exec(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("aclstore: configure resource %q of role %q: %w", resource, role, err)
	}
	return res, nil
}

// findResource reads the role's rolesResources row of resource;
// ErrGrantNotFound when there is none.
func findResource(ctx context.Context, tx bun.IDB, role, resource string) (*RoleResource, error) {
	res := new(RoleResource)
	err := tx.NewSelect().Model(res).Where("? = ?", bun.Ident("roleName"), role).Where("? = ?", bun.Ident("name"), resource).Limit(1).Scan(ctx)
	if isNoRows(err) {
		return nil, &Error{Kind: ErrGrantNotFound, Role: role, Resource: resource, Reason: "the role has no configuration of the resource"}
	}
	if err != nil {
		return nil, fmt.Errorf("aclstore: read resource %q of role %q: %w", resource, role, err)
	}
	return res, nil
}

// upsertAction writes row over the action of the same name, or adds it.
func upsertAction(ctx context.Context, tx bun.Tx, row *RoleResourceAction, user *int64) error {
	var id int64
	err := tx.NewSelect().Model((*RoleResourceAction)(nil)).Column("id").
		Where("? = ?", bun.Ident("rolesResourceId"), row.RolesResourceID).Where("? = ?", bun.Ident("name"), row.Name).Limit(1).Scan(ctx, &id)
	switch {
	case isNoRows(err):
		stamp(&row.Timestamps, &row.Audit, user, true)
		_, err = tx.NewInsert().Model(row).Exec(ctx)
	case err == nil:
		row.ID = id
		stamp(&row.Timestamps, &row.Audit, user, false)
		_, err = tx.NewUpdate().Model(row).Column("fields", "scopeId", "params", "updatedAt", "updatedById").WherePK().Exec(ctx)
	}
	return err
}

// deleteResources deletes the role's configuration of resource (of every
// resource when resource is ""), action rows first.
func deleteResources(ctx context.Context, tx bun.Tx, role, resource string) error {
	ids := tx.NewSelect().Model((*RoleResource)(nil)).Column("id").Where("? = ?", bun.Ident("roleName"), role)
	if resource != "" {
		ids.Where("? = ?", bun.Ident("name"), resource)
	}
	if _, err := tx.NewDelete().Model((*RoleResourceAction)(nil)).Where("? IN (?)", bun.Ident("rolesResourceId"), ids).Exec(ctx); err != nil {
		return fmt.Errorf("aclstore: delete the actions of role %q: %w", role, err)
	}
	q := tx.NewDelete().Model((*RoleResource)(nil)).Where("? = ?", bun.Ident("roleName"), role)
	if resource != "" {
		q.Where("? = ?", bun.Ident("name"), resource)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("aclstore: delete the resources of role %q: %w", role, err)
	}
	return nil
}

// isKind reports whether err is an *Error of kind.
func isKind(err, kind error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == kind
}

// checkActions refuses grants of actions the ACL does not know (neither
// registered with acl.ACL.SetAvailableAction nor an alias of one): the
// tables hold what an administrator switches on, and a misspelt
// "posts:udpate" would grant nothing where the administrator meant to
// grant something, without a word.
func (s *Store) checkActions(role string, actions map[string]acl.Params) error {
	for _, path := range slices.Sorted(maps.Keys(actions)) {
		_, action, ok := strings.Cut(path, ":")
		if !ok {
			continue // CheckRole names a malformed path
		}
		if _, known := s.acl.AvailableAction(action); known || s.acl.ResolveActionAlias(action) != action {
			continue
		}
		return invalid(role, path, "action", "unknown action %q: register it with acl.ACL.SetAvailableAction (the ACL knows %s)",
			action, strings.Join(s.acl.AvailableActions(), ", "))
	}
	return nil
}
