package app

import (
	"context"
	"errors"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/datasync/syncapi"
	"github.com/gatehouse-dev/gatehouse/users"
)

// dataCollections are the resources role strategies apply to. Everything
// else (users, departments, the roles and sync APIs) is granted only
// through snippets, so a strategy such as member's "create" never lets a
// member create users or roles.
var dataCollections = []string{"posts"}

// newACL is the part of the ACL that is code, the same in every process:
// NocoBase's actions, the users plugin's presets and the snippets that
// guard the APIs. Roles come on top, from the database (aclstore).
func newACL() (*acl.ACL, error) {
	a := acl.New()
	a.SetAvailableAction("create", acl.ActionOptions{Type: "new-data", OnNewRecord: true, AllowConfigureFields: true})
	a.SetAvailableAction("view", acl.ActionOptions{Type: "old-data", Aliases: []string{"get", "list"}, AllowConfigureFields: true})
	a.SetAvailableAction("update", acl.ActionOptions{Type: "old-data", AllowConfigureFields: true})
	a.SetAvailableAction("destroy", acl.ActionOptions{Type: "old-data"})
	a.SetStrategyResources(dataCollections)
	if err := users.ACLPresets(a); err != nil {
		return nil, err
	}
	if err := a.RegisterSnippetPatterns("pm.departments", []string{"departments:*"}); err != nil {
		return nil, err
	}
	if err := aclstore.RegisterACL(a); err != nil {
		return nil, err
	}
	if err := syncapi.RegisterACL(a); err != nil {
		return nil, err
	}
	return a, nil
}

// builtinRoles are NocoBase's three roles: root may do anything (the ACL
// knows the name), admin administers everything through the snippets and
// may do anything to the data, member reads the data and edits its own.
func builtinRoles() []*aclstore.Role {
	return []*aclstore.Role{
		{Name: aclstore.RootRole, Title: "Root", Hidden: true},
		{Name: "admin", Title: "Admin", Snippets: []string{"pm.*"},
			Strategy: &acl.StrategyOptions{Actions: []string{"create", "view", "update", "destroy"}}},
		{Name: "member", Title: "Member", Default: true,
			Strategy: &acl.StrategyOptions{Actions: []string{"view", "create", "update:own", "destroy:own"}}},
	}
}

// ensureRoles creates the built-in roles that are missing, leaving alone
// those an administrator has changed since.
func ensureRoles(ctx context.Context, store *aclstore.Store) error {
	for _, r := range builtinRoles() {
		_, err := store.Role(ctx, r.Name)
		switch {
		case err == nil:
			continue
		case !errors.Is(err, aclstore.ErrRoleNotFound):
			return err
		}
		if err := store.CreateRole(ctx, r); err != nil {
			return err
		}
	}
	return nil
}
