package tree

import (
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// pathReader reads a table of department paths: every prefix of a path is
// a department, so a path table cannot hold a cycle, an unknown parent or
// two parents.
type pathReader struct {
	sep, column string
	cols        columns
	forest      *forest
	errs        *rowErrors
}

func (r *pathReader) row(line int, cells []string, rows tabular.Rows) {
	segs, reason := splitPath(cells[r.cols.path], r.sep)
	if reason != "" {
		r.errs.add(line, r.column, reason)
		return
	}
	parent := ""
	for i, seg := range segs {
		// A new string, not the cell's: a cell may share the memory of its
		// whole line. The title is the uid's tail, which costs nothing.
		uid := strings.Clone(seg)
		if i > 0 {
			uid = parent + r.sep + seg
		}
		if _, ok := r.forest.index[uid]; !ok {
			r.forest.add(node{uid: uid, parentUID: parent, title: uid[len(uid)-len(seg):], line: line, root: i == 0})
		}
		parent = uid
	}
	n := &r.forest.nodes[r.forest.index[parent]]
	if n.listed {
		r.errs.add(line, r.column, "duplicate path, also on line "+strconv.Itoa(n.line))
		return
	}
	n.listed, n.line = true, line
	n.extra = extraValues(r.cols, cells, rows)
}

// splitPath normalises a path: spaces around it and around each segment
// go, as does one separator at either end ("/Sales/EMEA/" is
// "Sales/EMEA"). An empty path or segment is the reason returned. A NULL
// path is an empty one.
func splitPath(p, sep string) (segs []string, reason string) {
	p = strings.TrimSpace(p)
	p = strings.TrimPrefix(p, sep)
	p = strings.TrimSuffix(p, sep)
	if strings.TrimSpace(p) == "" {
		return nil, "empty path"
	}
	segs = strings.Split(p, sep)
	for i, s := range segs {
		segs[i] = strings.TrimSpace(s)
		if segs[i] == "" {
			return nil, "empty segment in path"
		}
	}
	return segs, ""
}
