// Package acl is NocoBase's access control in Go: roles, strategies,
// explicit grants with params, snippets, allow conditions, fixed params,
// role unions, an explanation of every decision, and net/http middleware.
//
// # Model
//
// A role may run an action on a resource when, in this order:
//
//   - the role is "root" (which must be defined like any other role);
//   - the role has an explicit grant for the resource and action, such as
//     "posts:update" with params {fields: [title], filter: {status: draft}};
//     once a role has any grant on a resource, only its grants count there;
//   - otherwise its strategy lists the action ("view", "update:own", or
//     "*" for all), or one of its snippets (named sets of action patterns
//     such as "users:*", switched on with rules like "pm.*") matches.
//
// Action aliases (view: get, list) come from SetAvailableAction. A grant of
// {own: true} adds the filter {createdById: "{{ ctx.state.currentUser.id }}"},
// and fields granted on create or update become a whitelist, as in NocoBase
// (on updateOrCreate, firstOrCreate and RegisterWriteActions' actions they
// become a whitelist and stay to bound the output). Fixed params
// (AddFixedParams) are added to every permitted check of an action,
// whatever the role.
//
//	a := acl.New()
//	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"get", "list"}})
//	a.SetAvailableAction("update", acl.ActionOptions{})
//	a.SetAvailableStrategy("member", acl.StrategyOptions{Actions: []string{"view", "update:own"}})
//	a.Define(acl.RoleOptions{Name: "editor", Strategy: "member",
//		Actions: map[string]acl.Params{"posts:update": {"filter": acl.Params{"status": "draft"}}}})
//	res, ok := a.Can(acl.CanArgs{Role: "editor", Resource: "posts", Action: "update"})
//	// ok; res.Params: {"filter": {"status": "draft"}}
//
// Can with Roles checks the union of several roles, as NocoBase's role
// union mode does: the first allowing role names the result and the params
// widen (filters ORed, field lists united, a side without a restriction
// lifting it). A result marshals to the JSON NocoBase's acl.can() returns.
//
// Explain answers the same question and says why: which role decided and by
// what rule, or why every role failed, in a form to show an administrator.
//
// # Strict grants
//
// A configuration naming something the ACL does not know is refused, with
// an [*UnknownNameError] wrapping [ErrUnknownName] that offers the nearest
// known name ("did you mean") when one is within two edits:
//
//   - param keys other than filter, fields, whitelist, blacklist, appends,
//     except, sort and own, unless registered with RegisterParamKeys
//     (Define, GrantAction): a misspelt "filtr" would grant every row;
//   - strategy names that are not registered (Define, SetStrategy);
//   - strategy actions that are neither registered (SetAvailableAction) nor
//     aliases, and predicates other than own and all (SetAvailableStrategy,
//     SetStrategyOptions, Define's inline strategy);
//   - snippet rules, "!name" included, that select no registered snippet
//     (Define, SetSnippets, AddSnippet);
//   - malformed action paths ("posts", "posts:", ":list", "a:b:c"), with
//     [ErrInvalidPath].
//
// So register actions, strategies and snippets before the roles that use
// them. A refused call changes nothing.
//
// # Narrowing
//
// A request can only narrow what its grant allows. The middleware (and
// ResolveParams) merges the grant's params into the request's, and the
// merged params a data layer queries with never reach past the grant:
//
//   - fields: the request's ∩ the grant's. A request without fields
//     (absent, null, "" or []) gets the grant's. When the intersection is
//     empty the request is refused with 403 and a [*FieldsError] naming the
//     fields ({"errors":[{"message":"No permissions: fields email,
//     nosuchfield may not be read"}]}): answering with no fields would read
//     as "no restriction" to a data layer, and answering with the grant's
//     would ignore what was asked. A grant of fields: [] allows no field.
//   - whitelist: the request's ∩ the grant's. An empty intersection stays
//     an explicit [] (nothing is writable), never dropped.
//   - blacklist: the request's ∪ the grant's.
//   - appends: an append is kept only when its first segment is in the
//     grant's appends or, when the grant has none, in its fields; a grant
//     with neither leaves appends to the request. Association names the
//     grant lists in appends move from the request's fields to its appends.
//   - filter: the grant's filter ANDed with the request's; the grant's sort
//     wins; except lists are united.
//
// A role union keeps restrictions too: a fields, whitelist or appends list
// that every allowing role has is the union of their lists, an empty one
// included (it allows nothing); a list only some roles have is lifted, as in
// NocoBase. Filter and sort paths and appended records are checked against
// what the roles may read ([ReadableSetter], Readable) by the data layer.
//
// # HTTP
//
// Middleware checks each request an ActionSource recognises. It takes the
// roles and user from the context (WithRoles, WithRole, WithUser, set by the
// host's authentication middleware, or all at once by WithPrincipal; with
// WithUserLoader the user's other fields are read only when a template
// names one, so the own-rows filter costs no user query), runs allow conditions (Allow: "public",
// "loggedIn", "allowConfigure" or registered ones), then Can, then the
// middlewares added with Use in their Before/After order. A denied request
// gets 403 {"errors":[{"message":"No permissions"}]}; an allowed one
// carries a Permission whose MergedParams are the request's params narrowed
// by the ACL's and templates filled in: the params a data layer must query
// with. An ActionSource that is a [ParamsSetter] gets them back, and one
// that is a [ReadableSetter] gets a function telling what the request's
// roles may read of any collection. ResolveParams merges without HTTP.
//
// # Concurrency and speed
//
// Every change compiles the configuration into an immutable snapshot that
// is swapped in atomically; Can, Explain and the middleware read the current
// snapshot and never wait for a writer. A changed role recompiles alone;
// strategy, alias, snippet, fixed-param and allow changes recompile all.
// Identical params are stored once however many grants carry them.
//
// Can returns its result by value with a fresh deep copy of any params, so
// nothing it hands out is shared with the ACL or another caller; answers
// without params allocate nothing. The README's "Measured" section has the
// figures; the paths that hand out params are bound by allocating Go maps.
//
// # Differences from NocoBase
//
// Behaviour equals @nocobase/acl 2.2.15 except where the reference is
// unsafe or accidental; each difference is deliberate:
//
//   - Merging a request's params (Narrowing above): NocoBase intersects a
//     request's blacklist with the grant's, so ?blacklist=title removes
//     the grant's blacklist; here they unite. NocoBase answers an empty
//     fields intersection with fields: [], which reads every column; here
//     it is a 403. NocoBase bounds appends only by a grant's appends; here a
//     grant's fields bound them too. NocoBase turns a request's fields null
//     or "" into fields: [] (an empty list, which crud refuses); here they
//     set no limit and, when the grant has no fields, pass on as sent.
//   - Fixed params: NocoBase's FixedParamsManager intersects the blacklists
//     of several fixed params, so adding one ({blacklist: [token, salary]})
//     makes the fields another protected ({blacklist: [password, token]})
//     writable again; here they unite.
//   - Empty lists restrict: NocoBase reads fields: [], whitelist: [] and
//     appends: [] in a grant as "all" and drops them from unions (its
//     "should allow all when fields1 = [], fields2 = []"); here they allow
//     nothing, a union keeps them and unites a list with an empty one
//     instead of lifting it. A store loading NocoBase's rolesResourcesActions
//     rows, whose fields default to [], should omit an empty fields list.
//   - Strict grants (above): NocoBase accepts unknown param keys, strategy
//     names, strategy actions and predicates, and snippet rules, and
//     ignores them.
//   - Granted fields also bound writes on updateOrCreate and firstOrCreate
//     (RegisterWriteActions adds more); NocoBase does so only on create and
//     update.
//   - Role unions keep restrictions next to $or: NocoBase merges
//     {$or: [A, B], createdById: u} with {z: 3} into {$or: [{z: 3}, A, B]},
//     dropping createdById and so widening the first role; here the whole
//     filter enters the $or.
//   - Malformed action paths ("posts", "a:b:c") are errors; NocoBase stores
//     "posts:undefined" or silently drops the third part.
//   - RevokeAction on a resource the role has no grants on is an error
//     (NocoBase throws a TypeError); RemoveStrategyResource without a list
//     does nothing (NocoBase throws).
//   - Snippet rules are re-applied on every change; NocoBase caches a role's
//     effective snippets and misses snippets registered later. Snippet
//     patterns use minimatch's syntax (*, ?, [...], {a,b}, **) but extglobs
//     like +(a|b) are refused instead of read another way.
//   - Granted field lists are de-duplicated when granted, so a role's JSON
//     never shows duplicates (NocoBase de-duplicates lazily).
//   - Fixed params mergers (AddFixedParams) run when the configuration
//     changes, not per check; general mergers (AddGeneralFixedParams) run
//     per check. Put per-request values in {{ }} templates.
//   - The middleware checks firstOrCreate and updateOrCreate like any action;
//     NocoBase defers their check to the action itself.
//   - A filter on createdById is checked against the resource's fields only
//     when MiddlewareOptions.HasField is set; otherwise the data layer
//     reports a missing column.
//   - Templates read the user from the context (WithUserRecord, or the
//     host's loader given to WithUserLoader) rather than from a database of
//     acl's own; date-range objects ({type:...})
//     in date filters are not expanded.
package acl
