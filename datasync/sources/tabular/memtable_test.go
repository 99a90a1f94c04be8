package tabular_test

import (
	"context"
	"io"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// null in a memTable row is a NULL cell.
const null = "\x00null"

// memTable is a Table held in memory. Line numbers are as in a file whose
// line 1 is the header. Its hooks let a test break it or change it between
// passes.
type memTable struct {
	header []string
	rows   [][]string
	opens  int // passes started so far

	// beforeOpen runs at each Open with the pass number (1, 2): a test
	// changes the table there, or fails the Open.
	beforeOpen func(pass int, t *memTable) error
	// failNext, when set, is the error of pass failPass's Next at row
	// index failAt.
	failNext         error
	failPass, failAt int
	failClose        error
}

func (t *memTable) Name() string { return "people.csv" }

func (t *memTable) Open(context.Context) (tabular.Rows, error) {
	t.opens++
	if t.beforeOpen != nil {
		if err := t.beforeOpen(t.opens, t); err != nil {
			return nil, err
		}
	}
	return &memRows{t: t, pass: t.opens}, nil
}

type memRows struct {
	t     *memTable
	pass  int
	i     int
	cells []string
	nulls []bool
}

func (r *memRows) Header() []string { return r.t.header }

func (r *memRows) Next() (int, []string, error) {
	if r.t.failNext != nil && r.pass == r.t.failPass && r.i == r.t.failAt {
		return 0, nil, r.t.failNext
	}
	if r.i >= len(r.t.rows) {
		return 0, nil, io.EOF
	}
	src := r.t.rows[r.i]
	r.i++
	// Reuse the slices, as the contract allows, to catch a source that
	// keeps them.
	r.cells, r.nulls = r.cells[:0], r.nulls[:0]
	for _, c := range src {
		r.nulls = append(r.nulls, c == null)
		if c == null {
			c = ""
		}
		r.cells = append(r.cells, c)
	}
	return r.i + 1, r.cells, nil
}

func (r *memRows) Null(col int) bool { return col < len(r.nulls) && r.nulls[col] }

func (r *memRows) Close() error {
	if r.pass == r.t.failPass {
		return r.t.failClose
	}
	return nil
}
