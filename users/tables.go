package users

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// Options configure CreateTables.
type Options struct {
	// UserModel is the user model when a host extends User (a pointer to a
	// struct embedding users.User with bun:",extend"); User by default.
	UserModel any
	// DepartmentModel is the department model when a host extends
	// Department the same way; Department by default.
	DepartmentModel any
	// PasswordTransformers are the password formats a source may name in
	// its option "password": {"format": …} besides plain and sha256-hex
	// (see PasswordTransformer).
	PasswordTransformers map[string]PasswordTransformer
	// RolesListener hears of the roles syncs create and of the users whose
	// roles they change (see RolesListener): pass the acl/aclstore Store
	// that answers the users' roles, or a sync's role changes reach its
	// cache and ACL only when something else reloads them.
	RolesListener RolesListener
}

// RegisterModels registers the join models of the directory's many-to-many
// relations with db. CreateTables calls it; a host that does not create
// the tables calls it once at start-up, before querying.
func RegisterModels(db *bun.DB) {
	db.RegisterModel((*DepartmentUser)(nil))
}

// CreateTables creates the directory's tables and indexes if they do not
// exist: users, departments, departmentsUsers, roles (NocoBase's roles
// collection, see Role), rolesUsers and tokenBlacklist (signed-out
// tokens, see Tokens). It first checks
// (CheckModel) that a host's user and department models still fill the
// audit columns and times, so that a hook of its own that forgets them
// fails at start-up rather than leaving rows without an author.
func CreateTables(ctx context.Context, db *bun.DB, opts Options) error {
	RegisterModels(db)
	userModel := opts.UserModel
	if userModel == nil {
		userModel = (*User)(nil)
	}
	deptModel := opts.DepartmentModel
	if deptModel == nil {
		deptModel = (*Department)(nil)
	}
	models := []any{userModel, deptModel, (*DepartmentUser)(nil), (*Role)(nil), (*RoleUser)(nil), (*TokenBlock)(nil)}
	for _, m := range models {
		if err := CheckModel(db, m); err != nil {
			return err
		}
	}
	for _, m := range models {
		if _, err := db.NewCreateTable().Model(m).IfNotExists().Exec(ctx); err != nil {
			return fmt.Errorf("users: create table for %T: %w", m, err)
		}
	}
	for _, m := range []any{userModel, deptModel} {
		if err := CreateAuditIndexes(ctx, db, m); err != nil {
			return err
		}
	}
	indexes := []struct {
		model        any
		name, column string
	}{
		{deptModel, "departments_parentId_idx", "parentId"},
		{(*DepartmentUser)(nil), "departmentsUsers_departmentId_idx", "departmentId"},
		{(*RoleUser)(nil), "rolesUsers_roleName_idx", "roleName"},
		{userModel, "users_mainDepartmentId_idx", "mainDepartmentId"},
	}
	for _, ix := range indexes {
		if _, err := db.NewCreateIndex().Model(ix.model).IfNotExists().Index(ix.name).Column(ix.column).Exec(ctx); err != nil {
			return fmt.Errorf("users: index %s: %w", ix.name, err)
		}
	}
	return nil
}
