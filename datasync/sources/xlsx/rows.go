package xlsx

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// rows is one pass over a sheet: a [tabular.Rows] over excelize's row
// iterator, which decodes the sheet's XML as it goes instead of loading
// the sheet (GetRows would hold a million-row sheet in memory).
type rows struct {
	ctx    context.Context
	table  string
	file   *excelize.File
	it     *excelize.Rows
	header []string
	cells  []string
	// line is the sheet row the iterator is on. The iterator yields every
	// row number in turn, an empty one for a row absent from the file, so
	// counting its steps gives the row number Excel shows.
	line int
	// last is the sheet's last row number, as its whole part has it: the
	// iterator must end there, not before (see sheetEnd).
	last int
}

// readHeader skips blank rows and takes the first non-empty one as the
// header. Empty cells after the last name are dropped: a styled but empty
// cell to the right is no column.
func (r *rows) readHeader() error {
	for {
		rec, err := r.step()
		if err == io.EOF {
			return &OpenError{File: r.table, Err: ErrNoHeader}
		}
		if err != nil {
			return err
		}
		if blank(rec) {
			continue
		}
		rec = rec[:width(rec)]
		r.header = make([]string, len(rec))
		for i, name := range rec {
			r.header[i] = strings.TrimSpace(name)
		}
		r.cells = make([]string, len(r.header))
		return nil
	}
}

func (r *rows) Header() []string { return r.header }

// Next skips blank rows, as encoding/csv skips empty lines: a gap left in
// a list is no user. A row shorter than the header is padded with "".
func (r *rows) Next() (int, []string, error) {
	for {
		rec, err := r.step()
		if err != nil {
			return r.line, nil, err
		}
		if blank(rec) {
			continue
		}
		if w := width(rec); w > len(r.header) {
			return r.line, nil, &tabular.RowError{Table: r.table, Line: r.line,
				Reason: fmt.Sprintf("has a value in column %s, right of the header's last column %s", colName(w), colName(len(r.header)))}
		}
		n := copy(r.cells, rec)
		clear(r.cells[n:])
		return r.line, r.cells, nil
	}
}

// step reads the next sheet row's cells, formatted as Excel shows them
// (see the package doc, "Numbers and dates").
func (r *rows) step() ([]string, error) {
	if err := r.ctx.Err(); err != nil {
		return nil, fmt.Errorf("xlsx: %s: read stopped after row %d: %w", r.table, r.line, err)
	}
	if !r.it.Next() {
		if err := r.it.Error(); err != nil {
			return nil, fmt.Errorf("xlsx: %s: read stopped after row %d: %w", r.table, r.line, err)
		}
		if r.line != r.last {
			return nil, &OpenError{File: r.table, Err: incomplete(fmt.Errorf("%w: the read stopped after row %d of %d", ErrDamaged, r.line, r.last))}
		}
		return nil, io.EOF
	}
	r.line++
	rec, err := r.it.Columns()
	if err != nil {
		return nil, fmt.Errorf("xlsx: %s: row %d: %w", r.table, r.line, err)
	}
	return rec, nil
}

// Null is always false: a sheet has empty cells, not NULLs.
func (r *rows) Null(int) bool { return false }

// Close releases the sheet iterator and the workbook, with the temporary
// files excelize keeps for large parts.
func (r *rows) Close() error {
	err := r.it.Close()
	if ferr := r.file.Close(); err == nil {
		err = ferr
	}
	return err
}

// width is the number of cells up to the last non-empty one.
func width(rec []string) int {
	for i := len(rec); i > 0; i-- {
		if rec[i-1] != "" {
			return i
		}
	}
	return 0
}

func blank(rec []string) bool { return width(rec) == 0 }

// colName is the column's letters as Excel shows them: 1 is "A", 27 "AA".
func colName(n int) string {
	name, err := excelize.ColumnNumberToName(n)
	if err != nil {
		return fmt.Sprint(n)
	}
	return name
}
