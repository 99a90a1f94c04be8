package users

import (
	"context"

	"github.com/uptrace/bun"
)

// RolesListener hears of role changes made by a sync rather than through a
// role store: the roles a sync created (a source's roles.create, SCIM's
// groups as roles) and the users whose roles it gave or took, told inside
// the writing transaction. A host whose roles are cached or loaded ahead —
// acl/aclstore's Store — listens (Options.RolesListener), so that what an
// identity provider changes decides the user's next request and every
// instance hears of it.
type RolesListener interface {
	RolesWritten(ctx context.Context, tx bun.IDB, roles []string, userIDs []int64) error
}

// RolesWritten tells Options.RolesListener, when there is one, that roles
// were created or users' roles changed inside tx. The resource calls it
// after its own writes; other code that writes roles or rolesUsers rows
// for a sync of the resource's manager calls it too (datasync/scim does,
// for the role a group names).
func (r *RolesSyncResource) RolesWritten(ctx context.Context, tx bun.IDB, roles []string, userIDs []int64) error {
	if r.listener == nil || (len(roles) == 0 && len(userIDs) == 0) {
		return nil
	}
	return r.listener.RolesWritten(ctx, tx, roles, userIDs)
}
