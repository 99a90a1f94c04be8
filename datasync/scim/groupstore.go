package scim

import (
	"context"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// A group lives where its GroupMode puts it, and a user is its member by
// listing the group's key in its user record: groupStore is that
// difference, so that the group endpoints (groups.go) and memberships
// (members.go) are written once for both modes. departmentGroups
// (groups_departments.go) keeps groups as department records, roleGroups
// (groups_roles.go) as rows of scimGroups naming roles.

// group is a SCIM group as its store keeps it.
type group struct {
	id string
	// res is the stored resource (a copy the caller may change), without
	// id and members.
	res map[string]any
	// key is what the user records of its members list: the department's
	// uid, or the role's name.
	key string
	// parent is the group it is a member of ("" for none); only
	// departments nest.
	parent           string
	created, updated time.Time
}

// groupStore keeps the groups of one GroupMode.
type groupStore interface {
	// groups reads the source's live groups with the given ids (all of
	// them when none is given), in the order they were provisioned.
	groups(ctx context.Context, db bun.IDB, ids ...string) ([]*group, error)
	// children reads the source's live groups that are g's members, in
	// the order they were provisioned: none where groups do not nest.
	children(ctx context.Context, db bun.IDB, g *group) ([]*group, error)
	// groupsKeyed reads the source's live groups with the given keys.
	groupsKeyed(ctx context.Context, db bun.IDB, keys ...string) ([]*group, error)
	// save writes gs, new or changed, inside e, their keys from their
	// resources (keyOf): a group's store is written before its members'
	// records, which then list a key that exists.
	save(ctx context.Context, e *datasync.Editor, gs ...*group) error
	// remove takes g away inside e as the mode has it.
	remove(ctx context.Context, e *datasync.Editor, g *group) error
	// keyOf is the key of group id once res is its resource.
	keyOf(id string, res map[string]any) string
	// membershipField is the user record's key that lists the keys of
	// its user's groups ("departments" or "roles").
	membershipField() string
	// memberships is that list, read from a stored user record.
	memberships(rec *datasync.StoredRecord) []string
	// nests reports whether a group may be a member of another.
	nests() bool
}

// newGroupStore is the store of mode; New has checked that it is one.
func (h *handler) newGroupStore(mode GroupMode) groupStore {
	if mode == GroupsAsRoles {
		return &roleGroups{h: h}
	}
	return &departmentGroups{h: h}
}

// liveGroup is the source's live group id, or a 404: a group removed,
// never provisioned, or not this source's is not there for SCIM.
func (h *handler) liveGroup(ctx context.Context, db bun.IDB, id string) (*group, error) {
	gs, err := h.groups.groups(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return nil, newError(http.StatusNotFound, "", "%s %q not found", GroupResource.Name, id)
	}
	return gs[0], nil
}
