package aclstore

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// Timestamps are a row's creation and last-change times.
type Timestamps struct {
	CreatedAt time.Time `bun:"createdAt,nullzero,notnull,default:current_timestamp" json:"createdAt"`
	UpdatedAt time.Time `bun:"updatedAt,nullzero,notnull,default:current_timestamp" json:"updatedAt"`
}

// Audit says who created a row and who changed it last: the user the
// writing request's context carries (acl.WithUser), NULL when none. The
// columns are the users package's (users.Audit), so both packages can
// share the tables; aclstore does not import users.
type Audit struct {
	CreatedByID *int64 `bun:"createdById" json:"createdById"`
	UpdatedByID *int64 `bun:"updatedById" json:"updatedById"`
}

// Role is a row of NocoBase's roles table. Strategy is the role's own
// strategy ({"actions": ["view", "update:own"]}); Snippets its snippet
// rules ("pm.*", "!pm.users"). The table and its columns equal the users
// package's users.Role.
type Role struct {
	bun.BaseModel `bun:"table:roles,alias:roles"`
	Name          string `bun:"name,pk" json:"name"`
	// Title is the name shown to people; unique among roles, as NocoBase
	// has it.
	Title          string               `bun:"title,unique,nullzero" json:"title"`
	Description    string               `bun:"description,nullzero" json:"description"`
	Strategy       *acl.StrategyOptions `bun:"strategy,type:json" json:"strategy"`
	Snippets       []string             `bun:"snippets,type:json" json:"snippets"`
	AllowConfigure bool                 `bun:"allowConfigure,notnull,default:false" json:"allowConfigure"`
	AllowNewMenu   bool                 `bun:"allowNewMenu,notnull,default:false" json:"allowNewMenu"`
	// Default marks the role of users who have none (RolesOf).
	Default bool  `bun:"default,notnull,default:false" json:"default"`
	Hidden  bool  `bun:"hidden,notnull,default:false" json:"hidden"`
	Sort    int64 `bun:"sort" json:"sort"`
	Timestamps
	Audit
}

// RoleResource is a row of rolesResources: a resource a role has its own
// configuration for. With UsingActionsConfig the role's grants on the
// resource are its RoleResourceAction rows (and the strategy no longer
// applies to it); without, the rows are kept but the strategy decides, as
// in NocoBase.
type RoleResource struct {
	bun.BaseModel      `bun:"table:rolesResources,alias:rolesResources"`
	ID                 int64  `bun:"id,pk,autoincrement" json:"id"`
	RoleName           string `bun:"roleName,notnull,unique:rolesResources_roleName_name" json:"roleName"`
	Name               string `bun:"name,notnull,unique:rolesResources_roleName_name" json:"name"`
	UsingActionsConfig bool   `bun:"usingActionsConfig,notnull,default:false" json:"usingActionsConfig"`
	Timestamps
	Audit
}

// RoleResourceAction is a row of rolesResourcesActions: one granted action
// of a RoleResource. Its params are Fields (empty: every field, as NocoBase
// stores "no restriction"), the filter of its scope (ScopeID, a
// RoleResourceScope), and Params: any other param key (whitelist,
// blacklist, appends, except, sort, own, or one registered with
// acl.RegisterParamKeys), a gatehouse column NocoBase does not have.
type RoleResourceAction struct {
	bun.BaseModel   `bun:"table:rolesResourcesActions,alias:rolesResourcesActions"`
	ID              int64      `bun:"id,pk,autoincrement" json:"id"`
	RolesResourceID int64      `bun:"rolesResourceId,notnull,unique:rolesResourcesActions_resource_name" json:"rolesResourceId"`
	Name            string     `bun:"name,notnull,unique:rolesResourcesActions_resource_name" json:"name"`
	Fields          []string   `bun:"fields,type:json" json:"fields"`
	ScopeID         *int64     `bun:"scopeId" json:"scopeId"`
	Params          acl.Params `bun:"params,type:json" json:"params,omitempty"`
	Timestamps
	Audit
}

