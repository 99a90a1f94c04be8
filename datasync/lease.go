package datasync

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// A lease is the right to run one source's schedule, held by one
// scheduler of a fleet until it expires: a row of userDataSyncLeases.
//
// It is a row on PostgreSQL too, not an advisory lock. A session advisory
// lock belongs to one connection, and database/sql may close that
// connection or hand it to other work while the lock is held, so the lock
// can vanish or leak without the scheduler knowing. A row belongs to a
// holder name instead, outlives any connection, and expires by itself
// when its holder crashes, which is what lets a fleet take over a dead
// runner's sources.

// acquireLease takes or renews the lease on sourceName for holder until
// now+ttl, and reports whether holder has it. It is one statement, so
// of several schedulers racing for a free or expired lease exactly one
// wins: the INSERT claims a source that never had a lease; on conflict
// the UPDATE only happens when the lease expired or is holder's own, and
// RETURNING yields a row only when it did.
func acquireLease(ctx context.Context, db bun.IDB, sourceName, holder string, ttl time.Duration) (bool, error) {
	now := time.Now()
	lease := &SyncLease{SourceName: sourceName, Holder: holder, ExpiresAt: now.Add(ttl)}
	var won []string
	err := db.NewInsert().Model(lease).
		On("CONFLICT (?) DO UPDATE", bun.Ident("sourceName")).
		Set("? = EXCLUDED.?", bun.Ident("holder"), bun.Ident("holder")).
		Set("? = EXCLUDED.?", bun.Ident("expiresAt"), bun.Ident("expiresAt")).
		Where("?.? < ? OR ?.? = EXCLUDED.?",
			bun.Ident("userDataSyncLeases"), bun.Ident("expiresAt"), now,
			bun.Ident("userDataSyncLeases"), bun.Ident("holder"), bun.Ident("holder")).
		Returning("?", bun.Ident("holder")).
		Scan(ctx, &won)
	if err != nil {
		return false, fmt.Errorf("datasync: take the lease on source %q: %w", sourceName, err)
	}
	return len(won) == 1, nil
}

// releaseLease gives up holder's lease on sourceName, if holder still has
// it: a lease another scheduler took over after it expired stays.
func releaseLease(ctx context.Context, db bun.IDB, sourceName, holder string) error {
	_, err := db.NewDelete().Model((*SyncLease)(nil)).
		Where("? = ?", bun.Ident("sourceName"), sourceName).
		Where("? = ?", bun.Ident("holder"), holder).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("datasync: release the lease on source %q: %w", sourceName, err)
	}
	return nil
}
