package tree

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// rowReader turns one data row into nodes of a forest, reporting what is
// wrong with it to the pull's rowErrors.
type rowReader interface {
	row(line int, cells []string, rows tabular.Rows)
}

// read makes one pass over the table into a forest. Row errors come back
// joined; a pass that stopped short (the table failed, ctx ended) wraps
// datasync.ErrIncomplete.
func (s *Source) read(ctx context.Context) (_ *forest, _ *rowErrors, err error) {
	name := s.table.Name()
	rows, err := s.table.Open(ctx)
	if err != nil {
		return nil, nil, incomplete(name, err)
	}
	defer func() {
		if cerr := rows.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("tree: close %s: %w", name, cerr)
		}
	}()
	header := rows.Header()
	cols, err := resolveColumns(name, header, s.opts, s.fields)
	if err != nil {
		return nil, nil, err
	}
	f, errs := newForest(), &rowErrors{table: name}
	var r rowReader = &idReader{opts: &s.opts, cols: cols, forest: f, errs: errs}
	if s.opts.Path != "" {
		r = &pathReader{sep: s.opts.PathSeparator, column: s.opts.Path, cols: cols, forest: f, errs: errs}
	}
	done := ctx.Done()
	for !errs.full() {
		select {
		case <-done:
			return nil, nil, incomplete(name, ctx.Err())
		default:
		}
		line, cells, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, incomplete(name, err)
		}
		if len(cells) < len(header) {
			// Table promises len(Header()) cells; a table that breaks it
			// must not make the source index out of range.
			errs.add(line, "", "the row has fewer cells than the header")
			continue
		}
		r.row(line, cells, rows)
	}
	return f, errs, nil
}

func incomplete(table string, err error) error {
	return fmt.Errorf("tree: read %s: %w (%w)", table, err, datasync.ErrIncomplete)
}
