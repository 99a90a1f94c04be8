package scim

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// scimGroup is a row of scimGroups: a group GroupsAsRoles provisioned.
// A role has no room for a SCIM group (its id, externalId, the resource
// as sent), so the group is kept here and names its role: one group per
// role and source, so that a role's members are one group's.
type scimGroup struct {
	bun.BaseModel `bun:"table:scimGroups,alias:scimGroups"`
	ID            int64  `bun:"id,pk,autoincrement"`
	SourceName    string `bun:"sourceName,notnull,unique:scimGroups_sourceName_uid,unique:scimGroups_sourceName_roleName"`
	// UID is the SCIM id, a UUID.
	UID      string `bun:"uid,notnull,unique:scimGroups_sourceName_uid"`
	RoleName string `bun:"roleName,notnull,unique:scimGroups_sourceName_roleName"`
	// Resource is the group as stored, without id and members.
	Resource  map[string]any `bun:"resource,type:json"`
	CreatedAt time.Time      `bun:"createdAt,notnull,default:current_timestamp"`
	UpdatedAt time.Time      `bun:"updatedAt,notnull,default:current_timestamp"`
}

// CreateTables creates the table GroupsAsRoles keeps its groups in,
// scimGroups, when it is missing: a host that serves [New] with
// Options.Groups set to GroupsAsRoles runs it once at start-up, next to
// users.NewSyncManager (New has no context to run it in). It is
// idempotent, on PostgreSQL and SQLite alike.
func CreateTables(ctx context.Context, db bun.IDB) error {
	if _, err := db.NewCreateTable().Model((*scimGroup)(nil)).IfNotExists().Exec(ctx); err != nil {
		return fmt.Errorf("scim: creating the table scimGroups: %w", err)
	}
	return nil
}
