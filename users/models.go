package users

import (
	"context"
	"reflect"
	"time"

	"github.com/uptrace/bun"
)

// User is a directory user, NocoBase's users collection. Password and
// ResetToken are hidden: json.Marshal never writes them, resourcer/crud
// never returns or filters on them, and Desensitize removes them.
//
// To add fields, extend the model the bun way and pass it to
// CreateTables:
//
//	type Employee struct {
//		users.User `bun:",extend"`
//		EmployeeNo string `bun:"employeeNo" json:"employeeNo"`
//	}
type User struct {
	bun.BaseModel    `bun:"table:users,alias:users"`
	ID               int64          `bun:"id,pk,autoincrement" json:"id"`
	Nickname         string         `bun:"nickname" json:"nickname"`
	Username         string         `bun:"username,unique,nullzero" json:"username"`
	Email            string         `bun:"email,unique,nullzero" json:"email"`
	Phone            string         `bun:"phone,unique,nullzero" json:"phone"`
	Password         string         `bun:"password,nullzero" json:"-" gatehouse:"hidden"`
	PasswordChangeTz int64          `bun:"passwordChangeTz,nullzero" json:"passwordChangeTz"`
	AppLang          string         `bun:"appLang,nullzero" json:"appLang"`
	ResetToken       string         `bun:"resetToken,unique,nullzero" json:"-" gatehouse:"hidden"`
	SystemSettings   map[string]any `bun:"systemSettings,type:json" json:"systemSettings"`
	Enabled          *bool          `bun:"enabled,notnull,default:true" json:"enabled"`
	MainDepartmentID *int64         `bun:"mainDepartmentId" json:"mainDepartmentId"`
	MainDepartment   *Department    `bun:"rel:belongs-to,join:mainDepartmentId=id" json:"mainDepartment,omitempty"`
	Departments      []*Department  `bun:"m2m:departmentsUsers,join:User=Department" json:"departments,omitempty"`
	Roles            []*RoleUser    `bun:"rel:has-many,join:id=userId" json:"roles,omitempty"`
	Timestamps
	Audit

	passwordChanged bool   // set by BeforeAppendModel for AfterUpdate
	storedPassword  string // the hash as loaded or last written: never hashed again
}

// AfterScanRow remembers the stored password hash, so that saving a loaded
// user keeps a hash in an older format (NocoBase's scrypt, bcrypt) as it
// is instead of hashing the hash.
func (u *User) AfterScanRow(context.Context) error {
	u.storedPassword = u.Password
	return nil
}

// Department is a node of the department tree (an adjacency list).
type Department struct {
	bun.BaseModel `bun:"table:departments,alias:departments"`
	ID            int64         `bun:"id,pk,autoincrement" json:"id"`
	Title         string        `bun:"title,notnull" json:"title"`
	ParentID      *int64        `bun:"parentId" json:"parentId"`
	Parent        *Department   `bun:"rel:belongs-to,join:parentId=id" json:"parent,omitempty"`
	Children      []*Department `bun:"rel:has-many,join:id=parentId" json:"children,omitempty"`
	IsLeaf        bool          `bun:"isLeaf,notnull,default:true" json:"isLeaf"`
	Sort          int64         `bun:"sort" json:"sort"`
	Members       []*User       `bun:"m2m:departmentsUsers,join:Department=User" json:"members,omitempty"`
	Timestamps
	Audit
}

// DepartmentUser is a membership: a user in a department, perhaps as one
// of its owners.
type DepartmentUser struct {
	bun.BaseModel `bun:"table:departmentsUsers,alias:departmentsUsers"`
	UserID        int64       `bun:"userId,pk" json:"userId"`
	User          *User       `bun:"rel:belongs-to,join:userId=id" json:"user,omitempty"`
	DepartmentID  int64       `bun:"departmentId,pk" json:"departmentId"`
	Department    *Department `bun:"rel:belongs-to,join:departmentId=id" json:"department,omitempty"`
	IsOwner       bool        `bun:"isOwner,notnull,default:false" json:"isOwner"`
	Timestamps
}

