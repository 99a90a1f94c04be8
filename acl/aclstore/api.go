package aclstore

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// Resource names of the HTTP API, NocoBase's.
const (
	ResourceRoles            = "roles"
	ResourceRoleResources    = "roles.resources"
	ResourceRoleSnippets     = "roles.snippets"
	ResourceRoleUsers        = "roles.users"
	ResourceScopes           = "rolesResourcesScopes"
	ResourceAvailableActions = "availableActions"
)

// Snippet is the ACL snippet that grants the whole HTTP API: NocoBase's
// pm.acl.roles.
const Snippet = "pm.acl.roles"

// SnippetPatterns returns the actions Snippet grants: every action of
// every resource Register defines.
func SnippetPatterns() []string {
	return []string{
		ResourceRoles + ":*",
		ResourceRoleResources + ":*",
		ResourceRoleSnippets + ":*",
		ResourceRoleUsers + ":*",
		ResourceScopes + ":*",
		ResourceAvailableActions + ":list",
	}
}

// APIOptions configure the HTTP API. The zero value is ready to use.
type APIOptions struct {
	// Undeletable are roles roles:destroy refuses besides root, which the
	// store itself never deletes. NocoBase also keeps admin and member
	// this way; list them here to do the same.
	Undeletable []string
	// MaxPageSize bounds pageSize on the lists; DefaultMaxPageSize when
	// zero.
	MaxPageSize int
}

// DefaultMaxPageSize bounds a list's pageSize when APIOptions sets none.
const DefaultMaxPageSize = 1000

// api is what the actions share.
type api struct {
	s    *Store
	opts APIOptions
	// snippetsMu serialises this process's roles.snippets add and remove,
	// which read a role's rules and write them back: two at once would
	// otherwise lose one of the changes.
	snippetsMu sync.Mutex
}

// apiAction is an action's handler and whether it changes data (so that
// GET may not run it).
type apiAction struct {
	h        resourcer.HandlerFunc
	changing bool
}

// Register defines the roles API on rs, served by s: roles (with check and
// setDefaultRole), roles.resources, roles.snippets, roles.users,
// rolesResourcesScopes and availableActions, under NocoBase's names. Each
// resource is defined with only its own actions, so handlers registered
// on rs for every resource (crud's list, create, ...) never reach the
// roles tables. Guard it with the ACL middleware added with rs.Use and
// call [RegisterACL]: without its snippet and its "public" roles:check,
// every request is refused by the ACL (403), roles:check included. It
// fails only for a definition rs refuses.
func Register(rs *resourcer.Resourcer, s *Store, opts APIOptions) error {
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = DefaultMaxPageSize
	}
	a := &api{s: s, opts: opts}
	defs := []struct {
		name    string
		typ     resourcer.ResourceType
		actions map[string]apiAction
	}{
		{ResourceRoles, "", map[string]apiAction{
			"list": {h: a.listRoles}, "get": {h: a.getRole}, "check": {h: a.check},
			"create":         {h: a.createRole, changing: true},
			"update":         {h: a.updateRole, changing: true},
			"destroy":        {h: a.destroyRole, changing: true},
			"setDefaultRole": {h: a.setDefaultRole, changing: true},
		}},
		{ResourceRoleResources, resourcer.TypeHasMany, map[string]apiAction{
			"list": {h: a.listResources}, "get": {h: a.getResource},
			"create":  {h: a.createResource, changing: true},
			"update":  {h: a.updateResource, changing: true},
			"destroy": {h: a.destroyResource, changing: true},
		}},
		{ResourceRoleSnippets, resourcer.TypeSet, map[string]apiAction{
			"list": {h: a.listSnippets},
			"add":  {h: a.addSnippets, changing: true}, "remove": {h: a.removeSnippets, changing: true},
		}},
		{ResourceRoleUsers, resourcer.TypeBelongsToMany, map[string]apiAction{
			"list": {h: a.listUsers},
			"add":  {h: a.addUsers, changing: true}, "remove": {h: a.removeUsers, changing: true},
		}},
		{ResourceScopes, "", map[string]apiAction{
			"list": {h: a.listScopes}, "create": {h: a.createScope, changing: true},
		}},
		{ResourceAvailableActions, "", map[string]apiAction{"list": {h: a.listAvailableActions}}},
	}
	for _, d := range defs {
		actions := make(map[string]resourcer.ActionOptions, len(d.actions))
		only := make([]string, 0, len(d.actions))
		for name, act := range d.actions {
			actions[name] = resourcer.ActionOptions{Handler: act.h, StateChanging: act.changing}
			only = append(only, name)
		}
		if _, err := rs.Define(resourcer.ResourceOptions{Name: d.name, Type: d.typ, Actions: actions, Only: only}); err != nil {
			return fmt.Errorf("aclstore: define %s: %w", d.name, err)
		}
	}
	return nil
}

// SnippetRegistrar is the part of an ACL RegisterACL needs; *acl.ACL
// satisfies it.
type SnippetRegistrar interface {
	RegisterSnippetPatterns(name string, patterns []string) error
	Allow(resource string, actions []string, condition string)
}

// RegisterACL registers the snippet pm.acl.roles (Snippet), which grants
// every action of the API, as NocoBase's plugin does: a role given it
// administers roles, their permissions and their users. It also lets
// roles:check through the permission check (Allow, "public"): every user
// may ask what they may do, and the action answers 401 itself when no
// user is signed in.
func RegisterACL(a SnippetRegistrar) error {
	if err := a.RegisterSnippetPatterns(Snippet, SnippetPatterns()); err != nil {
		return fmt.Errorf("aclstore: register snippet %s: %w", Snippet, err)
	}
	a.Allow(ResourceRoles, []string{"check"}, "public")
	return nil
}

// apiUnauthorized answers a request that needs a signed-in user.
func apiUnauthorized() error {
	return &resourcer.StatusError{Status: http.StatusUnauthorized, Message: "Sign in first: roles:check answers for the signed-in user"}
}
