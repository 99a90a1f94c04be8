package users

import "github.com/gatehouse-dev/gatehouse/datasync"

// RegisterSyncResources registers the directory's two datasync resources
// with m, in NocoBase's order: "users" (users by uid or matchKey), then
// "departments" After it (the department tree, and the memberships,
// owners and main department of synced users). opts name the models the
// tables were created with (the same Options as CreateTables).
func RegisterSyncResources(m *datasync.Manager, opts Options) error {
	if err := m.RegisterResource(NewUsersSyncResource(opts), datasync.RegisterOptions{}); err != nil {
		return err
	}
	return m.RegisterResource(NewDepartmentsSyncResource(opts), datasync.RegisterOptions{After: []string{"users"}})
}
