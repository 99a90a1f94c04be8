package tabular_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

var pathMapping = tabular.Options{Mapping: tabular.Mapping{UID: "id", DepartmentPath: "path"}}

func threeRows() *memTable {
	return &memTable{header: []string{"id", "path"}, rows: [][]string{{"e1", "Sales"}, {"e2", "R&D"}, {"e1", "R&D"}}}
}

// TestPullTableErrors: an error of the table in either pass is returned
// wrapped, and matches ErrIncomplete too, so nothing reads as deleted.
func TestPullTableErrors(t *testing.T) {
	lost := errors.New("connection lost")
	for _, c := range []struct {
		name     string
		sabotage func(*memTable)
	}{
		{"open, pass 1", func(m *memTable) {
			m.beforeOpen = func(int, *memTable) error { return lost }
		}},
		{"open, pass 2", func(m *memTable) {
			m.beforeOpen = func(pass int, _ *memTable) error {
				if pass == 2 {
					return lost
				}
				return nil
			}
		}},
		{"next, pass 1", func(m *memTable) { m.failNext, m.failPass, m.failAt = lost, 1, 1 }},
		{"next, pass 2", func(m *memTable) { m.failNext, m.failPass, m.failAt = lost, 2, 2 }},
		{"close, pass 2", func(m *memTable) { m.failClose, m.failPass = lost, 2 }},
		{"a row error of the table's own parser", func(m *memTable) {
			m.failNext, m.failPass, m.failAt = &tabular.RowError{Table: "people.csv", Line: 3, Reason: "bare quote"}, 1, 1
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := threeRows()
			c.sabotage(m)
			_, err := pull(t, m, pathMapping)
			if !errors.Is(err, datasync.ErrIncomplete) {
				t.Fatalf("Pull: %v; want ErrIncomplete", err)
			}
			if !errors.Is(err, lost) && !errors.Is(err, tabular.ErrRow) {
				t.Fatalf("Pull: %v; want the table's error wrapped", err)
			}
			if strings.Count(err.Error(), "people.csv") != 1 {
				t.Fatalf("Pull: %v; want the table named once", err)
			}
		})
	}
}

// TestPullTableChanged: a second pass that does not see the rows of the
// first fails as incomplete, whatever changed.
func TestPullTableChanged(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*memTable)
	}{
		{"a row added", func(m *memTable) { m.rows = append(m.rows, []string{"e2", "Sales"}) }},
		{"a row removed", func(m *memTable) { m.rows = m.rows[:2] }},
		{"a new user", func(m *memTable) { m.rows[1] = []string{"e9", "R&D"} }},
		{"a new department", func(m *memTable) { m.rows[1] = []string{"e2", "Legal"} }},
		{"a user moved to another row", func(m *memTable) { m.rows[0] = []string{"e2", "Sales"} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := threeRows()
			m.beforeOpen = func(pass int, m *memTable) error {
				if pass == 2 {
					c.change(m)
				}
				return nil
			}
			_, err := pull(t, m, pathMapping)
			if !errors.Is(err, datasync.ErrIncomplete) || !strings.Contains(err.Error(), "changed between the two passes") {
				t.Fatalf("Pull: %v; want ErrIncomplete for a changed table", err)
			}
		})
	}
}

func TestPullCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src, err := tabular.NewSource(threeRows(), pathMapping)
	if err != nil {
		t.Fatal(err)
	}
	var emitted []datasync.DataType
	err = src.Pull(ctx, func(d datasync.UserData) error {
		emitted = append(emitted, d.DataType)
		cancel() // between the passes: the second stops at its first row
		return nil
	})
	if !errors.Is(err, context.Canceled) || len(emitted) != 1 {
		t.Fatalf("Pull: %v after emitting %v; want context.Canceled after the departments", err, emitted)
	}
}

func TestPullReturnsEmitErrorUnchanged(t *testing.T) {
	refused := errors.New("refused")
	opts := pathMapping
	opts.ChunkSize = 1 // refused in the middle of the records, not at the end
	src, err := tabular.NewSource(threeRows(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []datasync.DataType{datasync.DataTypeDepartment, datasync.DataTypeUser} {
		err := src.Pull(context.Background(), func(d datasync.UserData) error {
			if d.DataType == at {
				return refused
			}
			return nil
		})
		if err != refused {
			t.Fatalf("refusing %s: Pull returned %v; want emit's error itself", at, err)
		}
	}
}
