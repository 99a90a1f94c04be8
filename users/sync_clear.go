package users

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

var _ datasync.UnsyncedClearer = (*UsersSyncResource)(nil)

// ClearUnsynced deletes the users no source synced (no sync record of any
// source links to them: made by hand, imported, or unlinked by a clear),
// with their department and role memberships, and returns how many users
// it deleted. A user with the root role is never deleted. The manager
// calls it on a source's first sync when the source's options say
// "firstSync": "clear", before the source's users come in.
//
// It runs three set-based statements whatever the number of users: the
// memberships of the users to delete, then the users.
func (r *UsersSyncResource) ClearUnsynced(ctx context.Context, tx bun.IDB, sourceName string) (int, error) {
	table := tx.Dialect().Tables().Get(typeOf(r.model))
	if len(table.PKs) != 1 {
		return 0, fmt.Errorf("users: clear unsynced users: the user model %s needs one primary key", table.TypeName)
	}
	id := bun.Ident(table.PKs[0].Name)
	// unsynced selects the ids of the users to delete. Link keys are
	// text: the user's key is compared as text so the links' index on
	// (resource, resourcePk) finds them.
	unsynced := func() *bun.SelectQuery {
		return tx.NewSelect().TableExpr("? AS u", table.SQLName).ColumnExpr("u.?", id).
			Where("NOT EXISTS (SELECT 1 FROM ? AS l WHERE l.? = ? AND l.? = CAST(u.? AS TEXT))",
				bun.Ident("userDataSyncRecordsResources"), bun.Ident("resource"), usersResource, bun.Ident("resourcePk"), id).
			Where("NOT EXISTS (SELECT 1 FROM ? AS ru WHERE ru.? = u.? AND ru.? = ?)",
				bun.Ident("rolesUsers"), bun.Ident("userId"), id, bun.Ident("roleName"), RootRole)
	}
	for _, membership := range []any{(*DepartmentUser)(nil), (*RoleUser)(nil)} {
		_, err := tx.NewDelete().Model(membership).
			Where("?TableAlias.? IN (?)", bun.Ident("userId"), unsynced()).Exec(ctx)
		if err != nil {
			return 0, fmt.Errorf("users: source %q: first sync: delete the memberships of users no source synced: %w", sourceName, err)
		}
	}
	res, err := tx.NewDelete().TableExpr("?", table.SQLName).
		Where("? IN (?)", id, unsynced()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("users: source %q: first sync: delete the users no source synced: %w", sourceName, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("users: source %q: first sync: delete the users no source synced: %w", sourceName, err)
	}
	return int(n), nil
}
