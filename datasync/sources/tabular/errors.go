package tabular

import (
	"errors"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// ErrHeader is wrapped by every *HeaderError.
var ErrHeader = errors.New("tabular: bad header")

// HeaderError is a header that does not fit the mapping: a mapped column
// the table does not have, or a column name given twice. It names the
// table and the column; a header holds no personal data.
type HeaderError struct {
	Table  string
	Column string
	Reason string
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("%s header, column %q: %s", e.Table, e.Column, e.Reason)
}

// Unwrap makes a HeaderError match ErrHeader.
func (e *HeaderError) Unwrap() error { return ErrHeader }

// incompleteError is a read of the table that stopped short: it matches
// both the table's own error and datasync.ErrIncomplete, so the core rolls
// the run back and a caller can still tell a lost file from a parse error.
type incompleteError struct {
	table string
	op    string // "open", "read" or "close"
	err   error
}

func (e *incompleteError) Error() string {
	var row *RowError
	if errors.As(e.err, &row) {
		// The table's own parser named the table and the line already.
		return e.err.Error() + " (the read stopped there)"
	}
	return fmt.Sprintf("tabular: %s: %s: %v", e.table, e.op, e.err)
}

func (e *incompleteError) Unwrap() []error { return []error{e.err, datasync.ErrIncomplete} }

// changedError says the table's second pass did not see the rows of the
// first: it was written to in between.
func changedError(table, reason string) error {
	return fmt.Errorf("tabular: %s changed between the two passes (%s): %w", table, reason, datasync.ErrIncomplete)
}
