package tabular

import (
	"strconv"
	"strings"
)

// row is one data row read through the columns: trimmed values, "" for a
// cell not given. It is reused from row to row; a user record copies what
// it keeps.
type row struct {
	line   int
	uid    string
	values []string // per columns.scalars: the value, "" when not given; "true" or "false" for a boolean
	dept   string   // the department uid or normalised path, "" when not given
	path   []string // the path's segments (DepartmentPath only)
	role   string
}

// reader turns the cells of a table's rows into rows.
type reader struct {
	table string
	cols  *columns
	sep   string
	row   row
}

func newReader(table string, cols *columns, sep string) *reader {
	return &reader{table: table, cols: cols, sep: sep, row: row{values: make([]string, len(cols.scalars))}}
}

// cell returns the trimmed cell at index i; "" for a NULL or absent cell.
// An empty cell means "not given", never "clear the value".
func cell(rows Rows, cells []string, i int) string {
	if i < 0 || i >= len(cells) || rows.Null(i) {
		return ""
	}
	return strings.TrimSpace(cells[i])
}

// read parses one row. The error is a *RowError naming the line and the
// column, never the cell's value.
func (r *reader) read(rows Rows, line int, cells []string) (*row, error) {
	c := r.cols
	w := &r.row
	w.line = line
	if w.uid = cell(rows, cells, c.uid); w.uid == "" {
		return nil, r.rowError(line, c.uidName, "the user id is empty")
	}
	for i, s := range c.scalars {
		v := cell(rows, cells, s.index)
		if s.isBool && v != "" {
			// Canonical, so that rows of one user compare equal however
			// each spells it.
			b, ok := parseBool(v)
			if !ok {
				return nil, r.rowError(line, s.column, "not a boolean (want 1/0, true/false or yes/no)")
			}
			v = strconv.FormatBool(b)
		}
		w.values[i] = v
	}
	w.dept, w.path = cell(rows, cells, c.dept), w.path[:0]
	if c.isPath && w.dept != "" {
		var ok bool
		if w.dept, w.path, ok = normalisePath(w.dept, r.sep, w.path); !ok {
			return nil, r.rowError(line, c.deptName, "the department path has an empty segment")
		}
	}
	w.role = cell(rows, cells, c.role)
	return w, nil
}

func (r *reader) rowError(line int, column, reason string) error {
	return &RowError{Table: r.table, Line: line, Column: column, Reason: reason}
}

// parseBool reads an "enabled" cell the ways spreadsheets and HR exports
// write it.
func parseBool(s string) (value, ok bool) {
	switch {
	case s == "1" || strings.EqualFold(s, "true") || strings.EqualFold(s, "yes"):
		return true, true
	case s == "0" || strings.EqualFold(s, "false") || strings.EqualFold(s, "no"):
		return false, true
	}
	return false, false
}
