package acl

import (
	"encoding/json"
	"testing"
)

// testdata/merge.json: request params merged with ACL params (templates
// filled from the user and role) by the reference's resolvePermissionParams.
func TestMergeMatchesReference(t *testing.T) {
	var cases []struct {
		Name     string
		Raw      Params
		ACL      Params
		State    map[string]any
		Expected json.RawMessage
	}
	loadJSON(t, "testdata/merge.json", &cases)
	s := New().snap.Load()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			ctx := contextFromState(c.State)
			aclParams, err := normalizeParams(c.ACL)
			if err != nil {
				t.Fatal(err)
			}
			can := &CanResult{Role: "r", Resource: "posts", Action: "list", Params: aclParams}
			_, _, merged, err := s.resolvePermissionParams(ctx, can, false, "posts", "list", c.Raw, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(merged)
			if diff := jsonDiff(c.Expected, got); diff != "" {
				t.Errorf("raw %v acl %v (-reference +got):\n%s", c.Raw, c.ACL, diff)
			}
		})
	}
}