// RoleUser gives a user a role (by the acl role's name). The directory
// owns memberships; the roles themselves live in the acl.
type RoleUser struct {
	bun.BaseModel `bun:"table:rolesUsers,alias:rolesUsers"`
	UserID        int64  `bun:"userId,pk" json:"userId"`
	RoleName      string `bun:"roleName,pk" json:"roleName"`
	Default       bool   `bun:"default,notnull,default:false" json:"default"`
	Timestamps
}

// BeforeAppendModel hashes a new plain-text password, records when the
// password changed, defaults enabled to true, and fills the timestamps and
// audit columns.
//
// Like any bun update of a whole struct, updating a User that was not
// loaded writes every column, an empty password included; update only the
// columns you mean to change (resourcer/crud does, and keeps the stored
// password when a request sends an empty one).
func (u *User) BeforeAppendModel(ctx context.Context, query bun.Query) error {
	if err := FillServerColumns(ctx, query, u); err != nil {
		return err
	}
	switch query.(type) {
	case *bun.InsertQuery, *bun.UpdateQuery:
		if u.Password != "" && u.Password != u.storedPassword && !IsPasswordHash(u.Password) {
			hash, err := HashPassword(u.Password)
			if err != nil {
				return err
			}
			u.Password, u.storedPassword = hash, hash
			if _, isUpdate := query.(*bun.UpdateQuery); isUpdate {
				u.PasswordChangeTz = time.Now().UnixMilli()
				u.passwordChanged = true
			}
		}
	}

	if _, ok := query.(*bun.InsertQuery); ok && u.Enabled == nil {
		enabled := true
		u.Enabled = &enabled
	}
	return nil
}

// HookColumns names what the hook fills: timestamps, audit columns and,
// when a new password was set, passwordChangeTz.
func (u *User) HookColumns(ctx context.Context, insert bool) []string {
	cols := serverHookColumns(ctx, &u.Timestamps, &u.Audit, insert)
	if insert {
		return append(cols, "enabled")
	}
	if u.Password != "" && u.Password != u.storedPassword {
		cols = append(cols, "passwordChangeTz")
	}
	return cols
}

// ServerColumns names what a client may not write (resourcer/crud ignores
// it): the timestamps, the audit columns while a user is signed in, and
// passwordChangeTz and resetToken, which only the password flows set (a
// client that could set them could keep stale tokens valid or plant a
// reset token).
func (u *User) ServerColumns(ctx context.Context) []string {
	return append(serverOwnedColumns(ctx, &u.Timestamps, &u.Audit), "passwordChangeTz", "resetToken")
}

// BeforeAppendModel fills the department's timestamps and audit columns.
func (d *Department) BeforeAppendModel(ctx context.Context, query bun.Query) error {
	return FillServerColumns(ctx, query, d)
}

// HookColumns names what the hook fills: timestamps and audit columns.
func (d *Department) HookColumns(ctx context.Context, insert bool) []string {
	return serverHookColumns(ctx, &d.Timestamps, &d.Audit, insert)
}

// ServerColumns names the timestamps and, while a user is signed in, the
// audit columns: resourcer/crud ignores a client's values for them.
func (d *Department) ServerColumns(ctx context.Context) []string {
	return serverOwnedColumns(ctx, &d.Timestamps, &d.Audit)
}

// serverHookColumns are what the hooks of a Timestamps and an Audit
// embedded side by side fill; Go promotes only Audit's HookColumns.
func serverHookColumns(ctx context.Context, t *Timestamps, a *Audit, insert bool) []string {
	return append(t.HookColumns(ctx, insert), a.HookColumns(ctx, insert)...)
}

// serverOwnedColumns are the ServerColumns of a Timestamps and an Audit
// embedded side by side.
func serverOwnedColumns(ctx context.Context, t *Timestamps, a *Audit) []string {
	return append(t.ServerColumns(ctx), a.ServerColumns(ctx)...)
}

func typeOf(model any) reflect.Type {
	t := reflect.TypeOf(model)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t
}
