package toposort

import (
	"errors"
	"testing"
)

// FuzzSorter builds random graphs over a few groups from the fuzz bytes: every
// Add must either keep a valid order or fail with ErrCycle exactly when the
// constraints so far contain a cycle.
func FuzzSorter(f *testing.F) {
	f.Add([]byte{0x01, 0x12, 0x20, 0x31})
	f.Add([]byte{0x11, 0x21, 0x02, 0x10})
	f.Add([]byte{0xff, 0x00, 0x7e, 0x81, 0x42, 0x24})
	f.Fuzz(func(t *testing.T, data []byte) {
		const groups = 5
		var s Sorter[int]
		var accepted []item[int]
		for i := 0; i+1 < len(data) && i < 64; i += 2 {
			g := int(data[i] % groups)
			opts := Options{Group: groupName(g)}
			if data[i]&0x80 != 0 {
				opts.Group = ""
			}
			rel := groupName(int(data[i+1] % groups))
			switch data[i+1] >> 6 {
			case 1:
				opts.Before = []string{rel}
			case 2:
				opts.After = []string{rel}
			case 3:
				opts.Before = []string{rel}
				opts.After = []string{groupName(int((data[i+1] >> 3) % groups))}
			}
			err := s.Add(i, opts)
			if errors.Is(err, ErrInvalid) {
				continue
			}
			group := opts.Group
			if group == "" {
				group = Ungrouped
			}
			next := append(append([]item[int](nil), accepted...), item[int]{seq: len(accepted), group: group, before: opts.Before, after: opts.After})
			cyclic := hasCycle(next)
			if (err != nil) != cyclic {
				t.Fatalf("Add #%d err = %v, graph cyclic = %v", i, err, cyclic)
			}
			if err == nil {
				accepted = next
			}
			if s.Len() != len(accepted) {
				t.Fatalf("sorter holds %d items, want %d", s.Len(), len(accepted))
			}
			assertValid(t, &s)
		}
	})
}

func groupName(i int) string { return string(rune('a' + i)) }

// hasCycle decides by depth-first search, independently of sortItems, whether
// the group-expanded graph of items has a cycle.
func hasCycle(items []item[int]) bool {
	members := map[string][]int{}
	for _, it := range items {
		members[it.group] = append(members[it.group], it.seq)
	}
	succ := make([][]int, len(items))
	for _, it := range items {
		for _, g := range it.before {
			succ[it.seq] = append(succ[it.seq], members[g]...)
		}
		for _, g := range it.after {
			for _, m := range members[g] {
				succ[m] = append(succ[m], it.seq)
			}
		}
	}
	state := make([]int, len(items)) // 0 new, 1 on stack, 2 done
	var visit func(int) bool
	visit = func(v int) bool {
		state[v] = 1
		for _, w := range succ[v] {
			if state[w] == 1 || (state[w] == 0 && visit(w)) {
				return true
			}
		}
		state[v] = 2
		return false
	}
	for v := range items {
		if state[v] == 0 && visit(v) {
			return true
		}
	}
	return false
}
