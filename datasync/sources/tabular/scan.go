package tabular

import (
	"context"
	"errors"
	"io"
)

// scan makes one pass over the table, calling fn with each parsed row,
// and returns how many rows it read. Every error of the table itself
// (Open, Next, Close) also matches datasync.ErrIncomplete: the source was
// not read to its end, so the run must not go on as if it had been.
func (s *Source) scan(ctx context.Context, fn func(*columns, *row) error) (n int, err error) {
	name := s.table.Name()
	rows, err := s.table.Open(ctx)
	if err != nil {
		return 0, &incompleteError{table: name, op: "open", err: err}
	}
	defer func() {
		if cerr := rows.Close(); cerr != nil && err == nil {
			err = &incompleteError{table: name, op: "close", err: cerr}
		}
	}()
	cols, err := resolveColumns(name, rows.Header(), s.opts.Mapping)
	if err != nil {
		return 0, err
	}
	r := newReader(name, cols, s.opts.PathSeparator)
	done := ctx.Done()
	for {
		select {
		case <-done:
			return n, ctx.Err()
		default:
		}
		line, cells, err := rows.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, &incompleteError{table: name, op: "read", err: err}
		}
		w, err := r.read(rows, line, cells)
		if err != nil {
			return n, err
		}
		if err := fn(cols, w); err != nil {
			return n, err
		}
		n++
	}
}
