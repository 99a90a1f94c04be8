package csv

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// bufferSize is large enough that reading is not a syscall per few rows,
// and small enough not to matter beside the records a run holds.
const bufferSize = 64 << 10

// rows is one pass over a CSV stream: a [tabular.Rows].
type rows struct {
	ctx    context.Context
	table  string
	rc     io.ReadCloser
	r      *csv.Reader
	header []string
	// last is the line of the last row read whole, for ReadError.
	last int
}

func newRows(ctx context.Context, table string, comma rune, rc io.ReadCloser) *rows {
	br := bufio.NewReaderSize(rc, bufferSize)
	// Excel writes "CSV UTF-8" with a byte-order mark; left in, it would
	// become part of the first column's name.
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		br.Discard(3)
	}
	r := csv.NewReader(br)
	r.Comma = comma
	// Counting fields here rather than in encoding/csv lets a short row be
	// a RowError with the header's count, not a ParseError with csv's.
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	return &rows{ctx: ctx, table: table, rc: rc, r: r}
}

func (r *rows) readHeader() error {
	line, rec, err := r.read()
	if err == io.EOF {
		return fmt.Errorf("csv: %s: %w", r.table, ErrNoHeader)
	}
	if err != nil {
		return err
	}
	r.header = make([]string, len(rec))
	for i, name := range rec {
		if !utf8.ValidString(name) {
			return &tabular.RowError{Table: r.table, Line: line, Reason: fmt.Sprintf("header column %d is not valid UTF-8", i+1)}
		}
		r.header[i] = strings.TrimSpace(name)
	}
	return nil
}

func (r *rows) Header() []string { return r.header }

func (r *rows) Next() (int, []string, error) {
	line, rec, err := r.read()
	if err != nil {
		return line, nil, err
	}
	if len(rec) != len(r.header) {
		return line, nil, &tabular.RowError{Table: r.table, Line: line,
			Reason: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(r.header))}
	}
	for i, cell := range rec {
		if !utf8.ValidString(cell) {
			return line, nil, &tabular.RowError{Table: r.table, Line: line, Column: r.header[i], Reason: "not valid UTF-8"}
		}
	}
	return line, rec, nil
}

// read returns the next record and the line it starts on, with csv's
// errors turned into the package's: a syntax error is a RowError, a failed
// stream or an ended context a ReadError.
func (r *rows) read() (int, []string, error) {
	if err := r.ctx.Err(); err != nil {
		return r.last, nil, &ReadError{Table: r.table, Line: r.last, Err: err}
	}
	rec, err := r.r.Read()
	if err == nil {
		line, _ := r.r.FieldPos(0)
		r.last = line
		return line, rec, nil
	}
	if err == io.EOF {
		return r.last, nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.StartLine, nil, &tabular.RowError{Table: r.table, Line: pe.StartLine, Reason: syntaxReason(pe)}
	}
	return r.last, nil, &ReadError{Table: r.table, Line: r.last, Err: err}
}

// syntaxReason says where in the row csv gave up. ParseError's own message
// is not used because it repeats the line and, for a quoted field running
// over several lines, the position is on a later line than the row's.
func syntaxReason(pe *csv.ParseError) string {
	if pe.Line != pe.StartLine {
		return fmt.Sprintf("%v (line %d, column %d)", pe.Err, pe.Line, pe.Column)
	}
	return fmt.Sprintf("%v (column %d)", pe.Err, pe.Column)
}

// Null is always false: CSV has no NULL, only empty cells.
func (r *rows) Null(int) bool { return false }

func (r *rows) Close() error { return r.rc.Close() }
