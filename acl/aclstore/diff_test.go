package aclstore_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
)

// ioDiffSets are two crafted sets in which every kind of change occurs:
// a role added and one removed; columns, the strategy, grants (added,
// removed, params changed), snippet rules and resources (added, removed,
// changed) of a role that stays; and a role that differs only in how it is
// written (a grant's resource implied, an empty filter), which is no
// change.
func ioDiffSets() (from, to *aclstore.RoleSet) {
	from = &aclstore.RoleSet{Version: 1, Roles: []aclstore.RoleJSON{
		{Role: "editor", Title: "Editor", Sort: 1,
			Strategy: &aclstore.RoleStrategy{Options: &acl.StrategyOptions{Actions: []string{"view"}}},
			Actions: map[string]acl.Params{
				"posts:update":  {"fields": []any{"title"}},
				"posts:destroy": {},
				"posts:view":    {"own": true},
			},
			Snippets: []string{"!pm.*", "ui.*"},
			Resources: []aclstore.ResourceJSON{
				{Name: "posts", UsingActionsConfig: true},
				{Name: "tags"},
				{Name: "files", InactiveActions: map[string]acl.Params{"view": {}}},
			}},
		{Role: "guest", Title: "Guest"},
		{Role: "member", Actions: map[string]acl.Params{"posts:view": {"filter": map[string]any{}}}},
	}}
	to = &aclstore.RoleSet{Version: 1, Roles: []aclstore.RoleJSON{
		{Role: "member", Actions: map[string]acl.Params{"posts:view": {}},
			Resources: []aclstore.ResourceJSON{{Name: "posts", UsingActionsConfig: true}}},
		{Role: "editor", Title: "Editors", Sort: 1, Default: true,
			Strategy: &aclstore.RoleStrategy{Options: &acl.StrategyOptions{Actions: []string{"view", "update:own"}}},
			Actions: map[string]acl.Params{
				"posts:update": {"fields": []any{"title", "body"}},
				"posts:view":   {"own": true},
				"posts:create": {"fields": []any{"title"}},
			},
			Snippets: []string{"!pm.*", "pm.users"},
			Resources: []aclstore.ResourceJSON{
				{Name: "posts", UsingActionsConfig: true},
				{Name: "comments", UsingActionsConfig: true},
				{Name: "files", UsingActionsConfig: true},
			}},
		{Role: "admin", Title: "Admin", Snippets: []string{"pm.*"}, Actions: map[string]acl.Params{"users:destroy": {}}},
	}}
	return from, to
}

func TestDiff(t *testing.T) {
	from, to := ioDiffSets()
	got := aclstore.Diff(from, to)
	want := []aclstore.RoleChange{
		{Role: "admin", Kind: aclstore.Added,
			Fields:        []aclstore.FieldChange{{Field: "title", From: `""`, To: `"Admin"`}},
			Actions:       []aclstore.ActionChange{{Path: "users:destroy", Kind: aclstore.Added, To: acl.Params{}}},
			SnippetsAdded: []string{"pm.*"},
			Resources:     []aclstore.ResourceChange{{Name: "users", Kind: aclstore.Added, To: &aclstore.ResourceJSON{Name: "users", UsingActionsConfig: true}}}},
		{Role: "editor", Kind: aclstore.Changed,
			Fields: []aclstore.FieldChange{
				{Field: "title", From: `"Editor"`, To: `"Editors"`},
				{Field: "strategy", From: `{"actions":["view"],"allowConfigure":false}`, To: `{"actions":["view","update:own"],"allowConfigure":false}`},
				{Field: "default", From: "false", To: "true"},
			},
			Actions: []aclstore.ActionChange{
				{Path: "posts:create", Kind: aclstore.Added, To: acl.Params{"fields": []string{"title"}}},
				{Path: "posts:destroy", Kind: aclstore.Removed, From: acl.Params{}},
				{Path: "posts:update", Kind: aclstore.Changed, From: acl.Params{"fields": []string{"title"}}, To: acl.Params{"fields": []string{"title", "body"}}},
			},
			SnippetsAdded:   []string{"pm.users"},
			SnippetsRemoved: []string{"ui.*"},
			Resources: []aclstore.ResourceChange{
				{Name: "comments", Kind: aclstore.Added, To: &aclstore.ResourceJSON{Name: "comments", UsingActionsConfig: true}},
				{Name: "files", Kind: aclstore.Changed,
					From: &aclstore.ResourceJSON{Name: "files", InactiveActions: map[string]acl.Params{"view": {}}},
					To:   &aclstore.ResourceJSON{Name: "files", UsingActionsConfig: true}},
				{Name: "tags", Kind: aclstore.Removed, From: &aclstore.ResourceJSON{Name: "tags"}},
			}},
		{Role: "guest", Kind: aclstore.Removed,
			Fields: []aclstore.FieldChange{{Field: "title", From: `"Guest"`, To: `""`}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Diff (-want +got):\n%s", diff)
	}

	var text strings.Builder
	for _, c := range got {
		text.WriteString(c.String())
	}
	wantText := `+ role admin
    title: "" -> "Admin"
    + users:destroy {}
    + snippet pm.*
    + resource users usingActionsConfig=true
~ role editor
    title: "Editor" -> "Editors"
    strategy: {"actions":["view"],"allowConfigure":false} -> {"actions":["view","update:own"],"allowConfigure":false}
    default: false -> true
    + posts:create {"fields":["title"]}
    - posts:destroy {}
    ~ posts:update {"fields":["title"]} -> {"fields":["title","body"]}
    + snippet pm.users
    - snippet ui.*
    + resource comments usingActionsConfig=true
    ~ resource files usingActionsConfig=false inactiveActions={"view":{}} -> usingActionsConfig=true
    - resource tags usingActionsConfig=false
- role guest
    title: "Guest" -> ""
`
	if diff := cmp.Diff(wantText, text.String()); diff != "" {
		t.Errorf("String (-want +got):\n%s", diff)
	}
}

// TestDiffOfEqualSets is empty for a set against itself, against a
// differently ordered copy, and for two nil sets; and the same whichever
// run (map order must not leak into the result).
func TestDiffOfEqualSets(t *testing.T) {
	from, to := ioDiffSets()
	if d := aclstore.Diff(from, from); len(d) != 0 {
		t.Errorf("Diff(x, x) = %v", d)
	}
	if d := aclstore.Diff(nil, nil); len(d) != 0 {
		t.Errorf("Diff(nil, nil) = %v", d)
	}
	reversed := &aclstore.RoleSet{Version: 1}
	for i := len(to.Roles) - 1; i >= 0; i-- {
		reversed.Roles = append(reversed.Roles, to.Roles[i])
	}
	if d := aclstore.Diff(to, reversed); len(d) != 0 {
		t.Errorf("Diff of a reordered copy = %v", d)
	}
	first := aclstore.Diff(from, to)
	for range 20 {
		if d := aclstore.Diff(from, to); !cmp.Equal(first, d) {
			t.Fatalf("Diff is not deterministic:\n%v\n%v", first, d)
		}
	}
	if removed := aclstore.Diff(to, nil); len(removed) != 3 || removed[0].Kind != aclstore.Removed {
		t.Errorf("Diff(to, nil) = %v, want every role removed", removed)
	}
}
