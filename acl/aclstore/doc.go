// Package aclstore keeps an [acl.ACL]'s roles in the database the service
// already has (SQLite or PostgreSQL, through bun), in NocoBase's tables,
// and keeps every process's ACL in step with them.
//
//	a := acl.New()
//	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"get", "list"}})
//	// ... actions, strategies, snippets and param keys, as for any ACL
//	if err := aclstore.CreateTables(ctx, db); err != nil { ... }
//	s := aclstore.New(db, a, aclstore.Options{})
//	if err := s.Load(ctx); err != nil { ... }
//	go s.Watch(ctx) // other processes' changes
//
//	err := s.CreateRole(ctx, &aclstore.Role{Name: "editor", Strategy: &acl.StrategyOptions{Actions: []string{"view"}}})
//	err = s.Grant(ctx, "editor", "posts:update", acl.Params{"fields": []string{"title"}, "filter": acl.Params{"status": "draft"}})
//	err = s.AssignUser(ctx, 7, "editor")
//
//	rs := resourcer.New(resourcer.Options{Prefix: "/api"})
//	rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: rs}), resourcer.UseOptions{Tag: "acl"}) // inside the Resourcer, not around it
//	http.Handle("/api/", authenticate(s.Middleware()(rs))) // authenticate sets acl.WithUser
//
// Watch begins with a full Load; call Load yourself first, as above, to
// serve requests before Watch has started. Once the editor has a grant on
// posts, its grants decide there and the strategy no longer does: grant
// "posts:view" too for it to read them. Fields granted on create and
// update become a whitelist, as in the acl package.
//
// # Tables
//
// [CreateTables] creates NocoBase's tables, so that data and habits carry
// over: roles (name, title, strategy, snippets, allowConfigure, default,
// ...), rolesResources (a role's own configuration of a resource, with
// usingActionsConfig), rolesResourcesActions (one granted action: fields,
// a scope, params), rolesResourcesScopes (named filters grants share,
// starting with "all" and "own"), rolesUsers (memberships, the table the
// users package writes too) and aclChanges (the change log, see Watch).
// It may run before or after users.CreateTables.
//
// # Loading
//
// [Store.Load] reads every table in a handful of queries and defines all
// the roles in one [acl.ACL.ReplaceRoles]: readers calling Can see the old
// role set or the new one, never a mix. A role becomes:
//
//   - its strategy and snippets columns as they are;
//   - for each resource with usingActionsConfig, a grant
//     "resource:action" per action row, with the row's params, its fields
//     when the list is not empty, and its scope's filter when not empty;
//   - nothing from a resource without usingActionsConfig: the strategy
//     decides there, as in NocoBase.
//
// Roles the host defines in code are left alone; roles the store defined
// and that left the tables are removed.
//
// # Writes
//
// Every write ([Store.CreateRole], [Store.Grant], [Store.SetResource],
// [Store.SetStrategy], [Store.AssignUser], ...) changes the database and
// the ACL together. In one transaction it changes the rows, logs the
// change, rebuilds the role from the rows as they now are and asks the ACL
// whether it accepts it ([acl.ACL.CheckRole]); only after the commit does
// the ACL change. A failed write, whether the input, the ACL or the
// database refuses it, leaves both as they were. Audit columns
// (createdById, updatedById) come from the user of the writing context
// ([acl.WithUser]).
//
// Errors wrap [ErrRoleNotFound], [ErrRoleExists], [ErrRootRole],
// [ErrGrantNotFound] or [ErrInvalid] in an [*Error] that names the role,
// resource and field and knows its HTTP status; a refusal by the ACL is
// wrapped too, so errors.Is finds [acl.ErrUnknownName] or
// [acl.ErrInvalidPath] as well.
//
// # Live reload
//
// Run [Store.Watch] in every process that serves requests: go
// store.Watch(ctx). Every write logs a row in the change log table,
// aclChanges, in its own transaction; on PostgreSQL it also sends NOTIFY
// on [Options.Channel], which arrives when the write commits and never
// when it rolls back. Every other store listening applies the change at
// once (about a millisecond on a quiet machine): it reloads only the
// changed roles, in one acl.ACL.ReplaceRoles, so Can never waits and
// never sees half a change, and forgets the cached RolesOf of the changed
// users. A lost listening connection (a restarted server, a network
// fault, pg_terminate_backend) is re-established with back-off, followed
// by a full Load, so no change is missed. Every [Options.PollInterval]
// Watch also reads the change log: on SQLite that is how changes travel
// between processes sharing one database file, on PostgreSQL a backstop.
// Watch begins with a full Load. Stores in different schemas of one
// database may share a channel: each ignores the others' notifications.
// Rows older than an hour are pruned.
//
// # Users' roles
//
// [Store.RolesOf] answers a user's roles, or the default role
// ([Store.SetDefaultRole]) when the user has none, from a bounded cache
// that every write forgets as it commits (and Watch when another process
// writes). [Store.Middleware] puts them in a request's context for
// [acl.Middleware], after the host's authentication has set [acl.WithUser].
//
// Syncs write roles and rolesUsers themselves (a source's "roles", SCIM's
// groups as roles): give the Store to them as users.Options.RolesListener,
// and [Store.RolesWritten] logs what they change in their transaction, so
// the cache forgets those users at once and every store loads the roles
// they create. Without it a user keeps a role the identity provider took
// for as long as the cache remembers it.
//
// # Moving roles between environments
//
// [Store.Export] writes the roles as a [RoleSet]: JSON in the shape of the
// reference's role.toJSON() ({role, strategy, actions, snippets}) plus
// each roles row's columns and resource configuration, the scopes, and
// the strategies and snippets the roles use, sorted so that exports diff
// cleanly in version control. [Store.Import] writes a set back in one
// transaction, idempotently (a second import changes nothing), optionally
// pruning roles the set lacks (never root); it refuses a set whose
// strategies or snippets the ACL lacks (they are code, not data), naming
// them, and a set past its limits ([MaxSetRoles] and the others). A
// strategy a set names is stored inline, as the roles table holds
// strategies. [Diff] compares two sets for review, role by role.
//
// # HTTP API
//
// [Register] serves the roles on a resourcer.Resourcer under NocoBase's
// resource names, and [RegisterACL] registers the snippet that guards it:
//
//	a.SetStrategyResources(dataCollections) // strategies are for the data, not for this API
//	aclstore.RegisterACL(a)                  // snippet pm.acl.roles; roles:check open to all
//	rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: rs}), resourcer.UseOptions{Tag: "acl"})
//	aclstore.Register(rs, s, aclstore.APIOptions{Undeletable: []string{"admin", "member"}})
//	mux.Handle("/api/", authenticate(s.Middleware()(rs))) // authenticate sets acl.WithUser
//
//	GET    /api/roles                      list (sort, then name; filter on name, title, hidden; page, pageSize)
//	GET    /api/roles/admin                get
//	POST   /api/roles                      create {name?, title, description, strategy, snippets, allowConfigure, allowNewMenu, default, hidden, sort}
//	PATCH  /api/roles/admin                update the fields given
//	DELETE /api/roles/editor               destroy (root and APIOptions.Undeletable refused)
//	POST   /api/roles:setDefaultRole       {roleName}: the role users without one get
//	GET    /api/roles:check                the signed-in user's roles and permissions
//	GET    /api/roles/member/resources     list, get (/posts), create, update, destroy
//	POST   /api/roles/member/resources     {name, usingActionsConfig, actions: [{name, fields, scopeId | scope: {id}, params}]}
//	GET    /api/roles/member/snippets      the role's rules, a plain list
//	POST   /api/roles/member/snippets:add  ["pm.*", "!pm.users"]   (remove likewise)
//	GET    /api/roles/member/users         [{id}], by id
//	POST   /api/roles/member/users:add     [1, 2] or [{"id": 1}]   (remove likewise)
//	GET    /api/rolesResourcesScopes       list (filter.resourceName: that resource's scopes and every resource's)
//	POST   /api/rolesResourcesScopes       create {key?, name, resourceName, scope}
//	GET    /api/availableActions:list      the ACL's actions: [{...options, name}]
//
// Answers are NocoBase's envelope, {"data": ...} with "meta" for paged
// lists. Writes run through the Store (one transaction, database and ACL
// together) and record the request's user as createdById and updatedById.
// Errors answer {"errors":[{"message": ...}]} naming the role, resource or
// field: 400 for input the API or the ACL refuses (unknown fields, wrong
// types, unknown param keys, strategy actions or snippet rules, names with
// / \ : ? # % * " ' spaces or control characters, "." or "..", over 128
// bytes; root or an Undeletable role; renaming), 401 for roles:check
// without a user, 404 for an unknown role, resource configuration or
// scope, 405 for a writing action asked with GET, 409 for a taken name or
// title or a resource the role already configures, 413 for a body over
// the Resourcer's limit. Each resource is defined with only its own
// actions, so a host's generic handlers never reach the roles tables.
//
// A role's strategy applies to every resource unless the ACL's strategy
// resources are limited (acl.ACL.SetStrategyResources): without the limit
// a strategy with "view" reads the roles through this API. Limit
// strategies to your data collections and grant the API through the
// snippet.
//
// roles:check answers, for the signed-in user, NocoBase's role check as
// far as the ACL can say it truthfully: role (the one picked, else the
// user's first), roles, strategy (the union of the roles' strategy
// actions), actions (every explicit grant of the roles, with the params
// acl.Can answers for the roles together), snippets (every rule that
// switches a snippet on; an exclusion only when every role has it),
// resources, availableActions, actionAlias, allowAll (the user has root),
// allowConfigure and allowAnonymous. It is open to every request
// (RegisterACL allows it as "public") and answers 401 itself when no user
// is signed in.
//
// # Differences from NocoBase
//
//   - Empty fields mean no restriction in the tables, as NocoBase stores
//     them, while the ACL reads an empty granted list as "no field"; the
//     store omits an empty list when loading and refuses to [Store.Grant] one,
//     which would otherwise widen a grant.
//   - rolesResourcesActions has a params column NocoBase does not: the keys
//     besides fields and filter (whitelist, appends, own, or a key
//     registered with [acl.ACL.RegisterParamKeys]). It may not hold fields
//     or filter, which have columns of their own.
//   - Validation is strict: a row naming an unknown param key, strategy
//     action or snippet makes [Store.Load] fail, naming the role, rather
//     than dropping the name (NocoBase ignores it, so a misspelt "filtr"
//     would grant every row). Register the ACL's configuration before Load.
//   - A resource with usingActionsConfig but no action rows allows
//     nothing (acl.RoleOptions.Resources): the administrator switched its
//     actions off. NocoBase's writeToACL grants nothing there either but
//     forgets the resource, so the role's strategy applies to it again.
//   - Deleting the root role is refused; role names are checked (NocoBase
//     accepts any string).
//   - roles:check leaves out roleMode, allowMenuItemIds and
//     uiButtonSchemasBlacklist (gatehouse has no system settings or UI
//     schemas); its actions are the ACL's union of the grants, not lodash's
//     index-by-index merge. roles.users lists {id} only (aclstore does not
//     read the users table). rolesResourcesScopes reads the resource from
//     filter.resourceName. roles:setDefaultRole sets the roles table's
//     default flag, the role of users without one; NocoBase's
//     users:setDefaultRole (a user's own default among their roles) is not
//     served.
package aclstore
