package crud

import (
	"context"
	"database/sql/driver"
	"hash/fnv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// rollbackTimeout bounds a ROLLBACK, which runs even when the action's
// context is done: a connection must not go back to the pool inside a
// transaction.
const rollbackTimeout = 5 * time.Second

// inTx runs fn in a transaction that first takes a lock, so that
// transactions that read and then write (the upserts) serialise instead of
// both acting on what they read.
//
// On SQLite it is BEGIN IMMEDIATE on a connection of its own: the write
// lock is taken up front, where SQLite's busy_timeout waits for it, rather
// than on the first write of a deferred transaction, where a concurrent
// writer makes it fail at once with "database is locked" (the snapshot it
// read is stale). On PostgreSQL it is an ordinary transaction that takes a
// transaction-scoped advisory lock on identity (a hash of it), so only
// transactions about the same row wait for each other.
func (r *Resource) inTx(ctx context.Context, identity string, fn func(ctx context.Context, db bun.IDB) error) error {
	if r.db.Dialect().Name() != dialect.SQLite {
		return r.inPgTx(ctx, identity, fn)
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return r.dbError(ctx, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return r.dbError(ctx, err)
	}
	if err := fn(ctx, conn); err != nil {
		r.rollback(ctx, conn)
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		r.rollback(ctx, conn)
		return r.dbError(ctx, err)
	}
	return nil
}

func (r *Resource) inPgTx(ctx context.Context, identity string, fn func(ctx context.Context, db bun.IDB) error) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return r.dbError(ctx, err)
	}
	h := fnv.New64a()
	h.Write([]byte(identity))
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", int64(h.Sum64())); err != nil {
		_ = tx.Rollback()
		return r.dbError(ctx, err)
	}
	if err := fn(ctx, tx); err != nil {
		_ = tx.Rollback() // database/sql also rolls back when ctx ends
		return err
	}
	if err := tx.Commit(); err != nil {
		return r.dbError(ctx, err)
	}
	return nil
}

// rollback ends the transaction on conn. When that fails the connection is
// closed instead of going back to the pool with a transaction open; "no
// transaction is active" means SQLite already rolled back (an interrupted
// or failed COMMIT).
func (r *Resource) rollback(ctx context.Context, conn bun.Conn) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_, err := conn.ExecContext(rctx, "ROLLBACK")
	if err == nil || strings.Contains(err.Error(), "no transaction is active") {
		return
	}
	r.opts.Logger.WarnContext(ctx, "crud: rollback failed; closing the connection", "resource", r.name, "error", err)
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}
