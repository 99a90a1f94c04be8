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
// and fields granted on create or update become a whitelist, as in NocoBase.
// Fixed params (AddFixedParams) are added to every permitted check of an
// action, whatever the role.
//
//	a := acl.New()
//	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"get", "list"}})
//	a.SetAvailableStrategy("member", acl.StrategyOptions{Actions: []string{"view", "update:own"}})
//	a.Define(acl.RoleOptions{Name: "editor", Strategy: "member",
//		Actions: map[string]acl.Params{"posts:update": {"filter": acl.Params{"status": "draft"}}}})
//	res := a.Can(acl.CanArgs{Role: "editor", Resource: "posts", Action: "update"})
//	// res.Params: {"filter": {"status": "draft"}}; nil res means denied
//
// Can with Roles checks the union of several roles, as NocoBase's role
// union mode does: the first allowing role names the result and the params
// widen (filters ORed, field lists united, a side without a restriction
// lifting it). A result marshals to the JSON NocoBase's acl.can() returns.
//
// Explain answers the same question and says why: which role decided and by
// what rule, or why every role failed, in a form to show an administrator.
//
// # HTTP
//
// Middleware checks each request an ActionSource recognises. It takes the
// roles and user from the context (WithRoles, WithRole, WithUser, set by the
// host's authentication middleware), runs allow conditions (Allow: "public",
// "loggedIn", "allowConfigure" or registered ones), then Can, then the
// middlewares added with Use in their Before/After order. A denied request
// gets 403 {"errors":[{"message":"No permissions"}]}; an allowed one
// carries a Permission whose MergedParams are the request's params with the
// ACL's restrictions applied and templates filled in: the params a data
// layer must query with. ResolveParams does the same without HTTP.
//
// # Concurrency and speed
//
// Every change compiles the configuration into an immutable snapshot that
// is swapped in atomically; Can, Explain and the middleware read the current
// snapshot and never wait for a writer. A changed role recompiles alone;
// strategy, alias, snippet, fixed-param and allow changes recompile all.
// Identical params are stored once however many grants carry them.
//
// Can returns shared, precomputed results for grants without params (no
// allocation); Params, when present, are always a fresh deep copy the
// caller may change. Measured on the project's 2-core machines with the
// benchmark fixture of bench_test.go (100 roles × 200 resources × 4
// actions, go test -bench . -benchmem):
//
//	BenchmarkCanGrant         ~80 ns/op     0 allocs
//	BenchmarkCanGrantParams   ~1.2 µs/op    7 allocs (792 B: the caller's copy of the params)
//	BenchmarkCanStrategy      ~95 ns/op     0 allocs
//	BenchmarkCanSnippet       ~0.9 µs/op    5 allocs (the fixed params' copy)
//	BenchmarkCanDeny          ~60 ns/op     0 allocs
//	BenchmarkCanUnion3        ~4 µs/op      19 allocs
//	BenchmarkCanParallel      ~36 ns/op     (2 goroutines: ≈2.2× one core)
//	BenchmarkMiddleware       ~2.5 µs/op over a bare handler
//
// The paths that hand out params are bound by allocating Go maps (a small
// map costs ~300 bytes) and the garbage collector on this machine; the
// NocoBase reference takes 4–70 µs for the same checks.
//
// # Differences from NocoBase
//
// Behaviour equals @nocobase/acl 2.2.15 except where the reference is
// unsafe or accidental; each difference is deliberate:
//
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
//   - Templates read the user from the context (WithUserRecord) rather than
//     loading $user fields from a database; date-range objects ({type:...})
//     in date filters are not expanded.
package acl
