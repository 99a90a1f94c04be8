// Package resourcer is NocoBase's resourcer for net/http: resources and
// their actions, NocoBase's URL grammar, params parsed from the query,
// path and body and merged into each action's defaults, and middleware
// ordered by Before/After constraints.
//
// # Resources and actions
//
// A resource is a collection ("posts") or an association ("posts.comments")
// with actions. Actions carry a handler, their own middlewares and default
// params; handlers registered with RegisterActionHandler ("list", or
// "posts:list" for one resource) serve every resource defined afterwards:
//
//	rs := resourcer.New(resourcer.Options{Prefix: "/api"})
//	rs.RegisterActionHandler("list", resourcer.HandlerFunc(
//		func(r *http.Request, ac *resourcer.ActionContext) (any, error) {
//			return store.List(r.Context(), ac.ResourceName, ac.Params)
//		}))
//	rs.Define(resourcer.ResourceOptions{Name: "posts"})
//	mux.Handle("/api/", rs)
//
// # URLs
//
// The routes are NocoBase's: GET /api/posts lists, POST creates,
// GET/PUT/PATCH/DELETE /api/posts/1 get, update and destroy, and
// /api/posts/1/comments addresses the comments of post 1. The resource
// type (hasOne, hasMany, belongsTo, belongsToMany) picks an association's
// table. "posts:export" names an action outright, and
// /resourcer/posts.comments:list names resource and action with no path
// keys. ParseRequest exposes the grammar.
//
// # Params
//
// An action's params start from its defaults; the query string (qs-style:
// filter is JSON, fields=a,b is a list), the route (filterByTk is the
// path's index) and the body ("values") merge in with NocoBase's
// strategies: filters ANDed, field lists intersected, appends united, sort
// overwritten. Middlewares may narrow them further with
// ActionContext.MergeParams. The Resourcer is itself the acl package's
// ActionSource (RequestAction, SetRequestParams), so the ACL middleware is
// wired with one line and replaces the params with the ones it allows:
//
//	rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: rs}), resourcer.UseOptions{Tag: "acl"})
//
// The params a handler runs with (ActionContext.Params) may be narrower
// than the ones the request gave (ActionContext.RequestParams): handlers
// look at the latter to tell what the client asked for from what the ACL
// added. A permission layer also says what the request may read of every
// collection (ActionContext.Readable, set through SetRequestReadable), so
// that handlers trim appended records and refuse filters and sorts on
// fields the request's roles may not read.
//
// # Methods
//
// NocoBase runs any action on any method (GET /api/posts:destroy deletes).
// Here GET and HEAD may not run an action that changes data — NocoBase's
// writing actions (StateChangingActions), actions defined with
// ActionOptions.StateChanging, and handlers wrapped with StateChanging —
// and answer 405, because a link or an image on another site could make a
// signed-in browser send such a GET. Options.AllowStateChangingGET restores
// NocoBase's behaviour.
//
// # Order
//
// A request runs the Use middlewares (ordered by their tags and
// Before/After), then the resource's middlewares, the action's (each
// limited by Only/Except), the pre-action handlers, and the handler.
// Handlers read the request's ActionContext with ActionFrom; HandlerFunc
// lets them return data and have it written as {"data": ...}, errors as
// {"errors":[{"message": ...}]} with their status.
//
// # Errors
//
// Unknown resources and actions answer 404 with NocoBase's messages ("posts
// resource does not exist", "export action is not allowed"); a malformed
// filter or body, 400; a body over Options.MaxBodyBytes, 413. An error
// wrapping context.Canceled from a request whose client has gone answers
// 499 and is logged at debug level only — it is no server error; one
// wrapping context.DeadlineExceeded (a statement timeout) answers 503.
// StatusError.Header adds headers such as Retry-After. A panic in a
// handler is a bug, but it is recovered, logged with its stack and
// answered with a plain 500.
//
// # Exactness
//
// ParseRequest is compared with the reference's parseRequest on all 1,053
// recorded paths and ParseQuery with its parseQuery on 812 recorded
// queries (testdata/, made by tools/nocobase-oracle). 1,036 paths answer
// exactly as the reference; the other 17 are listed one by one in
// route_test.go with their reason: a prefix is a plain path (NocoBase
// would read "/:tenant" as a parameter), an accessor set to "" keeps the
// default, and an accessor recorded as undefined by the generator. A path
// the reference throws on (a URIError) has no route here. Also on purpose:
// a filter nested deeper than 10,000 levels is refused, numbers in JSON
// stay exact (json.Number), and a path with no action for its method
// answers "GET /posts/1 has no action" rather than "undefined action does
// not exist".
package resourcer
