package users

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// Audit records who created and last updated a row. Embed it in any bun
// model, alone or next to [Timestamps]:
//
//	type Post struct {
//		bun.BaseModel `bun:"table:posts"`
//		ID            int64 `bun:"id,pk,autoincrement"`
//		users.Audit
//		users.Timestamps
//	}
//
// The columns belong to the server, as in NocoBase: with a user in the
// context (WithCurrentUser) an insert sets createdById and updatedById to
// that user, and an update sets updatedById and keeps the stored
// createdById, whatever values the model held; single and bulk writes
// alike. Without a user in the context (a system job, an import) values
// set on the model are kept, so that imported rows keep their authors.
// See [FillServerColumns] for how the hook composes with Timestamps and
// with a model's own hook. CreateAuditIndexes indexes both columns.
type Audit struct {
	CreatedByID *int64 `bun:"createdById" json:"createdById"`
	UpdatedByID *int64 `bun:"updatedById" json:"updatedById"`
	CreatedBy   *User  `bun:"rel:belongs-to,join:createdById=id" json:"createdBy,omitempty"`
	UpdatedBy   *User  `bun:"rel:belongs-to,join:updatedById=id" json:"updatedBy,omitempty"`
}

// BeforeAppendModel fills the server's columns of the model the query
// writes: this Audit's and those of every other Audit and Timestamps the
// model embeds, since Go promotes only one of their hooks to the model.
func (a *Audit) BeforeAppendModel(ctx context.Context, query bun.Query) error {
	if !fillQueryModel(ctx, query, a) {
		// A later struct of a bulk write, or an Audit the query does not
		// write (called by hand, from another model's hook): fill this one.
		a.fill(ctx, query)
	}
	return nil
}

// fill sets the audit columns for the operation query runs.
func (a *Audit) fill(ctx context.Context, query bun.Query) {
	id, ok := CurrentUserID(ctx)
	if !ok {
		return
	}
	switch q := query.(type) {
	case *bun.InsertQuery:
		setID(&a.CreatedByID, id)
		setID(&a.UpdatedByID, id)
	case *bun.UpdateQuery:
		setID(&a.UpdatedByID, id)
		keepStored(q, "createdById")
	}
}

// setID points *p at id, keeping a pointer that already holds it: a bulk
// write's hooks may fill a struct twice.
func setID(p **int64, id int64) {
	if *p == nil || **p != id {
		v := id
		*p = &v
	}
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

// ServerColumns names the columns and associations whose values a client
// may not set while a user is signed in (resourcer/crud ignores them):
// the hook sets them from the user.
func (a *Audit) ServerColumns(ctx context.Context) []string {
	if _, ok := CurrentUserID(ctx); !ok {
		return nil
	}
	return []string{"createdById", "updatedById", "createdBy", "updatedBy"}
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
