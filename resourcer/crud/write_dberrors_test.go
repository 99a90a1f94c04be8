package crud

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

type errModel struct {
	bun.BaseModel `bun:"table:things"`
	ID            int64 `bun:"id,pk"`
}

// stateErr is a PostgreSQL error as pgx reports it (SQLState()).
type stateErr string

func (e stateErr) Error() string    { return "pg error " + string(e) }
func (e stateErr) SQLState() string { return string(e) }

// codeErr is a SQLite error as modernc.org/sqlite reports it (Code()).
type codeErr int

func (e codeErr) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e codeErr) Code() int     { return int(e) }

// TestDBErrorStatus: locks and timeouts a retry may get past are 503 with
// Retry-After; a cancelled action wraps context.Canceled (resourcer's
// 499); other errors keep their meaning.
func TestDBErrorStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		r, err := New(Options{DB: db, Model: (*errModel)(nil), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		sqlite := db.Dialect().Name().String() == "sqlite"
		cases := []struct {
			name   string
			err    error
			status int // 0: no status of its own (a 500)
		}{
			{"lock_not_available", stateErr("55P03"), 503},
			{"serialization_failure", fmt.Errorf("wrapped: %w", stateErr("40001")), 503},
			{"deadlock_detected", stateErr("40P01"), 503},
			{"query_canceled", stateErr("57014"), 503},
			{"too_many_connections", stateErr("53300"), 503},
			{"another SQLSTATE", stateErr("XX000"), 0},
			{"SQLITE_BUSY", codeErr(5), map[bool]int{true: 503}[sqlite]},
			{"SQLITE_BUSY_SNAPSHOT", codeErr(517), map[bool]int{true: 503}[sqlite]},
			{"SQLITE_LOCKED_SHAREDCACHE", codeErr(262), map[bool]int{true: 503}[sqlite]},
			{"SQLITE_CONSTRAINT", codeErr(19), 0},
			{"a locked message", errors.New("database is locked (5) (SQLITE_BUSY)"), map[bool]int{true: 503}[sqlite]},
			{"something else", errors.New("disk I/O error"), 0},
		}
		for _, c := range cases {
			got := r.dbError(context.Background(), c.err)
			var se *resourcer.StatusError
			switch {
			case c.status == 0 && errors.As(got, &se):
				t.Errorf("%s: status %d, want none", c.name, se.Status)
			case c.status == 0:
			case !errors.As(got, &se):
				t.Errorf("%s: %v has no status, want %d", c.name, got, c.status)
			case se.Status != c.status || se.Header.Get("Retry-After") != "1":
				t.Errorf("%s: status %d, Retry-After %q; want %d, 1", c.name, se.Status, se.Header.Get("Retry-After"), c.status)
			case !errors.Is(got, c.err):
				t.Errorf("%s: %v does not wrap the database's error", c.name, got)
			}
		}

		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		got := r.dbError(cancelled, stateErr("57014"))
		if !errors.Is(got, context.Canceled) || hasStatus(got) {
			t.Errorf("cancelled: %v, want context.Canceled without a status of its own", got)
		}
		expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		got = r.dbError(expired, errors.New("read tcp: i/o timeout"))
		var se *resourcer.StatusError
		if !errors.As(got, &se) || se.Status != http.StatusServiceUnavailable || !errors.Is(got, context.DeadlineExceeded) {
			t.Errorf("past the deadline: %v, want a 503 wrapping DeadlineExceeded", got)
		}
	})
}
