package aclstore

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"
)

const (
	// noteBuffer is how many notifications may wait while Watch applies
	// earlier ones.
	noteBuffer = 4096
	// listenPingAfter is how long the listening connection may stay
	// silent before it is checked with a notification to itself; one
	// more such wait without an answer and it counts as lost. A
	// connection can die without a word (a firewall dropping it), and
	// then no read would ever fail.
	listenPingAfter = 5 * time.Second
	// listenRetryMin and listenRetryMax bound the back-off between
	// attempts to listen again.
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 30 * time.Second
)

// canListen reports whether db's driver is bun's pgdriver, which
// pgdriver.NewListener needs (pgx's database/sql driver is not).
func canListen(db *bun.DB) bool {
	_, ok := db.Driver().(pgdriver.Driver)
	return ok
}

// listen keeps a connection LISTENing on Options.Channel until ctx ends,
// passing each notification to notes. Each time it starts listening, on a
// new connection, it signals connected, and Watch reloads every role:
// changes committed while no connection listened are read then.
func (s *Store) listen(ctx context.Context, notes chan<- changeNote, connected chan<- struct{}) {
	retry := listenRetryMin
	for {
		listened, err := s.listenOnce(ctx, notes, connected)
		if ctx.Err() != nil {
			return
		}
		if listened {
			retry = listenRetryMin
		}
		s.log.Warn("aclstore: listening for changes failed; listening again, then reloading every role",
			"channel", s.opts.Channel, "err", err, "retryIn", retry)
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
		retry = min(2*retry, listenRetryMax)
	}
}

// listenOnce listens on one connection until it fails or ctx ends, and
// reports whether it listened at all.
func (s *Store) listenOnce(ctx context.Context, notes chan<- changeNote, connected chan<- struct{}) (bool, error) {
	ln := pgdriver.NewListener(s.db)
	// The listener's reads do not watch ctx; closing it ends a read at
	// once.
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer func() {
		if stop() {
			_ = ln.Close()
		}
	}()
	var schema string
	if err := s.db.NewRaw("SELECT current_schema()").Scan(ctx, &schema); err != nil {
		return false, fmt.Errorf("aclstore: read the current schema: %w", err)
	}
	ping := pingChannel(s.opts.Channel)
	if err := ln.Listen(ctx, s.opts.Channel, ping); err != nil {
		return false, fmt.Errorf("aclstore: listen on channel %q: %w", s.opts.Channel, err)
	}
	select {
	case connected <- struct{}{}:
	default: // a reload is pending already
	}
	pinged := false
	for {
		channel, payload, err := ln.ReceiveTimeout(ctx, listenPingAfter)
		switch {
		case ctx.Err() != nil:
			return true, nil
		case isTimeout(err) && !pinged:
			if err := pgdriver.Notify(ctx, s.db, ping, ""); err != nil {
				return true, fmt.Errorf("aclstore: ping the listener: %w", err)
			}
			pinged = true
		case isTimeout(err):
			return true, fmt.Errorf("aclstore: the listener did not hear its ping within %s", listenPingAfter)
		case err != nil:
			return true, fmt.Errorf("aclstore: receive a notification: %w", err)
		case channel == ping:
			pinged = false
		default:
			pinged = false
			note := parseNote(payload)
			if note.Schema != "" && note.Schema != schema {
				continue // another schema's log, whose ids are not ours
			}
			select {
			case notes <- note:
			case <-ctx.Done():
				return true, nil
			}
		}
	}
}

// pingChannel is a channel of this listener alone, on which it pings
// itself: other stores' pings must not answer for it.
func pingChannel(channel string) string {
	return channel + "_ping_" + strings.ToLower(rand.Text()[:10])
}

// parseNote reads a NOTIFY payload. One it cannot read (from a newer
// version, say) becomes a note without a kind, which makes Watch read the
// change log.
func parseNote(payload string) changeNote {
	var note changeNote
	if err := json.Unmarshal([]byte(payload), &note); err != nil {
		return changeNote{}
	}
	return note
}

// isTimeout reports whether err is a read deadline passing: the
// connection is silent, not broken.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
