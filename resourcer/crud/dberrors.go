package crud

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/gatehouse-dev/gatehouse/resourcer"
)

var (
	sqliteConstraint = regexp.MustCompile(`(UNIQUE|NOT NULL|FOREIGN KEY|CHECK) constraint failed(?:: ([\w."]+(?:, [\w."]+)*))?`)
	pgKeyDetail      = regexp.MustCompile(`Key \(([^)]+)\)=`)
)

// dbError maps a constraint violation to the status a client should see
// (409 for unique and foreign keys, 400 for not-null and check) naming the
// field; anything else is logged and becomes a 500.
func (r *Resource) dbError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var se *resourcer.StatusError
	if errors.As(err, &se) {
		return err
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
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
		case "22P02", "22003", "22007", "22008":
			return conflict(http.StatusBadRequest, "a value has the wrong type: %s", pgErr.Field('M'))
		}
	}
	if m := sqliteConstraint.FindStringSubmatch(err.Error()); m != nil {
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
		default:
			return conflict(http.StatusBadRequest, "a value breaks a check constraint")
		}
	}
	r.opts.Logger.ErrorContext(ctx, "crud: database error", "resource", r.name, "error", err)
	return err
}

func conflict(status int, format string, args ...any) error {
	e := badRequest(format, args...).(*resourcer.StatusError)
	e.Status = status
	return e
}
