package acl

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

func TestReplaceRoles(t *testing.T) {
	a := strictACL(t)
	if _, err := a.Define(RoleOptions{Name: "old", Strategy: "member"}); err != nil {
		t.Fatal(err)
	}
	err := a.ReplaceRoles([]RoleOptions{
		{Name: "editor", Strategy: "member", Actions: map[string]Params{"posts:update": {"fields": []string{"title"}}}},
		{Name: "viewer", Snippets: []string{"pm.*"}},
	}, []string{"old", "never-defined"})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Roles(); !slices.Equal(got, []string{"editor", "viewer"}) {
		t.Fatalf("roles %v", got)
	}
	if res, ok := a.Can(CanArgs{Role: "editor", Resource: "posts", Action: "update"}); !ok || res.Params["whitelist"] == nil {
		t.Errorf("editor posts:update = %v, %v", res, ok)
	}
	if _, ok := a.Can(CanArgs{Role: "viewer", Resource: "users", Action: "list"}); !ok {
		t.Error("viewer's snippet does not allow users:list")
	}
	if _, ok := a.Can(CanArgs{Role: "old", Resource: "posts", Action: "list"}); ok {
		t.Error("the removed role still answers")
	}
	// A name both defined and removed is defined.
	if err := a.ReplaceRoles([]RoleOptions{{Name: "viewer", Strategy: "member"}}, []string{"viewer"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Can(CanArgs{Role: "viewer", Resource: "posts", Action: "list"}); !ok {
		t.Error("the redefined viewer does not answer")
	}
}

func TestReplaceRolesRefusedChangesNothing(t *testing.T) {
	a := strictACL(t)
	if _, err := a.Define(RoleOptions{Name: "keep", Strategy: "member"}); err != nil {
		t.Fatal(err)
	}
	before := a.snap.Load()
	cases := []struct {
		name   string
		define []RoleOptions
		want   string
		is     error
	}{
		{"bad param in the second role", []RoleOptions{
			{Name: "a", Strategy: "member"},
			{Name: "b", Actions: map[string]Params{"posts:list": {"filtr": Params{}}}},
		}, `role "b": acl: unknown param "filtr" in posts:list (did you mean "filter"?)`, ErrInvalidParams},
		{"unknown strategy", []RoleOptions{{Name: "a", Strategy: "membr"}}, "", ErrUnknownName},
		{"twice", []RoleOptions{{Name: "a"}, {Name: "a"}}, "", ErrInvalidOptions},
		{"no name", []RoleOptions{{Name: ""}}, "", ErrInvalidOptions},
	}
	for _, c := range cases {
		err := a.ReplaceRoles(c.define, []string{"keep"})
		if !errors.Is(err, c.is) || (c.want != "" && err.Error() != c.want) {
			t.Errorf("%s: error %v, want %v %q", c.name, err, c.is, c.want)
		}
		if a.snap.Load() != before || !slices.Equal(a.Roles(), []string{"keep"}) {
			t.Errorf("%s: a refused ReplaceRoles changed the ACL: %v", c.name, a.Roles())
		}
	}
}

func TestCheckRole(t *testing.T) {
	a := strictACL(t)
	before := a.snap.Load()
	if err := a.CheckRole(RoleOptions{Name: "ok", Strategy: "member", Snippets: []string{"pm.*"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.CheckRole(RoleOptions{Name: "bad", Actions: map[string]Params{"posts": {}}}); !errors.Is(err, ErrInvalidPath) {
		t.Errorf("bad path: %v", err)
	}
	if len(a.Roles()) != 0 || a.snap.Load() != before {
		t.Errorf("CheckRole changed the ACL: %v", a.Roles())
	}
}

// TestReplaceRolesIsOneChange: readers never see some of a replacement's
// roles without the others. Replacement i grants both roles a filter
// {v: i}; b is read after a, so it may be newer, never older.
func TestReplaceRolesIsOneChange(t *testing.T) {
	a := strictACL(t)
	step := func(i int) []RoleOptions {
		grant := map[string]Params{"posts:list": {"filter": Params{"v": i}}}
		return []RoleOptions{{Name: "a", Actions: grant}, {Name: "b", Actions: grant}}
	}
	version := func(role string) int {
		res, ok := a.Can(CanArgs{Role: role, Resource: "posts", Action: "list"})
		if !ok {
			return -1
		}
		v, err := strconv.Atoi(fmt.Sprint(res.Params["filter"].(Params)["v"]))
		if err != nil {
			t.Error(err)
		}
		return v
	}
	if err := a.ReplaceRoles(step(0), nil); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var torn atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if va, vb := version("a"), version("b"); vb < va {
					torn.Add(1)
				}
			}
		}()
	}
	for i := 1; i <= 2000; i++ {
		if err := a.ReplaceRoles(step(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if n := torn.Load(); n > 0 {
		t.Fatalf("%d reads saw b older than a: a replacement was published in parts", n)
	}
	if version("a") != 2000 || version("b") != 2000 {
		t.Fatalf("after the last replacement: a %d, b %d", version("a"), version("b"))
	}
}

// TestRoleOptionsResources: a resource configured without grants is
// closed to the strategy, as after RevokeAction.
func TestRoleOptionsResources(t *testing.T) {
	a := strictACL(t)
	if _, err := a.Define(RoleOptions{Name: "m", Strategy: "member", Resources: []string{"salaries"}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Can(CanArgs{Role: "m", Resource: "salaries", Action: "list"}); ok {
		t.Error("the strategy still applies to a configured resource")
	}
	if _, ok := a.Can(CanArgs{Role: "m", Resource: "posts", Action: "list"}); !ok {
		t.Error("the strategy no longer applies elsewhere")
	}
	for _, bad := range []string{"", "salaries:list"} {
		if _, err := a.Define(RoleOptions{Name: "b", Resources: []string{bad}}); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("resource %q: %v", bad, err)
		}
	}
}
