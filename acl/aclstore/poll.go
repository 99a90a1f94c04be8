package aclstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// pollReadBack is how far below the newest applied change the poll reads
// the log again.
//
// Ids are handed out when a transaction inserts its change, but the
// changes become visible when transactions commit, and on PostgreSQL a
// transaction holding id 5 may commit after one holding id 6. Tracking only
// the highest id seen would skip 5 for ever. So the poll re-reads a window
// of the last pollReadBack ids and skips the ones it has applied (a set
// bounded by the same window): a late commit is caught unless
// pollReadBack other changes were logged between its insert and its
// commit. On PostgreSQL the late commit's NOTIFY, delivered at commit
// whatever its id, applies it anyway; the window is the backstop. On SQLite
// writers take turns, so ids commit in order and the window only costs a
// few rows read again.
const pollReadBack = 256

// maxPollRows bounds the rows one poll applies; more new changes than that
// are cheaper to apply as one full Load.
const maxPollRows = 2000

// poll applies the changes of the log the store has not applied yet. A
// failed read is logged and makes the ACL stale: the next tick reloads
// every role.
func (w *watcher) poll(ctx context.Context) {
	from := max(w.floor, w.top-pollReadBack)
	var rows []Change
	err := w.s.db.NewSelect().Model(&rows).Column("id", "kind", "name").
		Where("? > ?", bun.Ident("id"), from).
		OrderExpr("? ASC", bun.Ident("id")).
		Limit(maxPollRows + 1).
		Scan(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.s.log.Warn("aclstore: read the change log; retrying at the next poll, then reloading every role", "err", err)
		}
		w.stale = true
		return
	}
	if len(rows) > maxPollRows {
		w.load(ctx)
		return
	}
	changes := make([]changeNote, 0, len(rows))
	for _, r := range rows {
		changes = append(changes, changeNote{ID: r.ID, Kind: r.Kind, Name: r.Name})
	}
	w.apply(ctx, changes)
}

// prune deletes the old rows of the log, at most once every pruneEvery.
func (w *watcher) prune(ctx context.Context) {
	if time.Since(w.lastPrune) < pruneEvery {
		return
	}
	w.lastPrune = time.Now()
	if err := w.s.pruneChanges(ctx); err != nil && ctx.Err() == nil {
		w.s.log.Warn("aclstore: prune the change log", "err", err)
	}
}
