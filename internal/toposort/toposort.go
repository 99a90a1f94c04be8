package toposort

import (
	"container/heap"
	"errors"
	"fmt"
	"slices"
)

// Ungrouped is the group of items added without Tag or Group. No item may
// ask to come before or after it.
const Ungrouped = "?"

// ErrCycle is wrapped by the error Add returns when the new item's
// constraints cannot be satisfied together with the existing ones.
var ErrCycle = errors.New("toposort: dependency cycle")

// ErrInvalid is wrapped by the error Add returns for constraints that can
// never hold: an item before or after its own group, or Ungrouped.
var ErrInvalid = errors.New("toposort: invalid constraint")

// Options place one item. Tag, when set, is the item's group (it wins over
// Group, as in NocoBase's Toposort wrapper).
type Options struct {
	Tag    string
	Group  string
	Before []string
	After  []string
}

type item[T any] struct {
	seq    int // insertion index; the tie-breaker that keeps insertion order
	group  string
	before []string
	after  []string
	node   T
}

// Sorter keeps items in a valid topological order. The zero value is ready to
// use. A Sorter is not safe for concurrent use; callers that read while
// others add publish copies of Nodes instead.
type Sorter[T any] struct {
	items  []item[T] // in sorted order
	sorted []T
}

// Add inserts node and re-sorts. On error the sorter is left unchanged.
func (s *Sorter[T]) Add(node T, opts Options) error {
	group := opts.Tag
	if group == "" {
		group = opts.Group
	}
	if group == "" {
		group = Ungrouped
	}
	for _, list := range [][]string{opts.Before, opts.After} {
		for _, g := range list {
			if g == group {
				return fmt.Errorf("%w: item in group %q cannot be ordered against its own group", ErrInvalid, group)
			}
			if g == Ungrouped {
				return fmt.Errorf("%w: item in group %q cannot be ordered against ungrouped items", ErrInvalid, group)
			}
		}
	}
	candidate := append(slices.Clone(s.items), item[T]{
		seq:    len(s.items),
		group:  group,
		before: slices.Clone(opts.Before),
		after:  slices.Clone(opts.After),
		node:   node,
	})
	order, ok := sortItems(candidate)
	if !ok {
		if group == Ungrouped {
			return fmt.Errorf("%w: item created a dependencies error", ErrCycle)
		}
		return fmt.Errorf("%w: item added into group %q created a dependencies error", ErrCycle, group)
	}
	s.items = order
	s.sorted = make([]T, len(order))
	for i, it := range order {
		s.sorted[i] = it.node
	}
	return nil
}

// Nodes returns the items in sorted order. The slice is shared: do not
// modify it.
func (s *Sorter[T]) Nodes() []T { return s.sorted }

// Len returns the number of items added.
func (s *Sorter[T]) Len() int { return len(s.items) }

// sortItems returns items in topological order, or false on a cycle.
//
// Edges run from an item to every member of its Before groups, and from
// every member of an item's After groups to the item. The walk visits
// insertion positions 0..n-1 in turn: an item nothing points at is emitted
// at its own position; otherwise the lowest-seq item whose predecessors are
// all emitted goes next. That is what keeps insertion order wherever the
// constraints allow it.
func sortItems[T any](items []item[T]) ([]item[T], bool) {
	n := len(items)
	bySeq := make([]*item[T], n)
	members := map[string][]int{}
	for i := range items {
		it := &items[i]
		bySeq[it.seq] = it
		members[it.group] = append(members[it.group], it.seq)
	}
	succ := make([][]int, n)
	pending := make([]int, n) // predecessors not yet emitted, with multiplicity
	for seq, it := range bySeq {
		for _, g := range it.before {
			for _, m := range members[g] {
				succ[seq] = append(succ[seq], m)
				pending[m]++
			}
		}
		for _, g := range it.after {
			for _, m := range members[g] {
				succ[m] = append(succ[m], seq)
				pending[seq]++
			}
		}
	}
	hasPred := make([]bool, n)
	ready := &seqHeap{}
	for seq := range n {
		hasPred[seq] = pending[seq] > 0
		if !hasPred[seq] {
			heap.Push(ready, seq)
		}
	}
	emitted := make([]bool, n)
	out := make([]item[T], 0, n)
	emit := func(seq int) {
		emitted[seq] = true
		out = append(out, *bySeq[seq])
		for _, m := range succ[seq] {
			pending[m]--
			if pending[m] == 0 {
				heap.Push(ready, m)
			}
		}
	}
	for seq := range n {
		if !hasPred[seq] && !emitted[seq] {
			emit(seq)
			continue
		}
		for ready.Len() > 0 {
			next := heap.Pop(ready).(int)
			if !emitted[next] {
				emit(next)
				break
			}
		}
	}
	return out, len(out) == n
}

type seqHeap []int

func (h seqHeap) Len() int           { return len(h) }
func (h seqHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h seqHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *seqHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *seqHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
