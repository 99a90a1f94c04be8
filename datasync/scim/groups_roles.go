package scim

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/users"
)

// roleGroups keeps groups as roles (GroupsAsRoles): a group is a row of
// scimGroups naming the role its displayName names, and its members are
// the users whose records list that name under "roles", the roles the
// users roles resource grants (rolesUsers rows the source owns; a role
// granted by hand is never touched). So an identity provider's group
// targets an existing role by naming it; a name that is no role's is
// created only when the source's policy says roles.create, as the roles
// resource does, and root is never a group's. Roles do not nest: a group
// has no Group members. A renamed group moves its members from the old
// role to the new one; a removed group takes its role from its members
// and its row goes; the roles themselves stay, for other holders.
type roleGroups struct{ h *handler }

// query selects the source's groups, in the order they were provisioned.
func (s *roleGroups) query(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().Model((*scimGroup)(nil)).
		Where("?TableAlias.? = ?", bun.Ident("sourceName"), s.h.source).OrderExpr("?TableAlias.?", bun.Ident("id"))
}

func (s *roleGroups) groups(ctx context.Context, db bun.IDB, ids ...string) ([]*group, error) {
	q := s.query(db)
	if len(ids) > 0 {
		q = q.Where("?TableAlias.? IN (?)", bun.Ident("uid"), bun.List(ids))
	}
	return s.scan(ctx, q)
}

// children is none: roles do not nest.
func (s *roleGroups) children(context.Context, bun.IDB, *group) ([]*group, error) { return nil, nil }

func (s *roleGroups) groupsKeyed(ctx context.Context, db bun.IDB, keys ...string) ([]*group, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	return s.scan(ctx, s.query(db).Where("?TableAlias.? IN (?)", bun.Ident("roleName"), bun.List(keys)))
}

// scan runs q. A missing table is the host's omission, which the error
// names: it fails as a 500, whose cause the log sees.
func (s *roleGroups) scan(ctx context.Context, q *bun.SelectQuery) ([]*group, error) {
	var rows []*scimGroup
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("scim: reading the groups of source %q from scimGroups (GroupsAsRoles needs scim.CreateTables): %w", s.h.source, err)
	}
	out := make([]*group, len(rows))
	for i, row := range rows {
		res := row.Resource
		if res == nil {
			res = map[string]any{}
		}
		out[i] = &group{id: row.UID, res: res, key: row.RoleName, created: row.CreatedAt, updated: row.UpdatedAt}
	}
	return out, nil
}

// save checks each group's role (see checkRole), creates it when the
// policy lets it, and writes the group's row.
func (s *roleGroups) save(ctx context.Context, e *datasync.Editor, gs ...*group) error {
	for _, g := range gs {
		if err := s.checkRole(ctx, e, g); err != nil {
			return err
		}
		if err := s.ensureRole(ctx, e, g.key); err != nil {
			return err
		}
		if err := s.write(ctx, e.DB(), g); err != nil {
			return err
		}
	}
	return nil
}

// maxRoleName bounds a role name, in bytes: names are keys of unique
// indexes (roles, scimGroups), and PostgreSQL fails an index entry over
// about 2.7 kB, a server error where the client's name is at fault.
const maxRoleName = 255

// checkRole refuses a group whose role may not be its: no name, a name
// over maxRoleName, root (which a sync never grants), or the role of
// another group of the source. The edit holds the source's run lock, so no other write of the
// source can take the name between this read and the write.
func (s *roleGroups) checkRole(ctx context.Context, e *datasync.Editor, g *group) error {
	switch {
	case strings.TrimSpace(g.key) == "":
		return newError(http.StatusBadRequest, ScimTypeInvalidValue, "displayName: want a role name, got %q", g.key)
	case len(g.key) > maxRoleName:
		return newError(http.StatusBadRequest, ScimTypeInvalidValue, "displayName: a role name has at most %d bytes, this one %d", maxRoleName, len(g.key))
	case g.key == users.RootRole:
		return newError(http.StatusBadRequest, ScimTypeInvalidValue, "displayName: role %q is the root role, which a sync never grants", g.key)
	}
	var other []string
	err := s.query(e.DB()).Column("uid").
		Where("?TableAlias.? = ?", bun.Ident("roleName"), g.key).
		Where("?TableAlias.? <> ?", bun.Ident("uid"), g.id).Limit(1).Scan(ctx, &other)
	if err != nil {
		return fmt.Errorf("scim: looking up the group of role %q: %w", g.key, err)
	}
	if len(other) > 0 {
		return newError(http.StatusConflict, ScimTypeUniqueness, "displayName: role %q is group %s's already", g.key, other[0])
	}
	return nil
}

