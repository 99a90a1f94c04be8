package aclstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// everyUser is the ChangeUser name of a change that may alter any user's
// roles (a deleted role, a new default role).
const everyUser = "*"

// writePlan is what a write changes besides its rows, filled in by the
// write as it learns it: the roles to rebuild in the ACL and log as
// ChangeRole, and the users whose roles to forget and log as ChangeUser.
type writePlan struct {
	roles   []string
	hasRole map[string]struct{}
	users   []string
}

func (p *writePlan) role(names ...string) {
	if p.hasRole == nil {
		p.hasRole = map[string]struct{}{}
	}
	for _, name := range names {
		if _, ok := p.hasRole[name]; !ok {
			p.hasRole[name] = struct{}{}
			p.roles = append(p.roles, name)
		}
	}
}

// user adds a user whose roles the write changed. Past maxLoggedUsers
// users the plan becomes everyUser: one logged change (and notification)
// that makes every store forget its whole RolesOf cache, instead of a row
// per user, and no quadratic work for a write of many users.
func (p *writePlan) user(name string) {
	switch {
	case len(p.users) == 1 && p.users[0] == everyUser:
	case name == everyUser || len(p.users) >= maxLoggedUsers:
		p.users = []string{everyUser}
	case !slices.Contains(p.users, name):
		p.users = append(p.users, name)
	}
}

// maxLoggedUsers bounds the users one write logs one by one.
const maxLoggedUsers = 100

// write runs change in one transaction and keeps the ACL in step with it.
// After change, still in the transaction, it logs the plan's changes (so
// other stores apply them, see Watch), rebuilds the plan's roles from the
// rows as they now are and asks the ACL whether it accepts them: a refusal
// rolls everything back. Only after the commit does the ACL change, in one
// acl.ReplaceRoles, so that a failed write leaves the database and the ACL
// as they were. s.writeMu makes this store's writes reach the ACL in the
// order they committed.
func (s *Store) write(ctx context.Context, change func(ctx context.Context, tx bun.Tx, plan *writePlan) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var (
		plan    writePlan
		defined []acl.RoleOptions
		gone    []string
	)
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := change(ctx, tx, &plan); err != nil {
			return err
		}
		for _, name := range plan.roles {
			if _, err := s.logChange(ctx, tx, ChangeRole, name); err != nil {
				return fmt.Errorf("aclstore: log the change of role %q: %w", name, err)
			}
		}
		for _, name := range plan.users {
			if _, err := s.logChange(ctx, tx, ChangeUser, name); err != nil {
				return fmt.Errorf("aclstore: log the change of user %s: %w", name, err)
			}
		}
		if len(plan.roles) == 0 {
			return nil // readRoles would read every role
		}
		var err error
		if defined, gone, err = readRoles(ctx, tx, plan.roles); err != nil {
			return err
		}
		for _, o := range defined {
			if err := s.acl.CheckRole(o); err != nil {
				return &Error{Kind: ErrInvalid, Role: o.Name, Reason: "the ACL refuses the role", Cause: err}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.forgetUsers(plan.users)
	if err := s.applyRoles(defined, gone); err != nil {
		// Committed, but the ACL changed since CheckRole (a snippet or
		// strategy unregistered meanwhile): the next Load reports it too.
		s.log.Error("aclstore: a committed change was refused by the ACL", "roles", plan.roles, "err", err)
		return fmt.Errorf("aclstore: committed, but not applied: %w", err)
	}
	return nil
}

// forgetUsers drops the cached roles of the users a write changed.
func (s *Store) forgetUsers(names []string) {
	var ids []int64
	for _, name := range names {
		if name == everyUser {
			s.invalidateUsers(nil)
			return
		}
		if id, err := strconv.ParseInt(name, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		s.invalidateUsers(ids)
	}
}

// auditUser is the id of the user a write is made for (acl.UserID), nil
// when the context has none. The audit columns are integers, so an id that
// is not an integer is an error rather than a silently missing audit.
func auditUser(ctx context.Context) (*int64, error) {
	raw, ok := acl.UserID(ctx)
	if !ok || raw == nil {
		return nil, nil
	}
	id, ok := int64ID(raw)
	if !ok {
		return nil, invalid("", "", "user id", "%v (%T) is not an integer", raw, raw)
	}
	return &id, nil
}

// int64ID reads a user id given as any whole number a context may hold: a
// Go integer, a whole float64 (a decoded JSON number), a json.Number or a
// numeric string (resourcer.WholeNumber).
func int64ID(v any) (int64, bool) { return resourcer.WholeNumber(v) }

// stamp fills the timestamps and audit columns of a row a write inserts
// (created) or changes.
func stamp(ts *Timestamps, au *Audit, user *int64, created bool) {
	now := time.Now().UTC()
	ts.UpdatedAt = now
	if au != nil {
		au.UpdatedByID = user
	}
	if created {
		ts.CreatedAt = now
		if au != nil {
			au.CreatedByID = user
		}
	}
}

// isNoRows reports whether a read found no row.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// roleExists reports whether the role has a row, reading in tx.
func roleExists(ctx context.Context, tx bun.IDB, name string) (bool, error) {
	ok, err := tx.NewSelect().Model((*Role)(nil)).Where("? = ?", bun.Ident("name"), name).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("aclstore: read role %q: %w", name, err)
	}
	return ok, nil
}

// requireRole is roleExists that answers ErrRoleNotFound.
func requireRole(ctx context.Context, tx bun.IDB, name string) error {
	ok, err := roleExists(ctx, tx, name)
	if err == nil && !ok {
		err = roleNotFound(name)
	}
	return err
}
