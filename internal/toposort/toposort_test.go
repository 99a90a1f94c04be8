package toposort

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type add struct {
	node string
	opts Options
}

func TestSorterOrders(t *testing.T) {
	tests := []struct {
		name string
		adds []add
		want []string
	}{
		{
			name: "no constraints keep insertion order",
			adds: []add{{"a", Options{}}, {"b", Options{}}, {"c", Options{Group: "g"}}},
			want: []string{"a", "b", "c"},
		},
		{
			name: "hapi morning routine",
			adds: []add{
				{"Nap", Options{After: []string{"breakfast", "prep"}}},
				{"Make toast", Options{Before: []string{"breakfast"}, Group: "prep"}},
				{"Pour juice", Options{Before: []string{"breakfast"}, Group: "prep"}},
				{"Eat breakfast", Options{Group: "breakfast"}},
			},
			want: []string{"Make toast", "Pour juice", "Eat breakfast", "Nap"},
		},
		{
			name: "acl default middlewares then plain use",
			adds: []add{
				{"allow-manager", Options{Tag: "allow-manager", Before: []string{"core"}}},
				{"core", Options{Tag: "core", Group: "core"}},
				{"user1", Options{Group: "prep"}},
				{"user2", Options{Group: "prep"}},
			},
			want: []string{"allow-manager", "core", "user1", "user2"},
		},
		{
			name: "before core pulls earlier plain items ahead of core",
			adds: []add{
				{"allow-manager", Options{Tag: "allow-manager", Before: []string{"core"}}},
				{"core", Options{Tag: "core", Group: "core"}},
				{"user1", Options{Group: "prep"}},
				{"early", Options{Group: "prep", Before: []string{"core"}}},
			},
			want: []string{"allow-manager", "user1", "early", "core"},
		},
		{
			name: "reference to a missing group waits for it",
			adds: []add{
				{"a", Options{Tag: "a", After: []string{"late"}}},
				{"b", Options{Tag: "b"}},
				{"late", Options{Tag: "late"}},
			},
			want: []string{"b", "late", "a"},
		},
		{
			name: "tag wins over group",
			adds: []add{
				{"x", Options{Tag: "t", Group: "ignored"}},
				{"y", Options{Before: []string{"t"}}},
				{"z", Options{Before: []string{"ignored"}}},
			},
			want: []string{"y", "x", "z"},
		},
		{
			name: "datasync resources users then departments after users",
			adds: []add{
				{"departments", Options{Tag: "departments", After: []string{"users"}}},
				{"users", Options{Tag: "users"}},
				{"other", Options{Tag: "other"}},
			},
			want: []string{"users", "departments", "other"},
		},
		{
			name: "a group with several members moves as a whole",
			adds: []add{
				{"a1", Options{Group: "a", After: []string{"b"}}},
				{"a2", Options{Group: "a", After: []string{"b"}}},
				{"b1", Options{Group: "b"}},
				{"b2", Options{Group: "b"}},
			},
			want: []string{"b1", "b2", "a1", "a2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Sorter[string]
			for _, a := range tt.adds {
				if err := s.Add(a.node, a.opts); err != nil {
					t.Fatalf("Add(%q): %v", a.node, err)
				}
			}
			if diff := cmp.Diff(tt.want, s.Nodes()); diff != "" {
				t.Errorf("Nodes() mismatch (-want +got):\n%s", diff)
			}
			assertValid(t, &s)
		})
	}
}

func TestSorterRejects(t *testing.T) {
	tests := []struct {
		name    string
		adds    []add
		wantErr error
		wantMsg string
	}{
		{
			name:    "direct cycle names the group added last",
			adds:    []add{{"a", Options{Tag: "a", Before: []string{"b"}}}, {"b", Options{Tag: "b", Before: []string{"a"}}}},
			wantErr: ErrCycle,
			wantMsg: `toposort: dependency cycle: item added into group "b" created a dependencies error`,
		},
		{
			name: "cycle closed by a late group",
			adds: []add{
				{"a", Options{Tag: "a", After: []string{"c"}}},
				{"b", Options{Tag: "b", After: []string{"a"}}},
				{"c", Options{Tag: "c", After: []string{"b"}}},
			},
			wantErr: ErrCycle,
			wantMsg: `toposort: dependency cycle: item added into group "c" created a dependencies error`,
		},
		{
			name:    "ungrouped item in a cycle",
			adds:    []add{{"a", Options{Tag: "a", After: []string{"b"}}}, {"b", Options{Tag: "b", After: []string{"c"}}}, {"x", Options{Before: []string{"b"}, After: []string{"a"}}}},
			wantErr: ErrCycle,
			wantMsg: `toposort: dependency cycle: item created a dependencies error`,
		},
		{
			name:    "before own group",
			adds:    []add{{"a", Options{Tag: "a", Before: []string{"a"}}}},
			wantErr: ErrInvalid,
			wantMsg: `toposort: invalid constraint: item in group "a" cannot be ordered against its own group`,
		},
		{
			name:    "after ungrouped",
			adds:    []add{{"a", Options{Tag: "a", After: []string{Ungrouped}}}},
			wantErr: ErrInvalid,
			wantMsg: `toposort: invalid constraint: item in group "a" cannot be ordered against ungrouped items`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Sorter[string]
			var before []string
			var err error
			for _, a := range tt.adds {
				before = append([]string(nil), s.Nodes()...)
				if err = s.Add(a.node, a.opts); err != nil {
					break
				}
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("message = %q, want %q", err.Error(), tt.wantMsg)
			}
			if diff := cmp.Diff(before, s.Nodes()); diff != "" {
				t.Errorf("a refused Add changed the order (-before +after):\n%s", diff)
			}
		})
	}
}

// assertValid checks every constraint of every item holds in s's order.
func assertValid[T any](t *testing.T, s *Sorter[T]) {
	t.Helper()
	pos := map[int]int{}
	for i, it := range s.items {
		pos[it.seq] = i
	}
	for _, it := range s.items {
		for _, other := range s.items {
			for _, g := range it.before {
				if other.group == g && pos[it.seq] > pos[other.seq] {
					t.Fatalf("item %d (group %q) must come before group %q but sits after item %d", it.seq, it.group, g, other.seq)
				}
			}
			for _, g := range it.after {
				if other.group == g && pos[it.seq] < pos[other.seq] {
					t.Fatalf("item %d (group %q) must come after group %q but sits before item %d", it.seq, it.group, g, other.seq)
				}
			}
		}
	}
}
