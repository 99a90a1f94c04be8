package csv

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// Options configure a [Table].
type Options struct {
	// Comma is the field delimiter. Zero means ',', or '\t' for a [File]
	// whose name ends in ".tsv".
	Comma rune
	// Name replaces the table's name in errors and logs: by default the
	// file's base name for [File], the name argument for [New].
	Name string
}

// Table is a CSV or TSV stream with a header row: a [tabular.Table].
type Table struct {
	name    string
	dataset string
	comma   rune
	open    func() (io.ReadCloser, error)
}

// File is the CSV or TSV file at path. It is opened afresh on every pass,
// so edits between passes show up: replace a file being synced by
// renaming a new one over it, never by writing it in place.
func File(path string, opts Options) *Table {
	if opts.Comma == 0 && strings.EqualFold(filepath.Ext(path), ".tsv") {
		opts.Comma = '\t'
	}
	t := New(filepath.Base(path), func() (io.ReadCloser, error) { return os.Open(path) }, opts)
	t.dataset = path
	return t
}

// New is a table read from whatever open returns, called once per pass: an
// upload kept in memory, an object in a bucket, a decompressing reader.
func New(name string, open func() (io.ReadCloser, error), opts Options) *Table {
	if opts.Name != "" {
		name = opts.Name
	}
	if opts.Comma == 0 {
		opts.Comma = ','
	}
	return &Table{name: name, dataset: name, comma: opts.Comma, open: open}
}

// Dataset is what the table reads, for a source's dataset-switch check
// (see datasync.DatasetSource): the path given to [File], the name given
// to [New].
func (t *Table) Dataset() string { return t.dataset }

// Name is the table's name for errors and logs.
func (t *Table) Name() string { return t.name }

// Open starts a pass: it opens the stream and reads the header.
func (t *Table) Open(ctx context.Context) (tabular.Rows, error) {
	if !validDelim(t.comma) {
		return nil, fmt.Errorf("csv: %s: delimiter %q cannot separate fields: %w", t.name, t.comma, datasync.ErrInvalidSource)
	}
	if err := ctx.Err(); err != nil {
		return nil, &ReadError{Table: t.name, Err: err}
	}
	rc, err := t.open()
	if err != nil {
		return nil, fmt.Errorf("csv: %s: open: %w", t.name, err)
	}
	r := newRows(ctx, t.name, t.comma, rc)
	if err := r.readHeader(); err != nil {
		rc.Close()
		return nil, err
	}
	return r, nil
}

// validDelim is encoding/csv's rule, checked here so that a bad delimiter
// is a configuration error rather than a read that fails on its first row.
func validDelim(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}
