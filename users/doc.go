// Package users is a users and departments directory on bun, after
// NocoBase's users and departments plugins, for SQLite and PostgreSQL.
//
//	if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
//		return err
//	}
//	root, err := users.InstallRoot(ctx, db, os.LookupEnv)
//	...
//	// Sign-in, and one middleware that sets the request's user and roles:
//	tokens, err := users.NewTokens(db, users.TokenOptions{Secret: key})
//	opts := users.AuthOptions{DB: db, Tokens: tokens, ACL: theACL}
//	rs.RegisterActionHandlers(users.AuthActions(opts))
//	handler := users.Authenticate(opts)(rs)
//
// # Models
//
// User, Department (an adjacency-list tree), DepartmentUser (memberships,
// with owners), Role (the roles table, shared with acl/aclstore, which
// keeps what roles may do) and RoleUser (the roles a user holds).
// CreateTables creates them with their indexes. Hosts add
// fields to users the bun way, with their own model that embeds User with
// bun:",extend", passed as Options.UserModel.
//
// # Audit fields and times
//
// Embed Audit in any model to have createdById and updatedById filled from
// the user in the context (WithCurrentUser) on insert and update, single
// or bulk; Timestamps does the same for createdAt and updatedAt. The two
// compose: embedded side by side, Go promotes Audit's hook, which fills
// every Audit and Timestamps the model embeds (Timestamps' own hooks sit
// one level down for that). A model with a BeforeAppendModel of its own
// calls FillServerColumns from it, and CheckModel (which CreateTables runs
// on the directory's models) reports a model whose hook leaves them unset.
//
// The columns are the server's, as in NocoBase: with a user in the context
// a client's values are replaced (an insert gets the user and the time; an
// update gets the user and the time and writes the stored createdById and
// createdAt back), by the hooks for any bun write and, for resourcer/crud,
// through the ServerColumns and HookColumns methods, which tell crud to
// ignore client values and to write what the hooks fill. Without a user
// (system jobs, imports) values set on the model are kept. Through
// resourcer/crud a client can never set a user's passwordChangeTz or
// resetToken either. CreateAuditIndexes indexes the audit columns.
//
// Go promotes only Audit's HookColumns and ServerColumns from a model that
// embeds both: a writer that asks the model alone for them learns the
// audit columns, so an update that does not name updatedAt leaves it
// as it was; User and Department declare both sets themselves.
//
// # Actions and the data scope
//
// Actions and DepartmentActions are resourcer handlers that keep to the
// request's data scope as resourcer/crud does: the writing ones apply the
// whitelist, fields and blacklist the ACL left in the params and refuse
// GET and HEAD (resourcer.StateChanging); listExcludeRole returns only
// fields the grant and ActionContext.Readable allow, never a hidden one,
// and refuses a filter on a field the request may not read.
//
// # Departments
//
// CreateDepartment, MoveDepartment and DeleteDepartment keep the tree's
// isLeaf flags right, refuse to delete a department that still has
// sub-departments or members, and refuse to move one under itself or its
// descendants (two concurrent moves cannot together make a cycle: rows are
// locked on PostgreSQL, writes serialised on SQLite). AddDepartmentMember,
// RemoveDepartmentMember and SetMainDepartment keep each user's main
// department one of their departments, defaulting to the first. Writing
// the tables directly bypasses these rules.
//
// # Directory sync
//
// RegisterSyncResources gives a datasync.Manager NocoBase's two sync
// resources, "users" and then "departments", and then "roles" (a record's
// "roles": the role names it holds). All are set-based (a chunk of records
// costs a few statements) and plan before they write, so a dry run shows
// exactly what a run will do. What a source may change follows its
// datasync.Policy (the source row's options), read through the batch.
//
// The users resource writes every column of the user model a record names
// (custom fields of an extended model included) except the system ones
// (id, password, audit and time columns, appLang, resetToken,
// systemSettings, sort, mainDepartmentId, passwordChangeTz);
// keys that are no column are listed as ignored in the plan. "enabled" (a
// source's disable field) is written when a record has it and left alone
// when not; a root user is never disabled (the plan keeps it, with the
// reason). With matchKey
// email, phone or username a first-seen record adopts the user with that
// value, unless another sync record already holds that user. A record with
// isDeleted removes its user, never a root user, and only through its own
// link: a deleted record that matches a hand-made user by email touches
// nothing. A unique value another user holds fails the record, naming
// the field. With the policy's owned fields ("ownedFields",
// "editableWhileSynced") a sync leaves the other fields of an existing
// user as people edited them; users it creates get every field.
//
// Passwords from a source are never stored or logged as sent: the users
// resource's Transform
// turns them into the stored form before the engine keeps anything
// (plain text → argon2id, "sha256-hex" kept for CheckPassword to verify
// and upgrade, or a host's Options.PasswordTransformers); a record without
// one gets a random password that PasswordMustReset reports. An unchanged
// password is not written again, so a user's own change survives until
// the source changes it.
//
// The departments resource keeps the tree (title, sort, custom fields of
// Options.DepartmentModel; parents resolved through the source's sync
// records, whatever the order records arrive in; a parentUid cycle refused
// naming the uids; isLeaf kept right) and, for user records, memberships,
// owners and the main department. It removes only memberships its source
// made: one a person added by hand is never removed or changed. A user's
// department that the source never synced fails the record instead of
// being dropped.
//
// The roles resource (RolesSyncResource) adds and removes the rolesUsers
// rows of its own records: a role a person granted by hand stays. A role
// name the roles table lacks fails the record, naming it, unless the
// policy's "roles.create" creates it; "root" is never granted by a sync.
// The users resource's ClearUnsynced deletes, for a source's "firstSync":
// "clear", the users no source synced (never root) with their memberships.
//
// # Sign-in and tokens
//
// Tokens issues and verifies signed session tokens (JWTs, HS256 by
// default, EdDSA supported; the algorithm is pinned, so "none" or another
// algorithm is refused), with NocoBase's expiry, renewal window and
// session limit, and a blocklist (the tokenBlacklist table, holding a hash
// of each revoked token's id until it expires; Prune deletes the expired
// rows).
//
// AuthActions are NocoBase's basic authenticator: auth:signIn (by
// username or email; the same 401 whatever was wrong, and an unknown
// account still pays for a password check), auth:signOut (revokes the
// token) and auth:check (the user without hidden fields, with the names of
// their roles). The ACL must allow them to "public", as NocoBase does
// (ACLPresets does).
//
// Authenticate is the one middleware a host needs: it verifies the bearer
// token (renewing an expired one inside the window and sending the new one
// in X-New-Token), refuses a missing or disabled user and a token older
// than the user's last password change (TokenStale), reads the user's
// roles (RolesOfUser: acl/aclstore's Store, or RolesFromTable), picks the
// role X-Role asks for (one of the user's, UnionRole for all of them, the
// default one when it names none) and sets both WithCurrentUser and, through
// PrincipalSetter (*acl.ACL), acl's user, role and roles. Each request
// costs one small query (the user's enabled flag and passwordChangeTz,
// found only while the token is off the blocklist) besides the roles; the
// user's whole record (Authentication.UserRecord) is read only when
// auth:check or an ACL template asks for a field other than the id. A
// request without
// a token passes with no user, so "public" and "loggedIn" allows work as in
// NocoBase. A user without roles, or an X-Role that is not the user's, is
// answered 401, as NocoBase's setCurrentRole answers.
//
// # Hidden fields and passwords
//
// Fields tagged gatehouse:"hidden" (User's password and resetToken) carry
// json:"-" too, so no JSON output contains them, resourcer/crud neither
// returns nor filters on them, and Desensitize zeroes them in a copy for
// any other output. A plain-text password set on a User is hashed with
// argon2id by the model's hook; VerifyPassword also reads NocoBase's
// scrypt hashes, bcrypt and hex SHA-256, and NeedsRehash tells a login to
// upgrade them. A password change records passwordChangeTz, which
// TokenStale checks, and calls the database's Invalidator.
//
// # Root, operators and ACL presets
//
// InstallRoot creates the root user from INIT_ROOT_* settings, never with
// a default password. RegisterOperators adds $isCurrentUser,
// $isNotCurrentUser and $isVar to a filterop registry. ACLPresets applies
// NocoBase's users plugin configuration to an ACL through ACLConfig, an
// interface *acl.ACL satisfies without users importing acl.
package users
