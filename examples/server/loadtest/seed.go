package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/users"
)

// writerRole is the role every load user holds: it may create posts and
// read and edit its own, so every list and get the clients send goes
// through the ACL's own-rows filter (createdById = the signed-in user).
var writerRole = &aclstore.Role{Name: "writer", Title: "Writer",
	Strategy: &acl.StrategyOptions{Actions: []string{"create", "view:own", "update:own"}}}

// writerPassword is every load user's password. Each sign-in verifies it
// against the user's own argon2id hash, as for real users.
const writerPassword = "load-test-writer-password"

// seedWriters creates the writer role (unless it exists) and n users
// holding it, named writer1…writerN, and returns their usernames.
// Users are written with bun, as an import would; their posts are created
// over HTTP by each user (seedPosts), so the audit columns are the app's.
func seedWriters(ctx context.Context, db *bun.DB, store *aclstore.Store, n int) ([]string, error) {
	role := *writerRole
	if err := store.CreateRole(ctx, &role); err != nil && !errors.Is(err, aclstore.ErrRoleExists) {
		return nil, fmt.Errorf("loadtest: creating role %q: %w", role.Name, err)
	}
	rows := make([]*users.User, n)
	names := make([]string, n)
	for i := range rows {
		names[i] = fmt.Sprintf("writer%d", i+1)
		rows[i] = &users.User{Username: names[i], Nickname: names[i], Password: writerPassword}
	}
	if _, err := db.NewInsert().Model(&rows).Returning("id").Exec(ctx); err != nil {
		return nil, fmt.Errorf("loadtest: creating %d writers: %w", n, err)
	}
	ids := make([]int64, n)
	for i, u := range rows {
		ids[i] = u.ID
	}
	if err := store.AssignUsers(ctx, writerRole.Name, ids); err != nil {
		return nil, fmt.Errorf("loadtest: assigning role %q: %w", writerRole.Name, err)
	}
	return names, nil
}
