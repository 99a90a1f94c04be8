package crud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/gatehouse-dev/gatehouse/resourcer"
)

var (
	sqliteConstraint = regexp.MustCompile(`(UNIQUE|NOT NULL|FOREIGN KEY|CHECK) constraint failed(?:: ([\w."]+(?:, [\w."]+)*))?`)
	pgKeyDetail      = regexp.MustCompile(`Key \(([^)]+)\)=`)
)

// retryAfter is the Retry-After of a 503: a lock or a slow moment passes
// quickly, and a client that waits a second is likely to get through.
const retryAfter = "1"

// dbError turns a database error into what a client should see:
//   - the action's context ended: its own cancellation (the client went
//     away), which resourcer answers 499, or the statement timeout, 503;
//   - a lock that outlived the wait, a serialization failure, a deadlock
//     or a server-side statement timeout: 503 with Retry-After;
//   - a constraint violation: 409 for unique and foreign keys, 400 for
//     not-null and check, naming the field;
//
// anything else is logged and becomes a 500.
func (r *Resource) dbError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var se *resourcer.StatusError
	if errors.As(err, &se) {
		return err
	}
	if ctxDone(ctx) != nil {
		return r.contextError(ctx, err)
	}
	if reason := r.transient(err); reason != "" {
		r.opts.Logger.WarnContext(ctx, "crud: database busy", "resource", r.name, "error", err)
		return unavailable(err, "%s: %s; try again", r.name, reason)
	}
	if e := r.constraintError(err); e != nil {
		return e
	}
	r.opts.Logger.ErrorContext(ctx, "crud: database error", "resource", r.name, "error", err)
	return err
}

// contextError reports an error of an action whose context ended. Drivers
// answer that in their own words (PostgreSQL "i/o timeout" or 57014,
// SQLite "interrupted"), so the context's error is what the result wraps:
// resourcer answers 499 when the request's own context was cancelled, and
// the 503 here when only the statement timeout ran out.
func (r *Resource) contextError(ctx context.Context, err error) error {
	if done := ctxDone(ctx); !errors.Is(done, context.DeadlineExceeded) {
		return fmt.Errorf("crud: %s: %w (%v)", r.name, done, err)
	}
	r.opts.Logger.WarnContext(ctx, "crud: statement timeout", "resource", r.name, "timeout", r.opts.StatementTimeout, "error", err)
	return unavailable(fmt.Errorf("%w (%v)", context.DeadlineExceeded, err),
		"%s: the query took longer than %s", r.name, r.opts.StatementTimeout)
}

func unavailable(err error, format string, args ...any) error {
	return &resourcer.StatusError{
		Status:  http.StatusServiceUnavailable,
		Message: fmt.Sprintf(format, args...),
		Err:     fmt.Errorf("crud: %w", err),
		Header:  http.Header{"Retry-After": {retryAfter}},
	}
}

// pgTransient are the SQLSTATEs that pass if the client tries again.
var pgTransient = map[string]string{
	"55P03": "a row is locked",                          // lock_not_available (lock_timeout)
	"40001": "a concurrent write conflicted",            // serialization_failure
	"40P01": "a concurrent write deadlocked",            // deadlock_detected
	"57014": "the query ran past the statement timeout", // query_canceled (statement_timeout)
	"53300": "the database has too many connections",    // too_many_connections
}

// transient names the reason when err is a lock or timeout a retry may
// get past, "" otherwise.
func (r *Resource) transient(err error) string {
	if code := sqlState(err); code != "" {
		return pgTransient[code]
	}
	if r.db.Dialect().Name() != dialect.SQLite {
		return ""
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		switch coded.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return "the database is locked"
		}
		return ""
	}
	if msg := err.Error(); strings.Contains(msg, "database is locked") || strings.Contains(msg, "database table is locked") {
		return "the database is locked"
	}
	return ""
}

// sqlState returns a PostgreSQL error's SQLSTATE from bun's pgdriver or a
// driver whose errors have SQLState() (pgx).
func sqlState(err error) string {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		return pgErr.Field('C')
	}
	var withState interface{ SQLState() string }
	if errors.As(err, &withState) {
		return withState.SQLState()
	}
	return ""
}

// constraintError maps a constraint violation or a rejected value to a
// 4xx naming the field; nil when err is neither.
func (r *Resource) constraintError(err error) error {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		return r.pgConstraint(pgErr)
	}
	m := sqliteConstraint.FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	field := m[2]
	if i := strings.LastIndexByte(field, '.'); i >= 0 && !strings.Contains(field, ",") {
		field = field[i+1:]
	}
	switch m[1] {
	case "UNIQUE":
		return conflict(http.StatusConflict, "%s: a %s with this value already exists", field, r.name)
	case "FOREIGN KEY":
		return conflict(http.StatusConflict, "the referenced record does not exist")
	case "NOT NULL":
		return conflict(http.StatusBadRequest, "%s: a value is required", field)
	}
	return conflict(http.StatusBadRequest, "a value breaks a check constraint")
}

func (r *Resource) pgConstraint(pgErr pgdriver.Error) error {
	field := ""
	if m := pgKeyDetail.FindStringSubmatch(pgErr.Field('D')); m != nil {
		field = m[1]
	}
	if c := pgErr.Field('c'); c != "" {
		field = c
	}
	switch pgErr.Field('C') {
	case "23505":
		return conflict(http.StatusConflict, "%s: a %s with this value already exists", field, r.name)
	case "23503":
		return conflict(http.StatusConflict, "%s: the referenced record does not exist", field)
	case "23502":
		return conflict(http.StatusBadRequest, "%s: a value is required", field)
	case "23514":
		return conflict(http.StatusBadRequest, "a value breaks the check %s", pgErr.Field('n'))
	case "22P02", "22003", "22007", "22008", "22001", "22021":
		return conflict(http.StatusBadRequest, "a value has the wrong type: %s", pgErr.Field('M'))
	}
	return nil
}

func conflict(status int, format string, args ...any) error {
	e := badRequest(format, args...).(*resourcer.StatusError)
	e.Status = status
	return e
}
