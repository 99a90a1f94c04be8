package tabular

import (
	"context"
	"errors"
	"fmt"
)

// Table is a re-readable table of text cells with a header row: a CSV or
// TSV file, an Excel sheet, the result of a SQL query. Open starts a new
// pass over its rows; a source reads a table twice (departments and row
// counts first, then users), so each pass must yield the same rows.
type Table interface {
	// Name says what the table is in errors and logs: a file name, a
	// sheet, "query". It must not contain personal data.
	Name() string
	// Open starts a pass. The header is read at once: Rows.Header has it.
	Open(ctx context.Context) (Rows, error)
}

// Dataset names the dataset t reads, for [datasync.DatasetSource]: its
// own Dataset() when it has one (a file's path, a query's text), else its
// Name.
func Dataset(t Table) string {
	if ds, ok := t.(interface{ Dataset() string }); ok {
		return ds.Dataset()
	}
	return t.Name()
}

// Rows is one pass over a table's data rows, after the header.
type Rows interface {
	// Header is the column names, in order.
	Header() []string
	// Next returns the next row's cells (len(Header()) of them; a missing
	// cell is ""), and its line: the 1-based line of a file, row of a
	// sheet, or ordinal of a query's row (the header being line 1 where
	// the table has one). At the end it returns io.EOF. The slice may be
	// reused by the next call.
	Next() (line int, cells []string, err error)
	// Null reports whether the cell at column index col of the row Next
	// returned last was NULL rather than empty. Tables without NULLs (CSV,
	// Excel) return false.
	Null(col int) bool
	Close() error
}

// ErrRow is wrapped by every *RowError.
var ErrRow = errors.New("tabular: bad row")

// RowError is a row a source cannot use: Table names the table, Line the
// row (as Rows.Next numbers it), Column the header name of the offending
// cell ("" when the row as a whole is wrong). Its message never includes
// the cell's value: it may be personal data.
type RowError struct {
	Table  string
	Line   int
	Column string
	Reason string
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s line %d: %s", e.Table, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s line %d, column %q: %s", e.Table, e.Line, e.Column, e.Reason)
}

// Unwrap makes a RowError match ErrRow.
func (e *RowError) Unwrap() error { return ErrRow }
