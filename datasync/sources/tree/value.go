package tree

import (
	"encoding/json"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// extraValues reads the row's extra field cells, in c.fields order; nil
// when no fields are mapped, so a plain tree costs nothing per node.
func extraValues(c columns, cells []string, rows tabular.Rows) []any {
	if len(c.fields) == 0 {
		return nil
	}
	out := make([]any, len(c.fields))
	for i, col := range c.fields {
		out[i] = cellValue(cells[col], rows.Null(col))
	}
	return out
}

// cellValue turns a cell into a record value: nil for NULL, a
// json.Number for a cell that is a JSON number, else the text. Tables hold
// text, but a department's "sort" is a number column: the directory
// writes a json.Number to number and text columns alike (as its text), so
// a number-looking cell suits both, while "007" (not a JSON number) stays
// text and keeps its zeros.
func cellValue(s string, null bool) any {
	if null {
		return nil
	}
	// Clone: a cell may share the memory of its whole line.
	s = strings.Clone(s)
	if isJSONNumber(s) {
		return json.Number(s)
	}
	return s
}

// isJSONNumber reports whether s is exactly one JSON number literal, with
// no surrounding space.
func isJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	first, last := s[0], s[len(s)-1]
	if first != '-' && (first < '0' || first > '9') || last < '0' || last > '9' {
		return false
	}
	return json.Valid([]byte(s))
}
