package sqlrows

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// rows is one pass over a query's result: a [tabular.Rows] reading the
// cursor a row at a time, so a large result is never held in memory.
type rows struct {
	ctx    context.Context
	table  string
	rs     *sql.Rows
	header []string
	// vals and dest are the scan targets: dest[i] points at vals[i], so
	// the driver's own value arrives there and is turned into text by
	// cellText.
	vals  []any
	dest  []any
	cells []string
	null  []bool
	n     int // data rows read
	// seen, when set, is shown each row's driver values before they
	// become text: a delta's watermark is read there.
	seen func(line int, vals []any) error
}

func newRows(ctx context.Context, table string, header []string, rs *sql.Rows) *rows {
	r := &rows{ctx: ctx, table: table, rs: rs, header: header,
		vals: make([]any, len(header)), dest: make([]any, len(header)),
		cells: make([]string, len(header)), null: make([]bool, len(header))}
	for i := range r.vals {
		r.dest[i] = &r.vals[i]
	}
	return r
}

func (r *rows) Header() []string { return r.header }

// Next reads the next row. Its line is its ordinal plus one, as if the
// header were line 1, so lines mean the same as in a CSV export of the
// same result.
func (r *rows) Next() (int, []string, error) {
	if err := r.ctx.Err(); err != nil {
		return r.n + 1, nil, &QueryError{Table: r.table, Row: r.n, Err: err}
	}
	if !r.rs.Next() {
		return r.n + 1, nil, r.end()
	}
	r.n++
	line := r.n + 1
	if err := r.rs.Scan(r.dest...); err != nil {
		return line, nil, &QueryError{Table: r.table, Row: r.n - 1, Err: err}
	}
	if r.seen != nil {
		if err := r.seen(line, r.vals); err != nil {
			return line, nil, err
		}
	}
	for i, v := range r.vals {
		text, null, ok := cellText(v)
		if !ok {
			return line, nil, &tabular.RowError{Table: r.table, Line: line, Column: r.header[i],
				Reason: fmt.Sprintf("the driver returned a %T, which has no text form here", v)}
		}
		r.cells[i], r.null[i] = text, null
	}
	return line, r.cells, nil
}

// end tells the result's end from a read that stopped: database/sql ends
// a cancelled query's rows with the context's error in Err, but checking
// the context as well means a cancellation is never taken for the end.
func (r *rows) end() error {
	if err := r.rs.Err(); err != nil {
		return &QueryError{Table: r.table, Row: r.n, Err: err}
	}
	if err := r.ctx.Err(); err != nil {
		return &QueryError{Table: r.table, Row: r.n, Err: err}
	}
	return io.EOF
}

// Null reports whether column col of the last row was NULL.
func (r *rows) Null(col int) bool { return r.null[col] }

func (r *rows) Close() error { return r.rs.Close() }
