package aclstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/uptrace/bun"
)

// AssignUser gives the user role (ErrRoleNotFound when there is none).
// Giving a role the user has is not an error.
func (s *Store) AssignUser(ctx context.Context, userID int64, role string) error {
	return s.AssignUsers(ctx, role, []int64{userID})
}

// AssignUsers gives role to every user of userIDs, in one transaction:
// all of them or, on error, none (ErrRoleNotFound when there is no such
// role). Users who have the role already keep it as it is.
func (s *Store) AssignUsers(ctx context.Context, role string, userIDs []int64) error {
	return s.write(ctx, func(ctx context.Context, tx bun.Tx, plan *writePlan) error {
		if err := requireRole(ctx, tx, role); err != nil {
			return err
		}
		for start := 0; start < len(userIDs); start += membershipChunk {
			ids := userIDs[start:min(start+membershipChunk, len(userIDs))]
			rows := make([]RoleUser, len(ids))
			for i, id := range ids {
				rows[i] = RoleUser{UserID: id, RoleName: role}
				stamp(&rows[i].Timestamps, nil, nil, true)
			}
			_, err := tx.NewInsert().Model(&rows).On("CONFLICT (?, ?) DO NOTHING", bun.Ident("userId"), bun.Ident("roleName")).Exec(ctx)
			if err != nil {
				return fmt.Errorf("aclstore: assign %d users to role %q: %w", len(ids), role, err)
			}
		}
		for _, id := range userIDs {
			plan.user(strconv.FormatInt(id, 10))
		}
		return nil
	})
}

// UnassignUser ends the user's membership of role. Ending one the user
// does not have is not an error, so a retried request succeeds.
func (s *Store) UnassignUser(ctx context.Context, userID int64, role string) error {
	return s.UnassignUsers(ctx, role, []int64{userID})
}

// UnassignUsers ends the memberships of role of every user of userIDs, in
// one transaction.
func (s *Store) UnassignUsers(ctx context.Context, role string, userIDs []int64) error {
	return s.write(ctx, func(ctx context.Context, tx bun.Tx, plan *writePlan) error {
		for start := 0; start < len(userIDs); start += membershipChunk {
			ids := userIDs[start:min(start+membershipChunk, len(userIDs))]
			_, err := tx.NewDelete().Model((*RoleUser)(nil)).
				Where("? IN (?)", bun.Ident("userId"), bun.List(ids)).Where("? = ?", bun.Ident("roleName"), role).Exec(ctx)
			if err != nil {
				return fmt.Errorf("aclstore: unassign %d users from role %q: %w", len(ids), role, err)
			}
		}
		for _, id := range userIDs {
			plan.user(strconv.FormatInt(id, 10))
		}
		return nil
	})
}

// membershipChunk bounds the rows of one statement of AssignUsers and
// UnassignUsers, below SQLite's and PostgreSQL's parameter limits.
const membershipChunk = 1000

// RolesOf returns the names of the user's roles, sorted; the default role
// (SetDefaultRole) when the user has none; nil when there is no default
// role either. Answers are cached (Options.RolesCacheSize) and forgotten
// when this store, or another one (see Watch), changes the user's roles.
// The slice is the caller's.
func (s *Store) RolesOf(ctx context.Context, userID int64) ([]string, error) {
	if roles, ok := s.roles.get(userID); ok {
		return slices.Clone(roles), nil
	}
	gen := s.roles.generation()
	var roles []string
	err := s.db.NewSelect().TableExpr("? AS ru", bun.Ident("rolesUsers")).
		ColumnExpr("ru.?", bun.Ident("roleName")).
		Join("JOIN ? AS r ON r.? = ru.?", bun.Ident("roles"), bun.Ident("name"), bun.Ident("roleName")).
		Where("ru.? = ?", bun.Ident("userId"), userID).
		OrderExpr("ru.?", bun.Ident("roleName")).
		Scan(ctx, &roles)
	if err != nil {
		return nil, fmt.Errorf("aclstore: read the roles of user %d: %w", userID, err)
	}
	if len(roles) == 0 {
		err := s.db.NewSelect().Model((*Role)(nil)).Column("name").
			Where("? = ?", bun.Ident("default"), true).Order("name").Limit(1).Scan(ctx, &roles)
		if err != nil {
			return nil, fmt.Errorf("aclstore: read the default role: %w", err)
		}
	}
	if len(roles) == 0 {
		roles = nil
	}
	s.roles.put(userID, roles, gen)
	return slices.Clone(roles), nil
}

// UsersOf returns the ids of the role's members, in order.
func (s *Store) UsersOf(ctx context.Context, role string) ([]int64, error) {
	if err := requireRole(ctx, s.db, role); err != nil {
		return nil, err
	}
	ids := []int64{}
	err := s.db.NewSelect().Model((*RoleUser)(nil)).Column("userId").
		Where("? = ?", bun.Ident("roleName"), role).Order("userId").Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("aclstore: read the users of role %q: %w", role, err)
	}
	return ids, nil
}

// invalidateUsers drops the cached roles of the users (all when ids is nil).
func (s *Store) invalidateUsers(ids []int64) { s.roles.invalidate(ids) }

// rolesCache keeps RolesOf's answers for up to size users. When full it
// empties: simple, and a full cache refills from the next requests.
//
// Every invalidation moves the generation on, and a reader stores its
// answer only if the generation is the one it read under. Without that, a
// reader that read the old roles just before a write could cache them
// after the write's invalidation and keep them for good.
type rolesCache struct {
	mu    sync.Mutex
	size  int
	gen   uint64
	users map[int64][]string
}

// newRolesCache returns a cache of size users; nil (no caching) when size
// is negative.
func newRolesCache(size int) *rolesCache {
	if size < 0 {
		return nil
	}
	return &rolesCache{size: size, users: map[int64][]string{}}
}

func (c *rolesCache) get(id int64) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	roles, ok := c.users[id]
	return roles, ok
}

func (c *rolesCache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *rolesCache) put(id int64, roles []string, gen uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.users) >= c.size {
		clear(c.users)
	}
	c.users[id] = roles
}

func (c *rolesCache) invalidate(ids []int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if ids == nil {
		clear(c.users)
		return
	}
	for _, id := range ids {
		delete(c.users, id)
	}
}
