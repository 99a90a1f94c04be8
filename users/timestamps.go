package users

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Timestamps records when a row was created and last updated; the users
// package's models embed it, and so may any other, alone or next to
// [Audit].
//
// The times are the server's: an insert sets both and an update sets
// updatedAt (and, with a user in the context, keeps the stored
// createdAt), whatever values the model held. An insert without a user in
// the context (a system job, an import) keeps times set on the model.
type Timestamps struct {
	CreatedAt time.Time `bun:"createdAt,nullzero,notnull,default:current_timestamp" json:"createdAt"`
	UpdatedAt time.Time `bun:"updatedAt,nullzero,notnull,default:current_timestamp" json:"updatedAt"`
	// The hooks sit one level down, so that Audit's, next to them in a
	// model, are the ones Go promotes instead of neither.
	timestampHooks
}

// timestampHooks carries Timestamps' hooks. It holds nothing, so they find
// the Timestamps they belong to in the model the query writes.
type timestampHooks struct{}

// BeforeAppendModel fills the server's columns of the model the query
// writes: those of every Timestamps and Audit it embeds. A model with a
// hook of its own calls [FillServerColumns] instead.
func (h *timestampHooks) BeforeAppendModel(ctx context.Context, query bun.Query) error {
	fillQueryModel(ctx, query, h)
	return nil
}

// HookColumns names the columns the hook fills, for writers (such as
// resourcer/crud) that otherwise write only the columns a request set.
func (*timestampHooks) HookColumns(_ context.Context, insert bool) []string {
	if insert {
		return []string{"createdAt", "updatedAt"}
	}
	return []string{"updatedAt"}
}

// ServerColumns names the columns whose values a client may never set
// (resourcer/crud ignores them): the times are the server's.
func (*timestampHooks) ServerColumns(context.Context) []string {
	return []string{"createdAt", "updatedAt"}
}

// fill sets the times for the operation query runs.
func (t *Timestamps) fill(ctx context.Context, query bun.Query, now time.Time) {
	_, signedIn := CurrentUserID(ctx)
	switch q := query.(type) {
	case *bun.InsertQuery:
		if signedIn || t.CreatedAt.IsZero() {
			t.CreatedAt = now
		}
		if signedIn || t.UpdatedAt.IsZero() {
			t.UpdatedAt = now
		}
	case *bun.UpdateQuery:
		t.UpdatedAt = now
		if signedIn {
			keepStored(q, "createdAt")
		}
	}
}
