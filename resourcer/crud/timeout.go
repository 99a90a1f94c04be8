package crud

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// defaultStatementTimeout is Options.StatementTimeout when it is zero.
const defaultStatementTimeout = 30 * time.Second

// cancelTimeout bounds the query that cancels a PostgreSQL statement.
const cancelTimeout = 5 * time.Second

// timed runs an action under Options.StatementTimeout: its queries share
// one deadline, derived from the request's context, so that neither a
// slow query nor a client that went away keeps the database busy.
//
// SQLite's driver interrupts a statement when its context ends. bun's
// PostgreSQL driver only stops reading (at the deadline; a cancelled
// context without one it does not notice), and the server goes on with
// the query. So on PostgreSQL every query of the action carries a comment
// naming the action, and when the context ends while the action runs, the
// statements with that comment are cancelled on the server
// (pg_cancel_backend, which a role may do to its own sessions).
func (r *Resource) timed(h resourcer.HandlerFunc) resourcer.HandlerFunc {
	return func(req *http.Request, ac *resourcer.ActionContext) (any, error) {
		ctx := req.Context()
		if r.opts.StatementTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, r.opts.StatementTimeout)
			defer cancel()
		}
		stop := func() bool { return false }
		tag := ""
		if r.db.Dialect().Name() == dialect.PG {
			tag = fmt.Sprintf("gatehouse-crud %016x", rand.Uint64())
			ctx = bun.WithComment(ctx, tag)
			stop = context.AfterFunc(ctx, func() { r.cancelStatements(ctx, tag) })
		}
		out, err := h(req.WithContext(ctx), ac)
		// The driver may give up at the deadline a moment before the
		// context's timer fires, and so before AfterFunc would cancel.
		if stop() && ctxDone(ctx) != nil {
			r.cancelStatements(ctx, tag)
		}
		if err != nil && ctxDone(ctx) != nil && !hasStatus(err) {
			err = r.contextError(ctx, err)
		}
		return out, err
	}
}

// ctxDone is ctx.Err(), and also DeadlineExceeded once the deadline has
// passed but the context's timer has not yet fired: a driver that reads
// with the deadline may already have failed with an i/o timeout.
func ctxDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// hasStatus reports whether err already says which status it answers.
func hasStatus(err error) bool {
	var withStatus interface{ HTTPStatus() int }
	return errors.As(err, &withStatus)
}

// cancelStatements cancels, on the PostgreSQL server, the statements still
// running for the action whose queries carry tag (bun writes it as a
// leading "/* tag */").
func (r *Resource) cancelStatements(ctx context.Context, tag string) {
	cctx, cancel := context.WithTimeout(context.Background(), cancelTimeout) // not ctx: its comment would tag this query too
	defer cancel()
	var cancelled []bool
	err := r.db.NewRaw(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity
		WHERE pid <> pg_backend_pid() AND state = 'active' AND query LIKE ?`, "/* "+tag+" */%").
		Scan(cctx, &cancelled)
	if err != nil {
		r.opts.Logger.WarnContext(ctx, "crud: cancelling abandoned statements", "resource", r.name, "error", err)
		return
	}
	if len(cancelled) > 0 {
		r.opts.Logger.DebugContext(ctx, "crud: cancelled abandoned statements", "resource", r.name, "statements", len(cancelled))
	}
}
