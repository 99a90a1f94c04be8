// Package gatehouse is an access-control-and-directory SDK for Go services:
// what NocoBase gives a Node.js application — role-based access control with
// data scopes, a REST-style resource/action router, a users and departments
// directory on a real SQL database, and synchronisation of that directory
// from outside sources — as small independent packages a host wires together.
//
// # Packages
//
//	acl/             roles, strategies, grants, snippets, allow conditions,
//	                 fixed params, Can, Explain, net/http Middleware
//	resourcer/       resources and actions over net/http, NocoBase URL grammar
//	resourcer/crud/  default list/get/create/update/destroy actions over bun
//	filterop/        NocoBase filter JSON compiled to SQL for SQLite and PostgreSQL
//	users/           users and departments on bun, passwords, ACL presets
//	sqlitedb/        SQLite opened safely for a server (WAL, busy timeout,
//	                 immediate transactions, in-memory databases that survive
//	                 cancelled queries)
//	examples/        runnable programs; start with examples/quickstart
//
// Directory synchronisation (datasync) and roles stored in the database
// (acl/aclstore) are planned; the README's status table says what works
// today.
//
// # Wiring
//
// The packages never import each other's concrete types. They meet through
// plain values and small interfaces: the current user and roles travel in
// the request context, params are map[string]any, and a package that wants
// something from another (users offering ACL presets, say) declares the
// one-method interface it needs, which the other's type happens to satisfy.
// A host service therefore builds an acl.ACL, a resourcer, the directory on
// its *bun.DB, and joins them with one middleware chain: the resourcer is
// the ACL middleware's ActionSource, crud compiles the ACL's params to SQL
// with filterop, and users plugs its operators and ACL presets in.
// examples/quickstart is such a host.
//
// # The security invariant
//
// A request can only narrow what a grant allows. The ACL middleware merges
// a request's params into the grant's so that field lists and write
// whitelists intersect (an empty intersection never widens: reading answers
// 403, writing writes nothing), blacklists unite and appends stay within the
// grant; it also tells the router what the request's roles may read of every
// collection (acl.ReadableSetter), and crud refuses filters and sorts on
// anything else — answering exactly as for a field that does not exist —
// and trims appended records to what the roles may read of their target.
// Audit and timestamp columns, and hidden fields, belong to the server.
// See the acl and crud package docs for each rule and where it departs
// from NocoBase.
//
// Every package that touches SQL runs on SQLite and PostgreSQL through bun
// and is tested on both.
package gatehouse
