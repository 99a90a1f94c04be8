package tree

import (
	"slices"
	"strconv"
	"strings"
)

// node is one department as read. Everything a node holds is what its
// record needs, so a 100,000-department tree stays a few megabytes.
type node struct {
	uid, parentUID, title string
	line                  int
	root                  bool
	// bad marks a node whose row had an error: it still exists as a
	// parent, so one mistake does not cascade into "unknown parent" for
	// each of its children.
	bad bool
	// listed marks a path-mode node that has a row of its own, not only a
	// prefix of other rows' paths.
	listed bool
	extra  []any // the values of Options.Fields, in columns.fields order
}

// forest is the table's departments, in input order, with an index by uid.
type forest struct {
	nodes []node
	index map[string]int32
}

func newForest() *forest { return &forest{index: map[string]int32{}} }

func (f *forest) add(n node) {
	f.index[n.uid] = int32(len(f.nodes))
	f.nodes = append(f.nodes, n)
}

// Depth markers of order's walk; a node's depth is >= 0 once known.
const (
	unvisited = -1
	onPath    = -2
	cyclic    = -3 // on a cycle, or below one
)

// order returns the node indexes parents first (by depth, then input
// order), after reporting every parent that is no node and every cycle
// to errs. The result is meaningful only when errs stays empty.
func (f *forest) order(errs *rowErrors, parentColumn string) []int32 {
	parents := f.resolveParents(errs, parentColumn)
	depth := make([]int32, len(f.nodes))
	for i := range depth {
		depth[i] = unvisited
	}
	var path []int32
	for i := range f.nodes {
		if errs.full() {
			return nil
		}
		// Walk up until a node whose depth is known, the top level, or a
		// node of this very walk (a cycle); then number the walk downwards.
		path = path[:0]
		j := int32(i)
		for j >= 0 && depth[j] == unvisited {
			depth[j] = onPath
			path = append(path, j)
			j = parents[j]
		}
		switch {
		case j >= 0 && depth[j] == onPath:
			f.reportCycle(errs, path[slices.Index(path, j):])
			fill(depth, path, cyclic)
		case j >= 0 && depth[j] == cyclic:
			fill(depth, path, cyclic)
		default:
			d := int32(0)
			if j >= 0 {
				d = depth[j] + 1
			}
			for k := len(path) - 1; k >= 0; k-- {
				depth[path[k]] = d
				d++
			}
		}
	}
	return byDepth(depth)
}

// resolveParents returns each node's parent index: -1 at the top level,
// for a bad node, and for a parent that is no node (reported).
func (f *forest) resolveParents(errs *rowErrors, parentColumn string) []int32 {
	parents := make([]int32, len(f.nodes))
	for i, n := range f.nodes {
		parents[i] = -1
		if n.root || n.bad {
			continue
		}
		p, ok := f.index[n.parentUID]
		if !ok {
			if errs.add(n.line, parentColumn, "unknown parent") {
				return parents
			}
			continue
		}
		parents[i] = p
	}
	return parents
}

// maxCycleLines bounds the lines a cycle error lists.
const maxCycleLines = 10

func (f *forest) reportCycle(errs *rowErrors, cycle []int32) {
	lines := make([]int, len(cycle))
	for i, n := range cycle {
		lines[i] = f.nodes[n].line
	}
	slices.Sort(lines)
	var b strings.Builder
	b.WriteString("cycle through lines ")
	for i, l := range lines[:min(len(lines), maxCycleLines)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(l))
	}
	if len(lines) > maxCycleLines {
		b.WriteString(", … (" + strconv.Itoa(len(lines)) + " lines)")
	}
	errs.add(lines[0], "", b.String())
}

func fill(depth []int32, path []int32, v int32) {
	for _, n := range path {
		depth[n] = v
	}
}

// byDepth sorts node indexes by depth, keeping input order within a
// depth (a counting sort: depths are small and many nodes share one).
// Nodes without a depth (cyclic) are left out.
func byDepth(depth []int32) []int32 {
	var counts []int32
	for _, d := range depth {
		if d < 0 {
			continue
		}
		for int(d) >= len(counts) {
			counts = append(counts, 0)
		}
		counts[d]++
	}
	starts := make([]int32, len(counts))
	total := int32(0)
	for d, c := range counts {
		starts[d] = total
		total += c
	}
	out := make([]int32, total)
	for i, d := range depth {
		if d < 0 {
			continue
		}
		out[starts[d]] = int32(i)
		starts[d]++
	}
	return out
}