// write updates the group's row, or inserts it when it has none.
func (s *roleGroups) write(ctx context.Context, db bun.IDB, g *group) error {
	now := time.Now().UTC()
	row := &scimGroup{SourceName: s.h.source, UID: g.id, RoleName: g.key, Resource: g.res, CreatedAt: now, UpdatedAt: now}
	res, err := db.NewUpdate().Model(row).Column("roleName", "resource", "updatedAt").
		Where("?TableAlias.? = ?", bun.Ident("sourceName"), s.h.source).
		Where("?TableAlias.? = ?", bun.Ident("uid"), g.id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("scim: updating group %s: %w", g.id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
		return fmt.Errorf("scim: inserting group %s: %w", g.id, err)
	}
	return nil
}

// remove takes the group's role from its members, in one Push, and
// deletes its row; the role stays.
func (s *roleGroups) remove(ctx context.Context, e *datasync.Editor, g *group) error {
	d, err := s.h.groupDirectory(ctx, e.DB(), g)
	if err != nil {
		return err
	}
	have := setOf(d.membersOf(g.id))
	if err := s.h.changeMembers(ctx, e, d, g.id, g.key, g.key, have, memberSet{}); err != nil {
		return err
	}
	_, err = e.DB().NewDelete().Model((*scimGroup)(nil)).
		Where("? = ?", bun.Ident("sourceName"), s.h.source).
		Where("? = ?", bun.Ident("uid"), g.id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("scim: deleting group %s: %w", g.id, err)
	}
	return nil
}

// keyOf is the group's displayName: the role's name.
func (s *roleGroups) keyOf(_ string, res map[string]any) string {
	name, _ := res["displayName"].(string)
	return name
}

func (s *roleGroups) membershipField() string { return "roles" }

// memberships is the record's "roles": the role names the source gave.
func (s *roleGroups) memberships(rec *datasync.StoredRecord) []string {
	list, _ := rec.MetaData["roles"].([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if name, ok := e.(string); ok {
			out = append(out, name)
		}
	}
	return out
}

func (s *roleGroups) nests() bool { return false }

// ensureRole makes sure role name exists: it does, or the source's
// policy says roles.create and it is created, titled with its name and
// given nothing, as the users roles resource creates the roles a record
// names. Checking here, not leaving it to that resource, covers a group
// with no members, whose role no record names yet.
func (s *roleGroups) ensureRole(ctx context.Context, e *datasync.Editor, name string) error {
	exists := func() (bool, error) {
		n, err := e.DB().NewSelect().Model((*users.Role)(nil)).
			Where("?TableAlias.? = ?", bun.Ident("name"), name).Count(ctx)
		if err != nil {
			return false, fmt.Errorf("scim: looking up role %q: %w", name, err)
		}
		return n > 0, nil
	}
	if ok, err := exists(); ok || err != nil {
		return err
	}
	if !e.Policy().CreateRoles {
		return newError(http.StatusBadRequest, ScimTypeInvalidValue, "displayName: role %q does not exist, and the source's policy does not create roles (roles.create)", name)
	}
	// DO NOTHING on any conflict: on the name, another writer created the
	// role since (as good); on the title, the role cannot be created.
	if _, err := e.DB().NewInsert().Model(&users.Role{Name: name, Title: name}).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("scim: creating role %q: %w", name, err)
	}
	ok, err := exists()
	switch {
	case err != nil:
		return err
	case !ok:
		return newError(http.StatusBadRequest, ScimTypeInvalidValue, "displayName: role %q does not exist, and cannot be created: another role has the title %q", name, name)
	}
	return s.rolesWritten(ctx, e, name)
}

// rolesWritten tells the roles resource's listener (users.Options'
// RolesListener: the host's role store) of the role a group created, as
// the resource tells it of the roles it creates.
func (s *roleGroups) rolesWritten(ctx context.Context, e *datasync.Editor, name string) error {
	for _, res := range s.h.m.Resources() {
		if r, ok := res.(*users.RolesSyncResource); ok {
			return r.RolesWritten(ctx, e.DB(), []string{name}, nil)
		}
	}
	return nil
}
