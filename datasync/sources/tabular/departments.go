package tabular

import (
	"cmp"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// departments is the set of department paths a table names, every prefix
// included ("Sales/EMEA/Berlin" makes "Sales" and "Sales/EMEA" too),
// with each path's depth.
type departments struct {
	sep   string
	depth map[string]int
}

func newDepartments(sep string) *departments {
	return &departments{sep: sep, depth: make(map[string]int)}
}

// add records a normalised path and its prefixes. A path already in the
// set has its prefixes in it too, so the usual repeat costs one lookup.
func (d *departments) add(path string, segs []string) {
	if _, ok := d.depth[path]; ok {
		return
	}
	// Clone: the path may be a slice of the table's whole line, which the
	// set would otherwise keep alive.
	d.depth[strings.Clone(path)] = len(segs)
	for n := len(segs) - 1; n > 0; n-- {
		prefix := strings.Join(segs[:n], d.sep)
		if _, ok := d.depth[prefix]; ok {
			return
		}
		d.depth[prefix] = n
	}
}

func (d *departments) has(path string) bool {
	_, ok := d.depth[path]
	return ok
}

// emit sends one record per department, parents before children: by
// depth, then by path so that the output is the same on every pull.
func (d *departments) emit(c *chunker) error {
	paths := make([]string, 0, len(d.depth))
	for p := range d.depth {
		paths = append(paths, p)
	}
	slices.SortFunc(paths, func(a, b string) int {
		return cmp.Or(cmp.Compare(d.depth[a], d.depth[b]), strings.Compare(a, b))
	})
	for _, p := range paths {
		if err := c.add(d.record(p)); err != nil {
			return err
		}
	}
	return c.flush()
}

// record is the department record of a normalised path: its uid is the
// path, its title the last segment, its parent the path without it.
func (d *departments) record(path string) datasync.Record {
	i := strings.LastIndex(path, d.sep)
	if i < 0 {
		return datasync.Record{"uid": path, "title": path}
	}
	return datasync.Record{"uid": path, "title": path[i+len(d.sep):], "parentUid": path[:i]}
}
