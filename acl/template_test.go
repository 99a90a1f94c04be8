package acl

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testdata/templates.json: filters filled by the reference's
// parseJsonTemplate for a user, role and time zone.
func TestTemplatesMatchReference(t *testing.T) {
	var cases []struct {
		Name     string
		Filter   map[string]any
		State    map[string]any
		Timezone string
		Expected json.RawMessage
	}
	loadJSON(t, "testdata/templates.json", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			ctx := contextFromState(c.State)
			got, _ := json.Marshal(fillTemplates(c.Filter, varsFrom(ctx, stateFrom(ctx).user), c.Timezone))
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

// contextFromState builds a request context from a reference ctx.state.
func contextFromState(state map[string]any) context.Context {
	ctx := context.Background()
	if user, ok := state["currentUser"].(map[string]any); ok {
		ctx = WithUserRecord(ctx, user)
	}
	if role, ok := state["currentRole"].(string); ok {
		ctx = WithRole(ctx, role)
	}
	if roles, ok := state["currentRoles"].([]any); ok {
		var names []string
		for _, r := range roles {
			names = append(names, r.(string))
		}
		ctx = WithRoles(ctx, names...)
	}
	return ctx
}
