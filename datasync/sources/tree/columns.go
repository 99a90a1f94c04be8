package tree

import (
	"fmt"
	"slices"
)

// columns are the header indexes of the mapped columns; -1 for an
// unmapped one.
type columns struct {
	id, parent, title, path int
	fields                  []int // of Source.fields, in that order
}

// resolveColumns finds every mapped column in header, those of the extra
// fields in the order of fields. A missing one is a
// plain error naming it: the mapping, not a row, is wrong.
func resolveColumns(table string, header []string, o Options, fields []string) (columns, error) {
	c := columns{id: -1, parent: -1, title: -1, path: -1}
	find := func(name string) (int, error) {
		if name == "" {
			return -1, nil
		}
		if i := slices.Index(header, name); i >= 0 {
			return i, nil
		}
		return -1, fmt.Errorf("tree: %s: column %q is not in the header", table, name)
	}
	var err error
	for _, m := range []struct {
		dst  *int
		name string
	}{{&c.id, o.ID}, {&c.parent, o.Parent}, {&c.title, o.Title}, {&c.path, o.Path}} {
		if *m.dst, err = find(m.name); err != nil {
			return c, err
		}
	}
	for _, field := range fields {
		col, err := find(o.Fields[field])
		if err != nil {
			return c, err
		}
		c.fields = append(c.fields, col)
	}
	return c, nil
}
