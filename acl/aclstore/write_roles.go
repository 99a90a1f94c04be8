package aclstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// RootRole is the role DeleteRole refuses to delete.
const RootRole = "root"

// roleColumns are the columns UpdateRole may change.
var roleColumns = []string{"title", "description", "strategy", "snippets", "allowConfigure", "allowNewMenu", "default", "hidden", "sort"}

// CreateRole adds a role to the tables and the ACL. A role without
// Snippets (nil) gets none, stored as [] (NocoBase gives a new role
// "!ui.*", "!pm" and "!pm.*", which only take away snippets it was
// given; the ACL refuses rules that select no registered snippet). r's timestamps and audit columns are
// filled in. A name or title in use is ErrRoleExists; an empty name, or a
// role the ACL refuses, is ErrInvalid.
func (s *Store) CreateRole(ctx context.Context, r *Role) error {
	if r.Name == "" {
		return invalid("", "", "name", "a role needs a name")
	}
	if r.Snippets == nil {
		r.Snippets = []string{}
	}
	// Refuse before touching the database what the ACL will refuse anyway.
	if err := s.acl.CheckRole(r.options()); err != nil {
		return &Error{Kind: ErrInvalid, Role: r.Name, Reason: "the ACL refuses the role", Cause: err}
	}
	user, err := auditUser(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx bun.Tx, plan *writePlan) error {
		if ok, err := roleExists(ctx, tx, r.Name); err != nil || ok {
			if ok {
				return &Error{Kind: ErrRoleExists, Role: r.Name, Field: "name"}
			}
			return err
		}
		stamp(&r.Timestamps, &r.Audit, user, true)
		if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
			return roleWriteError(r.Name, err)
		}
		plan.role(r.Name)
		if r.Default {
			return s.clearOtherDefaults(ctx, tx, plan, r.Name)
		}
		return nil
	})
}

// UpdateRole writes the columns named (all of roleColumns when none) of
// the role r.Name names. An unknown column is ErrInvalid naming it; a
// missing role ErrRoleNotFound. Making a role the default takes the flag
// from any other role.
func (s *Store) UpdateRole(ctx context.Context, r *Role, columns ...string) error {
	if len(columns) == 0 {
		columns = roleColumns
	}
	for _, c := range columns {
		if !slices.Contains(roleColumns, c) {
			return invalid(r.Name, "", c, "not a column UpdateRole may change (one of %v)", roleColumns)
		}
	}
	user, err := auditUser(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx bun.Tx, plan *writePlan) error {
		stamp(&r.Timestamps, &r.Audit, user, false)
		res, err := tx.NewUpdate().Model(r).Column(columns...).Column("updatedAt", "updatedById").WherePK().Exec(ctx)
		if err != nil {
			return roleWriteError(r.Name, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return fmt.Errorf("aclstore: update role %q: %w", r.Name, err)
			}
			return roleNotFound(r.Name)
		}
		plan.role(r.Name)
		if slices.Contains(columns, "default") {
			plan.user(everyUser)
			if r.Default {
				return s.clearOtherDefaults(ctx, tx, plan, r.Name)
			}
		}
		return nil
	})
}

// DeleteRole removes a role with its resource configuration and its users'
// memberships. The root role is refused (ErrRootRole).
func (s *Store) DeleteRole(ctx context.Context, name string) error {
	if name == RootRole {
		return &Error{Kind: ErrRootRole, Role: name}
	}
	return s.write(ctx, func(ctx context.Context, tx bun.Tx, plan *writePlan) error {
		if err := deleteResources(ctx, tx, name, ""); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*RoleUser)(nil)).Where("? = ?", bun.Ident("roleName"), name).Exec(ctx); err != nil {
			return fmt.Errorf("aclstore: delete the users of role %q: %w", name, err)
		}
		res, err := tx.NewDelete().Model((*Role)(nil)).Where("? = ?", bun.Ident("name"), name).Exec(ctx)
		if err != nil {
			return fmt.Errorf("aclstore: delete role %q: %w", name, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return fmt.Errorf("aclstore: delete role %q: %w", name, err)
			}
			return roleNotFound(name)
		}
		plan.role(name)
		plan.user(everyUser)
		return nil
	})
}

