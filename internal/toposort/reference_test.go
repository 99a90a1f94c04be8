package toposort

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// topoCase is one recorded sequence of adds through NocoBase's Toposort
// (@hapi/topo 6.0.2), made by tools/nocobase-oracle/gen/topo_gen.js. Step i
// is the reference's state after add i: the sorted nodes (node i is the
// number i), or the error that add raised.
type topoCase struct {
	Name string
	Adds []struct {
		Group, Tag    string
		Before, After []string
	}
	Steps []struct {
		Nodes   []int
		Error   string // "cycle" or "invalid"
		Message string
	}
}

// The corpus size and the least number of times each feature must occur:
// fewer would mean the generator lost a dimension.
const (
	topoCorpusCases = 3000
	topoMinFeature  = 300
)

func loadTopoCorpus(t *testing.T) []topoCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/topo.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []topoCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != topoCorpusCases {
		t.Fatalf("testdata/topo.json has %d cases, want %d", len(cases), topoCorpusCases)
	}
	return cases
}

// TestSorterMatchesReference replays testdata/topo.json: after every add
// the order must equal the reference's, and an add must fail exactly when
// the reference's did, with the same kind of error (a cycle, wrapping
// ErrCycle with the reference's message; an invalid constraint, wrapping
// ErrInvalid). After a cycle the recorded reference carries on without the
// refused item, as Sorter does.
func TestSorterMatchesReference(t *testing.T) {
	for _, c := range loadTopoCorpus(t) {
		if len(c.Steps) != len(c.Adds) {
			t.Fatalf("%s: %d steps for %d adds", c.Name, len(c.Steps), len(c.Adds))
		}
		var s Sorter[int]
		for i, a := range c.Adds {
			err := s.Add(i, Options{Group: a.Group, Tag: a.Tag, Before: a.Before, After: a.After})
			if msg := checkStep(c, i, err, s.Nodes()); msg != "" {
				t.Errorf("%s add #%d %+v: %s", c.Name, i, a, msg)
				break
			}
		}
	}
}

// checkStep compares Sorter's answer to add i with the reference's, and
// returns what differs.
func checkStep(c topoCase, i int, err error, nodes []int) string {
	want := c.Steps[i]
	switch {
	case want.Error == "" && err != nil:
		return "error " + err.Error() + ", reference ordered " + fmtInts(want.Nodes)
	case want.Error == "":
		if diff := cmp.Diff(want.Nodes, nodes, cmp.Comparer(slices.Equal[[]int])); diff != "" {
			return "order (-reference +got):\n" + diff
		}
	case want.Error == "invalid" && !errors.Is(err, ErrInvalid):
		return "got error " + errString(err) + ", reference refused: " + want.Message
	case want.Error == "cycle" && !errors.Is(err, ErrCycle):
		return "got error " + errString(err) + ", reference found a cycle: " + want.Message
	case want.Error == "cycle":
		// Sorter quotes the group (%q) where hapi prints it bare.
		got := strings.ReplaceAll(strings.TrimPrefix(err.Error(), ErrCycle.Error()+": "), `"`, "")
		if got != want.Message {
			return "cycle message " + strconv.Quote(err.Error()) + ", reference " + strconv.Quote(want.Message)
		}
	}
	return ""
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func fmtInts(l []int) string {
	raw, _ := json.Marshal(l)
	return string(raw)
}

// TestTopoCorpusIsNotDegenerate checks the corpus exercises what Sorter
// must match: groups, tags, ungrouped items, before and after, groups named
// before they exist, constraints that move items out of insertion order,
// cycles, invalid constraints, and adds after a refused one.
func TestTopoCorpusIsNotDegenerate(t *testing.T) {
	counts := map[string]int{}
	for _, c := range loadTopoCorpus(t) {
		countTopoFeatures(c, counts)
	}
	for _, f := range []string{"group", "tag", "ungrouped", "before", "after", "late group", "moved", "cycle", "invalid", "added after a cycle"} {
		if counts[f] < topoMinFeature {
			t.Errorf("%q occurs %d times, want at least %d", f, counts[f], topoMinFeature)
		}
	}
	if counts["ok"] < 10*topoMinFeature {
		t.Errorf("%d adds succeed, want at least %d", counts["ok"], 10*topoMinFeature)
	}
}

func countTopoFeatures(c topoCase, counts map[string]int) {
	seen := map[string]bool{}
	cycled := false
	for i, a := range c.Adds {
		count := func(f string, ok bool) {
			if ok {
				counts[f]++
			}
		}
		count("group", a.Group != "" && a.Group != Ungrouped)
		count("tag", a.Tag != "")
		count("ungrouped", a.Tag == "" && (a.Group == "" || a.Group == Ungrouped))
		count("before", len(a.Before) > 0)
		count("after", len(a.After) > 0)
		late := false
		for _, g := range slices.Concat(a.Before, a.After) {
			late = late || !seen[g] && laterJoins(c, i, g)
		}
		count("late group", late)
		step := c.Steps[i]
		count(step.Error, step.Error != "")
		count("ok", step.Error == "")
		count("added after a cycle", cycled && step.Error == "")
		count("moved", step.Error == "" && !slices.IsSorted(step.Nodes))
		cycled = cycled || step.Error == "cycle"
		if step.Error == "" {
			seen[groupOf(a.Tag, a.Group)] = true
		}
	}
}

// laterJoins reports whether an add after the i-th puts an item in group g.
func laterJoins(c topoCase, i int, g string) bool {
	for j := i + 1; j < len(c.Adds); j++ {
		if c.Steps[j].Error == "" && groupOf(c.Adds[j].Tag, c.Adds[j].Group) == g {
			return true
		}
	}
	return false
}

// groupOf is the group an item joins: its tag, else its group, else
// Ungrouped.
func groupOf(tag, group string) string {
	switch {
	case tag != "":
		return tag
	case group != "":
		return group
	}
	return Ungrouped
}
