package users

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Audit records who created and last updated a row. Embed it in any bun
// model:
//
//	type Post struct {
//		bun.BaseModel `bun:"table:posts"`
//		ID            int64 `bun:"id,pk,autoincrement"`
//		users.Audit
//	}
//
// Its BeforeAppendModel hook fills createdById and updatedById on insert
// and updatedById on update from the user in the context
// (WithCurrentUser), for single and bulk inserts alike; a value already
// set on insert is kept, and without a user in the context nothing is
// touched. A model with a BeforeAppendModel hook of its own calls
// Audit.BeforeAppendModel from it. CreateAuditIndexes indexes both
// columns.
type Audit struct {
	CreatedByID *int64 `bun:"createdById" json:"createdById"`
	UpdatedByID *int64 `bun:"updatedById" json:"updatedById"`
	CreatedBy   *User  `bun:"rel:belongs-to,join:createdById=id" json:"createdBy,omitempty"`
	UpdatedBy   *User  `bun:"rel:belongs-to,join:updatedById=id" json:"updatedBy,omitempty"`
}

// BeforeAppendModel fills the audit columns; see Audit.
func (a *Audit) BeforeAppendModel(ctx context.Context, query bun.Query) error {
	id, ok := CurrentUserID(ctx)
	if !ok {
		return nil
	}
	switch query.(type) {
	case *bun.InsertQuery:
		if a.CreatedByID == nil {
			a.CreatedByID = &id
		}
		if a.UpdatedByID == nil {
			a.UpdatedByID = &id
		}
	case *bun.UpdateQuery:
		a.UpdatedByID = &id
	}
	return nil
}

// HookColumns names the columns the hook fills, for writers (such as
// resourcer/crud) that otherwise write only the columns a request set.
func (a *Audit) HookColumns(ctx context.Context, insert bool) []string {
	if _, ok := CurrentUserID(ctx); !ok {
		return nil
	}
	if insert {
		return []string{"createdById", "updatedById"}
	}
	return []string{"updatedById"}
}

// CreateAuditIndexes creates the indexes on createdById and updatedById of
// a model that embeds Audit.
func CreateAuditIndexes(ctx context.Context, db bun.IDB, model any) error {
	table := db.Dialect().Tables().Get(typeOf(model))
	for _, column := range []string{"createdById", "updatedById"} {
		name := fmt.Sprintf("%s_%s_idx", table.Name, column)
		if _, err := db.NewCreateIndex().Model(model).IfNotExists().Index(name).Column(column).Exec(ctx); err != nil {
			return fmt.Errorf("users: index %s: %w", name, err)
		}
	}
	return nil
}

// Timestamps records when a row was created and last updated; the users
// package's models embed it, and so may any other.
type Timestamps struct {
	CreatedAt time.Time `bun:"createdAt,nullzero,notnull,default:current_timestamp" json:"createdAt"`
	UpdatedAt time.Time `bun:"updatedAt,nullzero,notnull,default:current_timestamp" json:"updatedAt"`
}

// BeforeAppendModel sets both times on insert and updatedAt on update.
func (t *Timestamps) BeforeAppendModel(_ context.Context, query bun.Query) error {
	now := time.Now().UTC()
	switch query.(type) {
	case *bun.InsertQuery:
		if t.CreatedAt.IsZero() {
			t.CreatedAt = now
		}
		if t.UpdatedAt.IsZero() {
			t.UpdatedAt = now
		}
	case *bun.UpdateQuery:
		t.UpdatedAt = now
	}
	return nil
}
