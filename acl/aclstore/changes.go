package aclstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// changeRetention is how long the change log keeps a row. A store reads the
// log every PollInterval, so an hour is far more than any Watch needs; a
// Watch that could not read for longer reloads everything anyway (see
// Watch), so a pruned row is never a lost change.
const changeRetention = time.Hour

// pruneEvery is how often a Watch deletes the rows older than
// changeRetention: often enough to keep the table small, rarely enough that
// a fleet of stores pruning the same table costs nothing.
const pruneEvery = time.Minute

// maxNotifyPayload is below PostgreSQL's 8000-byte limit on a NOTIFY
// payload. A change whose name would not fit is announced by id alone, and
// the receiver reads it from the log.
const maxNotifyPayload = 7000

// maxOwnChanges bounds the ids a store remembers as its own. When full it
// forgets them all: Watch then re-applies a few of this store's changes,
// which costs a reload and changes nothing.
const maxOwnChanges = 10_000

// changeNote is a change as a NOTIFY payload carries it:
// {"id":12,"kind":"role","name":"editor","schema":"public"}. A note without
// a kind only says that change id exists: the receiver reads the log.
type changeNote struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Schema string `json:"schema"`
}

// logChange adds a change to the log in the writer's transaction tx and,
// on PostgreSQL, notifies the stores listening on Options.Channel. NOTIFY
// is transactional: the other stores hear it when tx commits and never
// when it rolls back, so a failed write sends nothing. It returns the
// change's id, which this store remembers as its own: the writer applies
// its change itself, and Watch does not apply it again.
//
// kind is ChangeRole (name is the role), ChangeUser (name is the user's
// id, or "*" for every user) or ChangeAll.
func (s *Store) logChange(ctx context.Context, tx bun.IDB, kind, name string) (int64, error) {
	id, err := s.appendChange(ctx, tx, kind, name)
	if err != nil {
		return 0, err
	}
	s.own.add(id)
	return id, nil
}

// appendChange adds a change to the log in tx and notifies it, as
// logChange does, without taking it as this store's own: this store's
// Watch applies it too, once tx commits.
func (s *Store) appendChange(ctx context.Context, tx bun.IDB, kind, name string) (int64, error) {
	switch kind {
	case ChangeRole, ChangeUser, ChangeAll:
	default:
		return 0, fmt.Errorf("%w: change kind %q (want %q, %q or %q)", ErrInvalid, kind, ChangeRole, ChangeUser, ChangeAll)
	}
	// createdAt comes from this clock, not the database's default, so that
	// pruning compares times written in one format on SQLite, where
	// timestamps are text.
	c := &Change{Kind: kind, Name: name, CreatedAt: time.Now().UTC()}
	if _, err := tx.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
		return 0, fmt.Errorf("aclstore: log the change of %s %q: %w", kind, name, err)
	}
	if s.pg {
		if err := s.notify(ctx, tx, c); err != nil {
			return 0, err
		}
	}
	return c.ID, nil
}

// notify sends the NOTIFY announcing c, delivered when tx commits. The
// payload names the schema of the log (current_schema()), so that stores
// of other schemas of the database listening on the same channel ignore it:
// their change ids are not this log's.
func (s *Store) notify(ctx context.Context, tx bun.IDB, c *Change) error {
	kind, name := c.Kind, c.Name
	if len(name) > maxNotifyPayload {
		kind, name = "", "" // the receiver reads the log
	}
	_, err := tx.NewRaw(`SELECT pg_notify(?, json_build_object('id', ?::bigint, 'kind', ?::text, 'name', ?::text, 'schema', current_schema())::text)`,
		s.opts.Channel, c.ID, kind, name).Exec(ctx)
	if err != nil {
		return fmt.Errorf("aclstore: notify channel %q of the change of %s %q: %w", s.opts.Channel, c.Kind, c.Name, err)
	}
	return nil
}

// pruneChanges deletes the log rows older than changeRetention.
func (s *Store) pruneChanges(ctx context.Context) error {
	cutoff := time.Now().UTC().Add(-changeRetention)
	_, err := s.db.NewDelete().Model((*Change)(nil)).Where("? < ?", bun.Ident("createdAt"), cutoff).Exec(ctx)
	if err != nil {
		return fmt.Errorf("aclstore: prune the change log: %w", err)
	}
	return nil
}

// ownChanges are the ids of the changes a store logged itself and has not
// yet seen come back through Watch.
type ownChanges struct {
	mu  sync.Mutex
	ids map[int64]struct{}
}

func (o *ownChanges) add(id int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.ids) >= maxOwnChanges {
		clear(o.ids)
	}
	o.ids[id] = struct{}{}
}

// take reports whether id is one of the store's own changes, and forgets
// it: Watch asks once per id.
func (o *ownChanges) take(id int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.ids[id]
	delete(o.ids, id)
	return ok
}

// forgetUpTo forgets the ids up to id: a full Load has read those changes.
func (o *ownChanges) forgetUpTo(id int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for own := range o.ids {
		if own <= id {
			delete(o.ids, own)
		}
	}
}
