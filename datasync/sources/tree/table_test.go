package tree_test

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// memTable is an in-memory tabular.Table for tests: text whose first line
// is the header, cells separated by commas, `\N` a NULL cell.
type memTable struct {
	header []string
	rows   [][]string
	// failAt makes Next fail on that data row (1-based; 0 never), as a
	// file that cannot be read further does.
	failAt int
}

var errBroken = errors.New("memtable: the disk went away")

func parseTable(text string) *memTable {
	lines := strings.Split(text, "\n")
	t := &memTable{header: strings.Split(lines[0], ",")}
	for _, l := range lines[1:] {
		row := make([]string, len(t.header)) // missing cells are "", extra ones dropped
		copy(row, strings.Split(l, ","))
		t.rows = append(t.rows, row)
	}
	return t
}

func (t *memTable) Name() string { return "tree.csv" }

func (t *memTable) Open(context.Context) (tabular.Rows, error) {
	return &memRows{t: t, cur: -1}, nil
}

type memRows struct {
	t     *memTable
	cur   int
	cells []string
}

func (r *memRows) Header() []string { return r.t.header }

func (r *memRows) Next() (int, []string, error) {
	r.cur++
	if r.cur >= len(r.t.rows) {
		return 0, nil, io.EOF
	}
	if r.cur+1 == r.t.failAt {
		return 0, nil, errBroken
	}
	// Reuse one slice, as the contract allows: the source must copy.
	r.cells = append(r.cells[:0], r.t.rows[r.cur]...)
	for i, c := range r.cells {
		if c == `\N` {
			r.cells[i] = ""
		}
	}
	return r.cur + 2, r.cells, nil
}

func (r *memRows) Null(col int) bool { return r.t.rows[r.cur][col] == `\N` }

func (r *memRows) Close() error { return nil }
