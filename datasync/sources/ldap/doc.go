// Package ldap is a [datasync.Source] that reads users, organizational
// units and groups from an LDAP directory (OpenLDAP, Active Directory) with
// paged searches, and streams them into a directory as departments and
// users with their memberships.
//
//	src, err := ldap.New(ldap.Options{
//		URL:          "ldap://ldap.example.org",
//		StartTLS:     true,
//		BindDN:       "cn=sync,dc=example,dc=org",
//		BindPassword: os.Getenv("LDAP_PASSWORD"),
//		Users:        ldap.Search{BaseDN: "ou=people,dc=example,dc=org"},
//		OUs:          ldap.Search{BaseDN: "ou=people,dc=example,dc=org"},
//		Groups:       ldap.GroupSearch{Search: ldap.Search{BaseDN: "ou=groups,dc=example,dc=org"}},
//		Disabled:     ldap.Disabled{Attribute: "employeeType", Value: "disabled"},
//		MatchKey:     "email",
//	})
//	if err != nil { ... } // wraps datasync.ErrInvalidSource, names the option
//	m.RegisterSourceType("ldap", datasync.SourceType{Title: "LDAP", New: func(datasync.SourceConfig) (datasync.Source, error) {
//		return src, nil
//	}})
//
// # Why paged, and why all or nothing
//
// Directory servers cap how many entries one search returns (OpenLDAP's
// sizelimit, 500 by default; Active Directory's MaxPageSize, 1,000) and
// answer a bigger search with the first entries and sizeLimitExceeded. A
// sync that takes that answer for the directory believes everyone past
// the limit left: the most common complaint against other LDAP syncs
// (gitea#4402, keycloak#24669). Every search here is a paged search (RFC
// 2696, [Options.PageSize] entries a page), which servers allow past their
// size limit, and a Pull that stops before the last page (a limit, a time
// out, a dropped connection, a bad entry, a cancelled ctx) returns an
// error matching [datasync.ErrIncomplete] (and, when the server failed,
// [datasync.ErrSourceAPI]) instead of nil: the run rolls back and nothing
// is deleted for not being seen.
//
// # What becomes what
//
// Departments are emitted first, parents before children:
//
//   - each organizational unit the OUs search finds, titled by its "ou",
//     under the OU its DN names as parent when that one was read too;
//   - each group the Groups search finds, titled by its "cn", under the
//     group it is nested in (a group that is a member of another). A
//     department has one parent, so a group nested in several takes the
//     first met in a breadth-first walk from the top groups, and a cycle of
//     groups is cut at the group with the smallest DN.
//
// Then the users, a chunk ([Options.ChunkSize]) at a time as the pages
// come, each with "uid" (the ID attribute: entryUUID, or AD's objectGUID as
// a GUID string), "username", "nickname", "email", "phone" (null when the
// entry lacks the attribute, so a removed value is removed),
// "departments" (their OU and their groups, see below) and, when
// [Options.Disabled] is set, "enabled".
//
// A user's groups are those whose member attribute lists them, those their
// [Attributes.MemberOf] attribute lists (when set), and every group
// enclosing one of those up to [GroupSearch.NestedDepth] levels; a cycle of
// groups ends the walk.
//
// Only the mapped attributes are requested: a password is never read.
// Errors name the option, the search and the entry's position (and the DN
// of an OU or a group, not of a user: it usually holds their name); never
// an attribute's value or the bind password.
//
// # Deltas
//
// A [Source] is a [datasync.DeltaSource] ([Source.PullChanges]): a full
// read returns the highest modifyTimestamp it saw as a watermark, and a
// delta from it reads only the users (and emits only the OUs and groups)
// modified since, with (modifyTimestamp>=watermark) added to the users
// filter. Deleted entries are only noticed by full runs: give a source a
// "fullSchedule" beside its "schedule" (see [datasync.Scheduler]).
//
// # Active Directory
//
// [ActiveDirectory] gives Options for a domain: person accounts,
// objectGUID as the anchor, sAMAccountName as the username, groups (with
// their nesting) as departments and userAccountControl's ACCOUNTDISABLE
// bit for disabled accounts. It adopts no existing users: to take over
// hand-made accounts on the first sync, give the source's row the option
// "adopt": "username" and later "blockSoftMatch" (see datasync.Policy).
// AD returns a group's members in ranges
// ("member;range=0-1499") past 1,500 of them, which this source does not
// follow; use [Attributes.MemberOf] ("memberOf") for such groups.
//
// # Security
//
// Use ldaps:// or StartTLS with a server not on the same host: a simple
// bind sends the password in clear otherwise. [Options.TLS] sets the
// roots and the server name; by default the system roots verify the
// URL's host. Bind with a read-only service account: the directory's
// administrator is exempt from size limits, which hides whether paging
// works.
package ldap
