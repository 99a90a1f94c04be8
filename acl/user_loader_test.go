package acl_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// TestUserLoaderLoadsOnlyForFieldTemplates checks that a lazily loaded
// user record is read only by templates that name a field other than the
// id, once per request, and that a failed load fails the request instead
// of filling the template with nothing.
func TestUserLoaderLoadsOnlyForFieldTemplates(t *testing.T) {
	a := acl.New()
	if _, err := a.Define(acl.RoleOptions{Name: "member", Actions: map[string]acl.Params{
		"posts:list":  {"filter": map[string]any{"createdById": "{{ ctx.state.currentUser.id }}"}},
		"posts:get":   {"filter": map[string]any{"authorId": "{{$user.id}}"}},
		"notes:list":  {"filter": map[string]any{"team": "{{ ctx.state.currentUser.team }}"}},
		"notes:get":   {"filter": map[string]any{"owner": "{{ $user }}"}},
		"boards:list": {"filter": map[string]any{"state": "{{ ctx.state }}"}},
	}}); err != nil {
		t.Fatal(err)
	}
	var loads int
	var loadErr error
	load := func(context.Context) (map[string]any, error) {
		loads++
		return map[string]any{"id": "ignored", "team": "red"}, loadErr
	}
	newCtx := func() context.Context {
		return a.WithPrincipal(context.Background(), int64(7), load, "member", []string{"member"})
	}
	cases := []struct {
		resource, action string
		loads            int
		filter           map[string]any
	}{
		{"posts", "list", 0, map[string]any{"createdById": json.Number("7")}},
		{"posts", "get", 0, map[string]any{"authorId": json.Number("7")}},
		{"notes", "list", 1, map[string]any{"team": "red"}},
		{"notes", "get", 1, map[string]any{"owner": map[string]any{"id": json.Number("7"), "team": "red"}}},
		{"boards", "list", 1, nil},
	}
	for _, c := range cases {
		loads = 0
		ctx := newCtx()
		got, err := a.ResolveParams(ctx, c.resource, c.action, nil)
		if err != nil {
			t.Fatalf("%s:%s: %v", c.resource, c.action, err)
		}
		if _, err := a.ResolveParams(ctx, c.resource, c.action, nil); err != nil { // the same request again
			t.Fatal(err)
		}
		if loads != c.loads {
			t.Errorf("%s:%s loaded the user %d times; want %d", c.resource, c.action, loads, c.loads)
		}
		if c.filter != nil {
			if diff := cmp.Diff(c.filter, got["filter"]); diff != "" {
				t.Errorf("%s:%s filter (-want +got):\n%s", c.resource, c.action, diff)
			}
		}
	}

	loadErr = errors.New("database is down")
	if _, err := a.ResolveParams(newCtx(), "notes", "list", nil); !errors.Is(err, loadErr) {
		t.Errorf("a failed load: err = %v; want it to fail the request", err)
	}
	if _, err := a.ResolveParams(newCtx(), "posts", "list", nil); err != nil {
		t.Errorf("an id-only template must not need the record: %v", err)
	}
}
