// Package scim is a SCIM 2.0 service provider (RFC 7643 schema, RFC 7644
// protocol) over the datasync core, so that Okta, Microsoft Entra ID and
// every other identity provider can provision users and groups straight
// into the directory, with everything a sync gives: ownership, per-task
// history, deletion by the source's policy, one transaction per request.
//
//	m, _ := users.NewSyncManager(ctx, db, users.Options{}, datasync.Options{})
//	h, err := scim.New(m, scim.Options{Token: os.Getenv("GATEHOUSE_SCIM_TOKEN")})
//	mux.Handle("/scim/v2/", h) // the tenant URL is https://host/scim/v2
//
// It serves /Users, /Groups, /Bulk, /ServiceProviderConfig, /ResourceTypes
// and /Schemas under any prefix (the endpoint is found from the end of the
// path, so http.StripPrefix or none both work), answers in
// application/scim+json, and fails in the SCIM error form
// ({"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],
// "status":"400","scimType":"invalidFilter","detail":...}). A request
// without the bearer token (compared in constant time) or refused by
// Options.Authenticate is a 401.
//
// # What SCIM sees
//
// Every write is a push of the source Options.SourceName ("scim" by
// default) through [datasync.Manager.Edit]: a SCIM user is a user record of
// that source, a SCIM group a department record (GroupsAsDepartments, the
// default) or a row of scimGroups naming a role (GroupsAsRoles), and the
// SCIM resource itself rides in the record under
// [datasync.SourceDataKey]. The SCIM id is the record's uid, a UUID the
// server assigns. So SCIM sees only what its source owns — users and
// groups it provisioned, or adopted through the source's explicit
// adoption policy — and a fresh server answers an empty /Users list though
// root exists. A userName, email or phone held by a user SCIM cannot see
// (root, a hand-made user, another source's) is a 409 uniqueness, as the
// RFC asks; SCIM cannot read, change or delete that user.
//
// Mapped to the directory: userName → username, displayName (else
// name.formatted, else givenName familyName) → nickname, the primary (else
// first) email and phone number → email and phone, active → enabled,
// password → the stored hash (never returned), group displayName →
// department title, a group's User members → the users' memberships, its
// Group members → those groups' parent, and the enterprise extension's
// department → the user's main department, in either group mode: the
// source's department titled with that name (uid "department:" + name,
// which no group's id can be), created by the first user that names it and
// shared by the others. It is not a group: /Groups never lists, reads or
// changes it. A user whose department changes or goes leaves the old one,
// and a department left without users stays. Every other attribute (name
// parts, addresses, the enterprise extension's employeeNumber, manager...)
// is kept with the resource and served back as sent: the directory has no
// column for it.
//
// With GroupsAsRoles a group is a role instead: its displayName is the
// role's name (an existing role, or one created when the source's policy
// has roles.create; never root; one group per role), and its User members
// are the users holding that role through the source (their records'
// "roles": a role granted by hand is never touched). A Group member is a
// 400, since roles do not nest. Renaming a group moves its members to the
// new role; deleting it takes the role from them and keeps the role. Run
// CreateTables first: the groups are kept in a table of their own,
// scimGroups, because a role has no room for a SCIM group. The role is
// checked (or created) when the group is written, so a group without
// members names a real role too.
//
// # Writes
//
// POST, PUT (replace), PATCH (add, replace, remove; with and without a
// path; value filters such as members[value eq "…"] and
// emails[type eq "work"].value; Entra's PascalCase ops, "False" as a
// string and dotted keys in a path-less value) and DELETE each run in one
// transaction: the read, the check of If-Match and the write. DELETE does
// what the source's onMissing policy says (datasync.Policy): by default the
// user is disabled and marked missing, not deleted, and SCIM answers 404 for
// it from then on; a later POST of the same userName brings the same
// record back (Entra re-creates users it deleted). Root is never disabled
// or deleted. Adding 1,000 members to a group is one push of the changed
// user records: a few set-based statements, not 1,000 round trips.
//
// /Bulk (RFC 7644 §3.7) runs all its operations in one transaction, each
// in a savepoint, resolving "bulkId:" references; failOnErrors stops it.
// More operations than Options.MaxBulkOperations, or a body over
// Options.MaxPayloadBytes (any endpoint), is a 413; both are advertised in
// /ServiceProviderConfig.
//
// # Reads
//
// Lists take filter (every RFC operator, and/or/not, value paths;
// attribute names case-insensitive; userName compared without case as RFC
// 7643 §4.1.1 says), startIndex and count (a startIndex below 1 counts as
// 1, a count below 0 as 0, above Options.MaxResults as MaxResults; count=0
// gives totalResults alone), attributes and excludedAttributes. A filter
// naming an attribute that does not exist is a 400 invalidFilter; filters
// are bounded (4,096 bytes, nesting 50). An eq on userName or externalId
// (what Okta and Entra ask before every create) is answered by the
// database, not by reading every user.
//
// Every resource has meta (resourceType, created, lastModified, location,
// version); version is a weak ETag of the resource. If-Match on PUT, PATCH
// and DELETE answers 412 when stale; If-None-Match on GET answers 304.
//
// # Choices and differences
//
//   - The protocol is written here on net/http; filters and paths are
//     parsed with github.com/scim2/filter-parser/v2, with what it gets
//     wrong mended around it (it keeps escapes in strings and accepts only
//     upper-case \u digits; it has no size limits; see ParseFilter).
//     github.com/elimity-com/scim was not used: its strict schema
//     validation refuses what Entra sends ("active": "False"), and it has no
//     /Bulk, no If-Match/If-None-Match, and no way to run a request's read
//     and write in one datasync transaction.
//   - Unknown URNs in a body's "schemas" are ignored (Entra lists a schema
//     of its own with no attributes in it); attributes under an unknown URN
//     are a 400 invalidSyntax, as are unknown attributes.
//   - A group's version covers its own attributes, not its members, so
//     that a read with excludedAttributes=members need not load them:
//     If-Match on a group does not see someone else's membership change.
//   - PATCH remove through a filter that matches nothing changes nothing
//     (the RFC is silent; retried removals stay harmless); add through an
//     eq filter that matches nothing adds the entry (Entra sets a user's
//     first work email so). More than 10,000 operations is a 400.
//   - ne matches a resource without the attribute; eq null matches an
//     absent one.
//   - sortBy is not supported (resources come in the order they were
//     provisioned), and /Me answers 501.
//   - The enterprise extension's manager is kept and served back, not
//     mapped: the directory has no manager.
//   - DELETE under an onMissing "keep" policy answers 204 and changes
//     nothing: the user stays, and stays visible.
package scim
