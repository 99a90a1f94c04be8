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
// Every package that touches SQL runs on SQLite and PostgreSQL through bun
// and is tested on both.
package gatehouse
