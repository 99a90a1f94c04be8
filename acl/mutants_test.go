package acl

import (
	"encoding/json"
	"testing"
)

// Tests that kill bugs planted in the merge rules (issue #10) which the
// rest of the suite let through. Each names the bug it guards against.

func jsonOf(t *testing.T, s string) Params {
	t.Helper()
	var p Params
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatalf("bad JSON %s: %v", s, err)
	}
	return p
}

// TestRoleUnionKeepsKeysBesideOr: a role filter that has $or next to other
// keys enters the union whole. Splitting it into its $or terms (as
// NocoBase does) would drop createdById and let the author role's union
// read every draft, whoever wrote it.
func TestRoleUnionKeepsKeysBesideOr(t *testing.T) {
	a := New()
	author := `{"$or":[{"status":"draft"},{"status":"review"}],"createdById":5}`
	mustDefine(t, a, RoleOptions{Name: "author", Actions: map[string]Params{"posts:list": jsonOf(t, `{"filter":`+author+`}`)}})
	mustDefine(t, a, RoleOptions{Name: "reader", Actions: map[string]Params{"posts:list": jsonOf(t, `{"filter":{"featured":true}}`)}})
	tests := []struct {
		roles []string
		want  string
	}{
		{[]string{"author", "reader"}, `{"role":"author","resource":"posts","action":"list","params":{"filter":{"$or":[{"featured":true},` + author + `]}}}`},
		{[]string{"reader", "author"}, `{"role":"reader","resource":"posts","action":"list","params":{"filter":{"$or":[` + author + `,{"featured":true}]}}}`},
	}
	for _, tt := range tests {
		wantJSON(t, canPtr(a, CanArgs{Roles: tt.roles, Resource: "posts", Action: "list"}), tt.want)
	}
}

// TestFixedParamsBlacklistsUnite: NocoBase's FixedParamsManager intersects
// the blacklists of several fixed params, so each one's protected fields
// become writable as soon as another is added; here they unite.
func TestFixedParamsBlacklistsUnite(t *testing.T) {
	a := New()
	a.AddFixedParams("posts", "update", func() Params { return jsonOf(t, `{"blacklist":["password","token"]}`) })
	a.AddFixedParams("posts", "update", func() Params { return jsonOf(t, `{"blacklist":["token","salary"]}`) })
	wantJSON(t, a.snap.Load().shared.fixedParams("posts", "update"), `{"blacklist":["password","token","salary"]}`)
}
