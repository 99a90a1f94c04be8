package acl

import (
	"encoding/json"
	"testing"
)

// The shape testdata/merge.json must keep (see TestMergeCorpusIsVaried): a
// corpus whose generator draws the same values every time compares nothing.
const (
	mergeCorpusCases = 600
	// mergeMinBothSides is how many cases must set a param key in both the
	// request and the grant, for every key a grant may carry.
	mergeMinBothSides = 100
	// mergeMinStates is how many distinct ctx.states fill the templates.
	mergeMinStates = 4
)

// mergeCase is a case of testdata/merge.json: request params merged with
// ACL params (templates filled from the user and role in State) by the
// reference's resolvePermissionParams; Expected is its merged params, or
// {"error": message} when it threw.
type mergeCase struct {
	Name     string
	Raw      Params
	ACL      Params
	State    map[string]any
	Expected json.RawMessage
}

func loadMergeCases(t *testing.T) []mergeCase {
	t.Helper()
	var cases []mergeCase
	loadJSON(t, "testdata/merge.json", &cases)
	return cases
}

// Every case of testdata/merge.json runs; the ones in mergeDifferences are
// checked against the answer listed there, which must differ from the
// reference's, and every other one against the reference's.
func TestMergeMatchesReference(t *testing.T) {
	cases := loadMergeCases(t)
	s := New().snap.Load()
	seen := 0
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			ctx := contextFromState(c.State)
			aclParams, err := normalizeParams(c.ACL)
			if err != nil {
				t.Fatal(err)
			}
			can := &CanResult{Role: "r", Resource: "posts", Action: "list", Params: aclParams}
			_, _, merged, err := s.resolvePermissionParams(ctx, can, false, "posts", "list", c.Raw, nil, "")
			got, _ := json.Marshal(merged)
			if err != nil {
				got, _ = json.Marshal(err.Error())
			}
			want := c.Expected
			if d, ok := mergeDifferences[c.Name]; ok {
				seen++
				if jsonDiff(c.Expected, json.RawMessage(d.want)) == "" {
					t.Fatalf("listed as a difference (%s) but the reference answers the same", d.reason)
				}
				want = json.RawMessage(d.want)
			}
			if diff := jsonDiff(want, got); diff != "" {
				t.Errorf("raw %v acl %v (-want +got):\n%s", c.Raw, c.ACL, diff)
			}
		})
	}
	if seen != len(mergeDifferences) {
		t.Errorf("%d of %d listed differences are cases of merge.json", seen, len(mergeDifferences))
	}
}

// TestMergeCorpusIsVaried checks testdata/merge.json itself: its size, that
// every param key a grant may carry is set on both sides often and with
// more than one value on each, that the templates see several users, and
// that most cases are compared with the reference rather than listed as
// differences.
func TestMergeCorpusIsVaried(t *testing.T) {
	cases := loadMergeCases(t)
	if len(cases) != mergeCorpusCases {
		t.Fatalf("merge.json has %d cases, want %d", len(cases), mergeCorpusCases)
	}
	for _, key := range builtinParamKeys {
		both := 0
		rawValues, aclValues := map[string]bool{}, map[string]bool{}
		for _, c := range cases {
			rv, inRaw := c.Raw[key]
			av, inACL := c.ACL[key]
			if inRaw {
				rawValues[mustJSON(t, rv)] = true
			}
			if inACL {
				aclValues[mustJSON(t, av)] = true
			}
			if inRaw && inACL {
				both++
			}
		}
		if both < mergeMinBothSides {
			t.Errorf("%s is set on both sides in %d cases, want at least %d", key, both, mergeMinBothSides)
		}
		if len(rawValues) < 2 || len(aclValues) < 2 {
			t.Errorf("%s takes %d distinct values in requests and %d in grants, want at least 2 each", key, len(rawValues), len(aclValues))
		}
	}
	states := map[string]bool{}
	for _, c := range cases {
		states[mustJSON(t, c.State)] = true
	}
	if len(states) < mergeMinStates {
		t.Errorf("%d distinct states, want at least %d", len(states), mergeMinStates)
	}
	if compared := len(cases) - len(mergeDifferences); compared < len(cases)/2 {
		t.Errorf("%d of %d cases are compared with the reference, want at least half", compared, len(cases))
	}
}
