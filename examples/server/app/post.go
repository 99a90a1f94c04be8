package app

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/users"
)

// Post is the sample collection: what a team replaces with its own models.
// The embedded Audit and Timestamps make createdById, updatedById,
// createdAt and updatedAt the server's columns, filled from the signed-in
// user, which is what the ACL's own-rows grants (view:own, update:own)
// filter on.
type Post struct {
	bun.BaseModel `bun:"table:posts,alias:posts"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Title         string `bun:"title,notnull" json:"title"`
	Body          string `bun:"body" json:"body"`
	Status        string `bun:"status,notnull,default:'draft'" json:"status"`
	users.Audit
	users.Timestamps
}

// createPosts creates the posts table and its audit indexes where missing,
// so that New can run on every start.
func createPosts(ctx context.Context, db *bun.DB) error {
	if _, err := db.NewCreateTable().Model((*Post)(nil)).IfNotExists().Exec(ctx); err != nil {
		return err
	}
	return users.CreateAuditIndexes(ctx, db, (*Post)(nil))
}
