package csv

import (
	"errors"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// ErrNoHeader is wrapped by Open's error for a file with no header row:
// empty, blank lines only, or a byte-order mark and nothing else.
var ErrNoHeader = errors.New("csv: no header row")

// ReadError is a pass that stopped before the end of the file: the stream
// failed part-way or the context ended. It matches both its cause and
// [datasync.ErrIncomplete], so a half-read file fails the run instead of
// looking like a complete one in which everyone after Line has left.
type ReadError struct {
	Table string
	// Line is the line of the last row read whole; 0 before the header.
	Line int
	Err  error
}

func (e *ReadError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("csv: %s: read stopped before the header: %v", e.Table, e.Err)
	}
	return fmt.Sprintf("csv: %s: read stopped after line %d: %v", e.Table, e.Line, e.Err)
}

// Unwrap makes a ReadError match its cause and datasync.ErrIncomplete.
func (e *ReadError) Unwrap() []error { return []error{e.Err, datasync.ErrIncomplete} }