// RoleResourceScope is a row of rolesResourcesScopes: a named filter that
// grants share. ResourceName "" is a scope of every resource. The tables
// start with NocoBase's two built-in scopes, "all" (no filter) and "own"
// (rows the current user created).
type RoleResourceScope struct {
	bun.BaseModel `bun:"table:rolesResourcesScopes,alias:rolesResourcesScopes"`
	ID            int64      `bun:"id,pk,autoincrement" json:"id"`
	Key           string     `bun:"key,notnull,unique" json:"key"`
	Name          string     `bun:"name,nullzero" json:"name"`
	ResourceName  string     `bun:"resourceName,nullzero" json:"resourceName"`
	Scope         acl.Params `bun:"scope,type:json" json:"scope"`
	Timestamps
	Audit
}

// RoleUser is a row of rolesUsers: a user's membership of a role. The
// table and its columns equal the users package's users.RoleUser.
type RoleUser struct {
	bun.BaseModel `bun:"table:rolesUsers,alias:rolesUsers"`
	UserID        int64  `bun:"userId,pk" json:"userId"`
	RoleName      string `bun:"roleName,pk" json:"roleName"`
	Default       bool   `bun:"default,notnull,default:false" json:"default"`
	Timestamps
}

// Change is a row of aclChanges, the store's change log: every write adds
// one in its transaction, and every Store sharing the database applies
// the changes it has not seen (see Store.Watch). Kind says what changed:
// ChangeRole (Name is the role), ChangeUser (Name is the user's id),
// ChangeAll (everything).
type Change struct {
	bun.BaseModel `bun:"table:aclChanges,alias:aclChanges"`
	ID            int64     `bun:"id,pk,autoincrement" json:"id"`
	Kind          string    `bun:"kind,notnull" json:"kind"`
	Name          string    `bun:"name,notnull" json:"name"`
	CreatedAt     time.Time `bun:"createdAt,nullzero,notnull,default:current_timestamp" json:"createdAt"`
}

// The kinds of a Change.
const (
	ChangeRole = "role"
	ChangeUser = "user"
	ChangeAll  = "all"
)

// models are the store's tables, in creation order.
func models() []any {
	return []any{(*Role)(nil), (*RoleResource)(nil), (*RoleResourceAction)(nil), (*RoleResourceScope)(nil), (*RoleUser)(nil), (*Change)(nil)}
}

// CreateTables creates the store's tables and indexes where they do not
// exist, on SQLite or PostgreSQL, and adds the built-in scopes "all" and
// "own". It may run before or after users.CreateTables: the tables both
// create (roles, rolesUsers) are the same.
func CreateTables(ctx context.Context, db *bun.DB) error {
	for _, m := range models() {
		if _, err := db.NewCreateTable().Model(m).IfNotExists().Exec(ctx); err != nil {
			return fmt.Errorf("aclstore: create table for %T: %w", m, err)
		}
	}
	indexes := []struct {
		model        any
		name, column string
	}{
		{(*RoleUser)(nil), "rolesUsers_roleName_idx", "roleName"},
		{(*RoleResource)(nil), "rolesResources_roleName_idx", "roleName"},
		{(*RoleResourceAction)(nil), "rolesResourcesActions_rolesResourceId_idx", "rolesResourceId"},
	}
	for _, ix := range indexes {
		if _, err := db.NewCreateIndex().Model(ix.model).IfNotExists().Index(ix.name).Column(ix.column).Exec(ctx); err != nil {
			return fmt.Errorf("aclstore: index %s: %w", ix.name, err)
		}
	}
	scopes := []RoleResourceScope{
		{Key: "all", Name: `{{t("All records")}}`, Scope: acl.Params{}},
		{Key: "own", Name: `{{t("Own records")}}`, Scope: acl.Params{"createdById": "{{ ctx.state.currentUser.id }}"}},
	}
	if _, err := db.NewInsert().Model(&scopes).On("CONFLICT (?) DO NOTHING", bun.Ident("key")).Exec(ctx); err != nil {
		return fmt.Errorf("aclstore: add the built-in scopes: %w", err)
	}
	return nil
}
