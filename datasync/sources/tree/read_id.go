package tree

import (
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// idReader reads a did/fid table: one department per row, its parent
// named by id.
type idReader struct {
	opts   *Options
	cols   columns
	forest *forest
	errs   *rowErrors
}

func (r *idReader) row(line int, cells []string, rows tabular.Rows) {
	id := cells[r.cols.id]
	if id == "" {
		r.errs.add(line, r.opts.ID, "empty id")
		return
	}
	// Clone what a node keeps: a table's cells may share the memory of its
	// whole line (encoding/csv's do), which would keep every row alive.
	id = strings.Clone(id)
	n := node{uid: id, line: line, title: id}
	switch parent := cells[r.cols.parent]; {
	case rows.Null(r.cols.parent), parent == "" && r.opts.EmptyParentIsRoot:
		n.root = true
	case parent == "":
		n.bad = true
		r.errs.add(line, r.opts.Parent, "empty parent; the top level's parent is NULL")
	default:
		n.parentUID = strings.Clone(parent)
	}
	if prev, dup := r.forest.index[id]; dup {
		if !n.bad {
			r.duplicate(&r.forest.nodes[prev], &n)
		}
		return
	}
	if r.cols.title >= 0 {
		n.title = strings.Clone(cells[r.cols.title])
		if n.title == "" {
			n.bad = true
			r.errs.add(line, r.opts.Title, "empty title")
		}
	}
	n.extra = extraValues(r.cols, cells, rows)
	r.forest.add(n)
}

// duplicate reports a second row for an id: a plain repeat, or the same
// node under two parents.
func (r *idReader) duplicate(prev, n *node) {
	if prev.root == n.root && prev.parentUID == n.parentUID {
		r.errs.add(n.line, r.opts.ID, "duplicate id, also on line "+strconv.Itoa(prev.line))
		return
	}
	r.errs.add(n.line, r.opts.Parent, "two parents: line "+strconv.Itoa(prev.line)+" and line "+strconv.Itoa(n.line))
}
