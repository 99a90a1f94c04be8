package aclstore

import (
	"context"
	"strconv"

	"github.com/uptrace/bun"
)

// RolesWritten is told, inside the writing transaction tx, of roles a sync
// created and of users whose roles it gave or took, writing the tables
// itself (users' roles resource, datasync/scim's groups as roles): give
// the Store to them as users.Options.RolesListener. It logs the changes in tx, so that when
// tx commits every store's Watch — this one's too — loads the new roles
// into its ACL and forgets what it cached of those users' roles, and it
// forgets them here at once, so that a request after the sync returns
// reads the users' roles afresh. A request racing the commit may cache the
// old roles until Watch applies the change: at once on PostgreSQL
// (NOTIFY), within PollInterval on SQLite.
func (s *Store) RolesWritten(ctx context.Context, tx bun.IDB, roles []string, userIDs []int64) error {
	for _, name := range roles {
		if _, err := s.appendChange(ctx, tx, ChangeRole, name); err != nil {
			return err
		}
	}
	var plan writePlan
	for _, id := range userIDs {
		plan.user(strconv.FormatInt(id, 10))
	}
	for _, name := range plan.users {
		if _, err := s.appendChange(ctx, tx, ChangeUser, name); err != nil {
			return err
		}
	}
	if len(plan.users) == 1 && plan.users[0] == everyUser {
		s.invalidateUsers(nil)
	} else if len(userIDs) > 0 {
		s.invalidateUsers(userIDs)
	}
	return nil
}
