package aclstore

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// CreateScope adds a named filter grants may share (ActionConfig.ScopeID).
// ResourceName "" makes it a scope of every resource; an empty Key gets a
// generated one. A scope no grant uses changes no role, so nothing is
// logged.
func (s *Store) CreateScope(ctx context.Context, sc *RoleResourceScope) error {
	scope, err := jsonval.NormalizeMap(sc.Scope)
	if err != nil {
		return invalid("", sc.ResourceName, "scope", "%v", err)
	}
	if scope == nil {
		scope = acl.Params{}
	}
	sc.Scope = scope
	if sc.Key == "" {
		sc.Key = newScopeKey()
	}
	user, err := auditUser(ctx)
	if err != nil {
		return err
	}
	stamp(&sc.Timestamps, &sc.Audit, user, true)
	if _, err := s.db.NewInsert().Model(sc).Returning("id").Exec(ctx); err != nil {
		if _, taken := uniqueViolation(err); taken {
			return &Error{Kind: ErrInvalid, Resource: sc.ResourceName, Field: "key", Reason: fmt.Sprintf("scope key %q is taken", sc.Key), Cause: err}
		}
		return fmt.Errorf("aclstore: add scope %q: %w", sc.Key, err)
	}
	return nil
}

// Scopes reads the scopes a grant on resource may use: its own and those
// of every resource, by id. resource "" reads every scope.
func (s *Store) Scopes(ctx context.Context, resource string) ([]RoleResourceScope, error) {
	var scopes []RoleResourceScope
	q := s.db.NewSelect().Model(&scopes).Order("id")
	if resource != "" {
		q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("? = ?", bun.Ident("resourceName"), resource).WhereOr("? IS NULL", bun.Ident("resourceName"))
		})
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("aclstore: read the scopes of %q: %w", resource, err)
	}
	return scopes, nil
}

// checkScope refuses a scope id that does not exist or belongs to another
// resource.
func checkScope(ctx context.Context, tx bun.IDB, role, path, resource string, id *int64) error {
	if id == nil {
		return nil
	}
	sc := new(RoleResourceScope)
	err := tx.NewSelect().Model(sc).Where("? = ?", bun.Ident("id"), *id).Limit(1).Scan(ctx)
	if isNoRows(err) {
		return invalid(role, path, "scopeId", "scope %d does not exist", *id)
	}
	if err != nil {
		return fmt.Errorf("aclstore: read scope %d: %w", *id, err)
	}
	if sc.ResourceName != "" && sc.ResourceName != resource {
		return invalid(role, path, "scopeId", "scope %d (%s) belongs to resource %q", *id, sc.Key, sc.ResourceName)
	}
	return nil
}

// scopeFor returns the id of a scope of resource (or of every resource)
// whose filter equals filter, adding one when there is none, so that
// granting the same filter again does not grow the table.
func scopeFor(ctx context.Context, tx bun.Tx, resource string, filter acl.Params, user *int64) (*int64, error) {
	var scopes []RoleResourceScope
	err := tx.NewSelect().Model(&scopes).Order("id").WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("? = ?", bun.Ident("resourceName"), resource).WhereOr("? IS NULL", bun.Ident("resourceName"))
	}).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("aclstore: read the scopes of %q: %w", resource, err)
	}
	for i := range scopes {
		if jsonval.Equal(map[string]any(scopes[i].Scope), map[string]any(filter)) {
			return &scopes[i].ID, nil
		}
	}
	sc := &RoleResourceScope{Key: newScopeKey(), ResourceName: resource, Scope: filter}
	stamp(&sc.Timestamps, &sc.Audit, user, true)
	if _, err := tx.NewInsert().Model(sc).Returning("id").Exec(ctx); err != nil {
		return nil, fmt.Errorf("aclstore: add a scope of %q: %w", resource, err)
	}
	return &sc.ID, nil
}

// newScopeKey is a fresh key for a scope (NocoBase generates one with
// uid() too).
func newScopeKey() string { return "s_" + strings.ToLower(rand.Text()) }