// Role reads one role's row; ErrRoleNotFound when there is none.
func (s *Store) Role(ctx context.Context, name string) (*Role, error) {
	r := new(Role)
	err := s.db.NewSelect().Model(r).Where("? = ?", bun.Ident("name"), name).Limit(1).Scan(ctx)
	if err != nil {
		if isNoRows(err) {
			return nil, roleNotFound(name)
		}
		return nil, fmt.Errorf("aclstore: read role %q: %w", name, err)
	}
	return r, nil
}

// Roles reads every role's row, by sort and then name.
func (s *Store) Roles(ctx context.Context) ([]Role, error) {
	var roles []Role
	err := s.db.NewSelect().Model(&roles).OrderExpr("COALESCE(?, 0), ?", bun.Ident("sort"), bun.Ident("name")).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("aclstore: read roles: %w", err)
	}
	return roles, nil
}

// SetStrategy replaces a role's strategy (nil: none, so only grants and
// snippets allow anything).
func (s *Store) SetStrategy(ctx context.Context, role string, st *acl.StrategyOptions) error {
	return s.UpdateRole(ctx, &Role{Name: role, Strategy: st}, "strategy")
}

// SetSnippets replaces a role's snippet rules. Every rule must select a
// snippet registered in the ACL.
func (s *Store) SetSnippets(ctx context.Context, role string, rules []string) error {
	if rules == nil {
		rules = []string{}
	}
	return s.UpdateRole(ctx, &Role{Name: role, Snippets: rules}, "snippets")
}

// SetDefaultRole makes role the one default role, the role of users who
// have none (RolesOf); "" leaves no default role.
func (s *Store) SetDefaultRole(ctx context.Context, role string) error {
	user, err := auditUser(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx bun.Tx, plan *writePlan) error {
		plan.user(everyUser)
		if role == "" {
			return s.clearOtherDefaults(ctx, tx, plan, "")
		}
		r := &Role{Name: role, Default: true}
		stamp(&r.Timestamps, &r.Audit, user, false)
		res, err := tx.NewUpdate().Model(r).Column("default", "updatedAt", "updatedById").WherePK().Exec(ctx)
		if err != nil {
			return fmt.Errorf("aclstore: set default role %q: %w", role, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return fmt.Errorf("aclstore: set default role %q: %w", role, err)
			}
			return roleNotFound(role)
		}
		plan.role(role)
		return s.clearOtherDefaults(ctx, tx, plan, role)
	})
}

// clearOtherDefaults takes the default flag from every role but keep, so
// that there is one default role at most.
func (s *Store) clearOtherDefaults(ctx context.Context, tx bun.Tx, plan *writePlan, keep string) error {
	var names []string
	err := tx.NewSelect().Model((*Role)(nil)).Column("name").
		Where("? = ?", bun.Ident("default"), true).Where("? <> ?", bun.Ident("name"), keep).Scan(ctx, &names)
	if err != nil {
		return fmt.Errorf("aclstore: read the default roles: %w", err)
	}
	if len(names) == 0 {
		return nil
	}
	user, err := auditUser(ctx)
	if err != nil {
		return err
	}
	_, err = tx.NewUpdate().Model((*Role)(nil)).
		Set("? = ?", bun.Ident("default"), false).
		Set("? = ?", bun.Ident("updatedById"), user).
		Set("? = CURRENT_TIMESTAMP", bun.Ident("updatedAt")).
		Where("? IN (?)", bun.Ident("name"), bun.List(names)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("aclstore: clear the default flag of %v: %w", names, err)
	}
	plan.role(names...)
	plan.user(everyUser)
	return nil
}

// roleWriteError names a taken title as ErrRoleExists; other database
// errors stay what they are.
func roleWriteError(role string, err error) error {
	if column, ok := uniqueViolation(err); ok {
		return &Error{Kind: ErrRoleExists, Role: role, Field: column, Reason: "taken by another role", Cause: err}
	}
	return fmt.Errorf("aclstore: write role %q: %w", role, err)
}
