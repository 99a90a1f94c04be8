package users

import "github.com/gatehouse-dev/gatehouse/datasync"

// RegisterSyncResources registers the directory's two datasync resources
// with m, in NocoBase's order: "users" (users by uid or matchKey), then
// "departments" After it (the department tree, and the memberships,
// owners and main department of synced users). opts name the models the
// tables were created with (the same Options as CreateTables).
//
// Registered together, the users resource gives a user it creates its main
// department in the INSERT, and the departments resource plans no UPDATE
// of it.
func RegisterSyncResources(m *datasync.Manager, opts Options) error {
	depts := NewDepartmentsSyncResource(opts)
	users := NewUsersSyncResource(opts)
	users.depts = depts
	if err := m.RegisterResource(users, datasync.RegisterOptions{}); err != nil {
		return err
	}
	return m.RegisterResource(depts, datasync.RegisterOptions{After: []string{"users"}})
}
