package aclstore

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// Watch applies the changes other processes make to the tables until ctx
// ends, then returns nil. Run it once per Store, in a goroutine of its own:
//
//	go store.Watch(ctx)
//
// # Live reload
//
// Every write logs a row in the change log table, aclChanges, in its own
// transaction: the kind of change (a role, a user's roles, everything) and
// its name. Every Store sharing the database applies the rows it did not
// write itself: it reloads the changed roles from the tables (one
// acl.ReplaceRoles, so readers calling Can never wait and never see half a
// change) and forgets the cached RolesOf of the changed users.
//
// On PostgreSQL the write also sends NOTIFY on Options.Channel. NOTIFY is
// transactional: the other stores hear it when the write commits and never
// when it rolls back. Watch keeps one connection LISTENing and applies a
// change as soon as it arrives, typically within milliseconds of the
// commit; changes arriving together are applied in one reload. When the
// listening connection is lost (a restarted server, a network fault,
// pg_terminate_backend), Watch logs it, reconnects with back-off and then
// reloads every role, so that the changes made while it was deaf are not
// lost. An idle connection is checked every few seconds with a
// notification to itself, so a silently dead one is noticed too.
//
// Every Options.PollInterval Watch also reads the change log: on SQLite
// this is how changes arrive (processes sharing one database file see each
// other's writes within a poll interval); on PostgreSQL it is a backstop
// for a lost notification. A failed read is logged and retried at the next
// tick, and the first successful one reloads every role. Rows older than an
// hour are deleted from the log, at most once a minute.
//
// Watch begins with a full Load (on PostgreSQL, once it listens, so no
// commit falls between the two). Call Load yourself before Watch only to
// serve requests before Watch has started.
//
// A change the ACL refuses (a role using a strategy action or snippet this
// process has not registered, say, when versions of a service differ) is
// logged with the role's name, and the ACL keeps the last version of the
// role it accepted; the other roles of the same batch are applied.
func (s *Store) Watch(ctx context.Context) error {
	w := &watcher{s: s, own: s.own, applied: map[int64]struct{}{}, stale: true}
	notes := make(chan changeNote, noteBuffer)
	connected := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	switch {
	case s.pg && canListen(s.db):
		wg.Go(func() { s.listen(ctx, notes, connected) })
	case s.pg:
		s.log.Warn("aclstore: the database driver is not bun's pgdriver, which LISTEN needs: changes arrive by polling only",
			"pollInterval", s.opts.PollInterval)
		w.load(ctx)
	default:
		w.load(ctx)
	}
	ticker := time.NewTicker(s.opts.PollInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-connected:
			w.load(ctx)
		case note := <-notes:
			w.apply(ctx, drainNotes(note, notes))
		case <-ticker.C:
			w.tick(ctx)
		}
	}
}

// maxNoteBatch bounds the notifications applied in one reload.
const maxNoteBatch = 1000

// drainNotes returns first and the notifications already waiting behind
// it, so that a burst of changes costs a few reloads, not one per change.
func drainNotes(first changeNote, notes <-chan changeNote) []changeNote {
	batch := []changeNote{first}
	for len(batch) < maxNoteBatch {
		select {
		case n := <-notes:
			batch = append(batch, n)
		default:
			return batch
		}
	}
	return batch
}

// watcher is the state of one Watch call; only Watch's goroutine uses it.
type watcher struct {
	s   *Store
	own *ownChanges
	// floor is the newest change the last full Load read: the poll reads
	// only later ones.
	floor int64
	// top is the newest change applied.
	top int64
	// applied are the ids applied since the last full Load, down to
	// top-pollReadBack, so that the poll's window skips them.
	applied map[int64]struct{}
	// stale says the ACL may have missed changes (Watch has just started,
	// or a read failed): the next tick reloads every role.
	stale     bool
	lastPrune time.Time
}

// tick is the poll: a full Load when one is due, else the change log.
func (w *watcher) tick(ctx context.Context) {
	if w.stale {
		w.load(ctx)
		return
	}
	w.poll(ctx)
	w.prune(ctx)
}

