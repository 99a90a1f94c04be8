package users

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// RolesOfUser reads the names of a user's roles. Authenticate picks the
// request's role among them; the first is the one used when a request
// names none. acl/aclstore's Store satisfies it (with its cache and its
// default role for users who have none).
type RolesOfUser interface {
	RolesOf(ctx context.Context, userID int64) ([]string, error)
}

// RolesFromTable returns the RolesOfUser that reads the user's rolesUsers
// rows: the row marked default first (NocoBase's rolesUsers.default, the
// role a request without X-Role gets), then the others by name. A user
// without rows has no roles. It reads the table on every call; give
// Authenticate an acl/aclstore Store for a cached reader.
func RolesFromTable(db bun.IDB) RolesOfUser { return tableRoles{db} }

type tableRoles struct{ db bun.IDB }

func (t tableRoles) RolesOf(ctx context.Context, userID int64) ([]string, error) {
	var roles []string
	err := t.db.NewSelect().Model((*RoleUser)(nil)).Column("roleName").
		Where("? = ?", bun.Ident("userId"), userID).
		OrderExpr("? DESC, ?", bun.Ident("default"), bun.Ident("roleName")).
		Scan(ctx, &roles)
	if err != nil {
		return nil, fmt.Errorf("users: read the roles of user %d: %w", userID, err)
	}
	return roles, nil
}
