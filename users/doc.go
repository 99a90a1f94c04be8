// Package users is a users and departments directory on bun, after
// NocoBase's users and departments plugins, for SQLite and PostgreSQL.
//
// # Models
//
// User, Department (an adjacency-list tree), DepartmentUser (memberships,
// with owners) and RoleUser (role names a user holds; the roles themselves
// live in the acl). CreateTables creates them with their indexes. Hosts add
// fields to users the bun way, with their own model that embeds User with
// bun:",extend", passed as Options.UserModel.
//
// # Audit fields
//
// Embed Audit in any model to have createdById and updatedById filled from
// the user in the context (WithCurrentUser) on insert and update, single
// or bulk; Timestamps does the same for createdAt and updatedAt.
// CreateAuditIndexes indexes the audit columns.
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