// load reloads every role and restarts the bookkeeping from the change
// Load read last. Users' roles may have changed in a gap too, so every
// cached RolesOf goes.
func (w *watcher) load(ctx context.Context) {
	if err := w.s.Load(ctx); err != nil {
		if ctx.Err() == nil {
			w.s.log.Error("aclstore: reload every role; retrying at the next poll", "err", err)
		}
		w.stale = true
		return
	}
	w.s.invalidateUsers(nil)
	w.s.mu.Lock()
	seen := w.s.seen
	w.s.mu.Unlock()
	w.floor, w.top, w.stale = seen, seen, false
	clear(w.applied)
	w.own.forgetUpTo(seen)
}

// apply applies changes read from the log or heard by the listener,
// skipping those applied already and this store's own. A note without a
// kind (a payload too long to carry the name) makes it read the log.
func (w *watcher) apply(ctx context.Context, changes []changeNote) {
	var (
		roles, users []string
		ids          []int64
		all, readLog bool
	)
	for _, c := range changes {
		if c.Kind == "" {
			readLog = true
			continue
		}
		if !w.isNew(c.ID) {
			continue
		}
		ids = append(ids, c.ID)
		switch c.Kind {
		case ChangeRole:
			roles = append(roles, c.Name)
		case ChangeUser:
			users = append(users, c.Name)
		default: // ChangeAll, or a kind a newer version logs
			all = true
		}
	}
	if all {
		w.load(ctx)
	} else if len(roles) > 0 && !w.reload(ctx, roles) {
		return
	}
	w.invalidate(users)
	w.markApplied(ids)
	if readLog {
		w.poll(ctx)
	}
}

// isNew reports whether change id has yet to be applied, and notes this
// store's own changes as applied: the writer applied them.
func (w *watcher) isNew(id int64) bool {
	if _, ok := w.applied[id]; ok {
		return false
	}
	if w.own.take(id) {
		w.markApplied([]int64{id})
		return false
	}
	return true
}

// markApplied records ids as applied and forgets those below the poll's
// window, which it will not read again.
func (w *watcher) markApplied(ids []int64) {
	for _, id := range ids {
		w.applied[id] = struct{}{}
		w.top = max(w.top, id)
	}
	for id := range w.applied {
		if id <= w.top-pollReadBack {
			delete(w.applied, id)
		}
	}
	w.s.mu.Lock()
	w.s.seen = max(w.s.seen, w.top)
	w.s.mu.Unlock()
}

// reload reloads the roles from one snapshot of the tables. It holds the
// store's write lock, so that a write of this store cannot land between
// the read and the swap and be overwritten by the older rows. It reports
// whether the changes count as applied: a read failure makes the ACL
// stale (a full Load follows); a role the ACL refuses is logged and the
// others are applied one by one.
func (w *watcher) reload(ctx context.Context, roles []string) bool {
	slices.Sort(roles)
	roles = slices.Compact(roles)
	err := w.reloadTogether(ctx, roles)
	if err == nil {
		return true
	}
	if !errors.Is(err, ErrInvalid) {
		if ctx.Err() == nil {
			w.s.log.Error("aclstore: reload changed roles; reloading every role at the next poll", "roles", roles, "err", err)
		}
		w.stale = true
		return false
	}
	for _, role := range roles {
		if err := w.reloadTogether(ctx, []string{role}); err != nil {
			w.s.log.Error("aclstore: a change of the role is refused; keeping its last accepted version", "role", role, "err", err)
		}
	}
	return true
}

// reloadTogether reloads roles in one acl.ReplaceRoles.
func (w *watcher) reloadTogether(ctx context.Context, roles []string) error {
	s := w.s
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.db.RunInTx(ctx, s.readTxOptions(), func(ctx context.Context, tx bun.Tx) error {
		return s.reloadRoles(ctx, tx, roles)
	})
}

// invalidate forgets the cached roles of the users named by ChangeUser
// changes: user ids, or "*" (or a name this version cannot read) for every
// user.
func (w *watcher) invalidate(users []string) {
	if len(users) == 0 {
		return
	}
	ids := make([]int64, 0, len(users))
	for _, name := range users {
		id, err := strconv.ParseInt(name, 10, 64)
		if err != nil {
			w.s.invalidateUsers(nil)
			return
		}
		ids = append(ids, id)
	}
	w.s.invalidateUsers(ids)
}
