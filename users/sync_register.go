package users

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// RegisterSyncResources registers the directory's datasync resources
// with m, in NocoBase's order and then the roles: "users" (users by uid
// or matchKey), "departments" After it (the department tree, and the
// memberships, owners and main department of synced users), and "roles"
// After both (the roles of synced users, RolesSyncResource). opts name
// the models the tables were created with (the same Options as
// CreateTables).
//
// Registered together, the users resource gives a user it creates its main
// department in the INSERT, and the departments resource plans no UPDATE
// of it. Roles come last because nothing depends on them: a user's roles
// need only the user, and running them after departments keeps NocoBase's
// order of the first two (and their plans' positions) as they were.
func RegisterSyncResources(m *datasync.Manager, opts Options) error {
	depts := NewDepartmentsSyncResource(opts)
	users := NewUsersSyncResource(opts)
	users.depts = depts
	if err := m.RegisterResource(users, datasync.RegisterOptions{}); err != nil {
		return err
	}
	if err := m.RegisterResource(depts, datasync.RegisterOptions{After: []string{usersResource}}); err != nil {
		return err
	}
	return m.RegisterResource(NewRolesSyncResource(opts), datasync.RegisterOptions{After: []string{usersResource, departmentsResource}})
}

// NewSyncManager is the set-up of a host that syncs its directory: it
// creates the directory's tables (CreateTables) and the sync's
// (datasync.CreateTables) where missing, and returns a manager over db
// with the built-in resources registered. Close it when done.
func NewSyncManager(ctx context.Context, db *bun.DB, opts Options, syncOpts datasync.Options) (*datasync.Manager, error) {
	if err := CreateTables(ctx, db, opts); err != nil {
		return nil, err
	}
	if err := datasync.CreateTables(ctx, db); err != nil {
		return nil, err
	}
	m := datasync.NewManager(db, syncOpts)
	if err := RegisterSyncResources(m, opts); err != nil {
		m.Close()
		return nil, fmt.Errorf("users: register the sync resources: %w", err)
	}
	return m, nil
}
