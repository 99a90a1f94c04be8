package xlsx

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/xuri/excelize/v2"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// Options configure a [Table].
type Options struct {
	// Sheet is the name of the sheet to read; "" reads the first one (in
	// the workbook's tab order).
	Sheet string
}

// Table is one sheet of an .xlsx workbook with a header row: a
// [tabular.Table].
type Table struct {
	path  string
	base  string
	sheet string

	// mu guards resolved: the name of the sheet read when Options.Sheet
	// was "", known only once the workbook has been opened.
	mu       sync.Mutex
	resolved string
}

// File is the sheet opts.Sheet of the workbook at path. The file is
// opened afresh on every pass and released when the pass is closed, so
// replace a workbook being synced by renaming a new one over it.
func File(path string, opts Options) *Table {
	return &Table{path: path, base: filepath.Base(path), sheet: opts.Sheet, resolved: opts.Sheet}
}

// Name is "<base name>[<sheet>]", e.g. "users.xlsx[Staff]". When
// Options.Sheet was "" it is the bare base name until the first Open has
// found out which sheet is first.
func (t *Table) Name() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.name(t.resolved)
}

// Dataset is what the table reads, for a source's dataset-switch check
// (see datasync.DatasetSource): the workbook's path and the sheet asked
// for.
func (t *Table) Dataset() string { return t.path + "[" + t.sheet + "]" }

func (t *Table) name(sheet string) string {
	if sheet == "" {
		return t.base
	}
	return t.base + "[" + sheet + "]"
}

// Open starts a pass: it opens the workbook, finds the sheet, checks that
// the sheet's XML is whole (see the package doc, "Damaged sheets") and
// reads rows up to the header (the first row with a non-empty cell).
func (t *Table) Open(ctx context.Context) (tabular.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, &OpenError{File: t.base, Err: err}
	}
	fd, err := os.Open(t.path)
	if err != nil {
		return nil, &OpenError{File: t.base, Err: err}
	}
	// Only Open reads the zip directory: excelize holds its own handle.
	defer fd.Close()
	zr, f, err := openWorkbook(fd, t.path)
	if err != nil {
		return nil, &OpenError{File: t.base, Err: err}
	}
	sheet, err := t.pick(f)
	if err != nil {
		f.Close()
		return nil, &OpenError{File: t.base, Err: err}
	}
	last, err := sheetRows(ctx, zr, sheet)
	if err != nil {
		f.Close()
		return nil, &OpenError{File: t.name(sheet), Err: err}
	}
	it, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, &OpenError{File: t.base, Err: fmt.Errorf("sheet %q: %w", sheet, err)}
	}
	r := &rows{ctx: ctx, table: t.name(sheet), file: f, it: it, last: last}
	if err := r.readHeader(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// pick returns the sheet to read, and remembers it for Name.
func (t *Table) pick(f *excelize.File) (string, error) {
	sheet := t.sheet
	if sheet == "" {
		list := f.GetSheetList()
		if len(list) == 0 {
			return "", ErrSheetNotFound
		}
		sheet = list[0]
	} else if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		return "", fmt.Errorf("sheet %q: %w", sheet, ErrSheetNotFound)
	}
	t.mu.Lock()
	t.resolved = sheet
	t.mu.Unlock()
	return sheet, nil
}
