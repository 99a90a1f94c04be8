package acl

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testdata/templates.json: filters filled by the reference's
// parseJsonTemplate for a user, role and time zone.
func TestTemplatesMatchReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/templates.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name     string
		Filter   map[string]any
		State    map[string]any
		Timezone string
		Expected json.RawMessage
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			if user, ok := c.State["currentUser"].(map[string]any); ok {
				ctx = WithUserRecord(ctx, user)
			}
			if role, ok := c.State["currentRole"].(string); ok {
				ctx = WithRole(ctx, role)
			}
			if roles, ok := c.State["currentRoles"].([]any); ok {
				var names []string
				for _, r := range roles {
					names = append(names, r.(string))
				}
				ctx = WithRoles(ctx, names...)
			}
			got, _ := json.Marshal(fillTemplates(c.Filter, varsFrom(ctx), c.Timezone))
			if diff := jsonDiff(c.Expected, got); diff != "" {
				t.Errorf("filter %v tz %q (-reference +got):\n%s", c.Filter, c.Timezone, diff)
			}
			if !needsTemplating(c.Filter) {
				var want any
				_ = json.Unmarshal(c.Expected, &want)
				if diff := cmp.Diff(want, asJSON(t, c.Filter)); diff != "" {
					t.Errorf("needsTemplating says no change, but the reference changed it:\n%s", diff)
				}
			}
		})
	}
}
