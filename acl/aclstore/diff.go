package aclstore

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// ChangeKind says how a role, grant or resource differs between two sets.
type ChangeKind string

// The kinds of change.
const (
	Added   ChangeKind = "added"
	Removed ChangeKind = "removed"
	Changed ChangeKind = "changed"
)

// RoleChange is how one role differs between two sets. An added role
// lists everything it has as added, a removed one everything it had as
// removed, so that a review sees what a change grants or takes away.
type RoleChange struct {
	Role string     `json:"role"`
	Kind ChangeKind `json:"kind"`
	// Fields are the roles row's columns and the strategy that differ.
	Fields []FieldChange `json:"fields,omitempty"`
	// Actions are the grants that differ, by path.
	Actions         []ActionChange   `json:"actions,omitempty"`
	SnippetsAdded   []string         `json:"snippetsAdded,omitempty"`
	SnippetsRemoved []string         `json:"snippetsRemoved,omitempty"`
	Resources       []ResourceChange `json:"resources,omitempty"`
}

// FieldChange is a column whose value differs, as JSON.
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// ActionChange is a grant added, removed, or granted with other params.
type ActionChange struct {
	Path string     `json:"path"`
	Kind ChangeKind `json:"kind"`
	From acl.Params `json:"from,omitempty"`
	To   acl.Params `json:"to,omitempty"`
}

// ResourceChange is a resource configuration added, removed, or changed
// (usingActionsConfig, or its inactive actions).
type ResourceChange struct {
	Name string        `json:"name"`
	Kind ChangeKind    `json:"kind"`
	From *ResourceJSON `json:"from,omitempty"`
	To   *ResourceJSON `json:"to,omitempty"`
}

// Diff compares two sets role by role and returns the roles that differ,
// sorted by name, each with its differences sorted. A nil set is empty.
// Roles are compared as Import would store them: a grant's resource
// listed or not, an empty filter or none, read the same. Diff has no ACL,
// so a strategy named in one set and inline in the other differs even when
// the ACL's strategy has those options; compare exports to see what the
// tables hold.
func Diff(from, to *RoleSet) []RoleChange {
	a, b := rolesByName(from), rolesByName(to)
	names := slices.Sorted(maps.Keys(a))
	for name := range b {
		if _, ok := a[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var out []RoleChange
	for _, name := range names {
		old, inOld := a[name]
		cur, inNew := b[name]
		c := RoleChange{Role: name, Kind: Changed}
		switch {
		case !inOld:
			c.Kind, old = Added, normalizedRole(RoleJSON{Role: name})
		case !inNew:
			c.Kind, cur = Removed, normalizedRole(RoleJSON{Role: name})
		}
		c.Fields = diffFields(&old, &cur)
		c.Actions = diffActions(old.Actions, cur.Actions)
		c.SnippetsAdded, c.SnippetsRemoved = diffLists(old.Snippets, cur.Snippets)
		c.Resources = diffResources(old.Resources, cur.Resources)
		if c.Kind == Changed && c.empty() {
			continue
		}
		out = append(out, c)
	}
	return out
}

func (c *RoleChange) empty() bool {
	return len(c.Fields)+len(c.Actions)+len(c.SnippetsAdded)+len(c.SnippetsRemoved)+len(c.Resources) == 0
}

func rolesByName(set *RoleSet) map[string]RoleJSON {
	out := map[string]RoleJSON{}
	if set == nil {
		return out
	}
	for _, r := range set.Roles {
		out[r.Role] = normalizedRole(r)
	}
	return out
}

// diffFields compares the columns in the order a roles row lists them.
func diffFields(a, b *RoleJSON) []FieldChange {
	var out []FieldChange
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"title", a.Title, b.Title},
		{"description", a.Description, b.Description},
		{"strategy", a.Strategy, b.Strategy},
		{"allowConfigure", a.AllowConfigure, b.AllowConfigure},
		{"allowNewMenu", a.AllowNewMenu, b.AllowNewMenu},
		{"default", a.Default, b.Default},
		{"hidden", a.Hidden, b.Hidden},
		{"sort", a.Sort, b.Sort},
	} {
		if from, to := canonical(f.a), canonical(f.b); from != to {
			out = append(out, FieldChange{Field: f.name, From: from, To: to})
		}
	}
	return out
}

func diffActions(a, b map[string]acl.Params) []ActionChange {
	var out []ActionChange
	for _, path := range unionKeys(a, b) {
		pa, inA := a[path]
		pb, inB := b[path]
		switch {
		case !inA:
			out = append(out, ActionChange{Path: path, Kind: Added, To: pb})
		case !inB:
			out = append(out, ActionChange{Path: path, Kind: Removed, From: pa})
		case canonical(pa) != canonical(pb):
			out = append(out, ActionChange{Path: path, Kind: Changed, From: pa, To: pb})
		}
	}
	return out
}

func diffResources(a, b []ResourceJSON) []ResourceChange {
	index := func(l []ResourceJSON) map[string]*ResourceJSON {
		m := make(map[string]*ResourceJSON, len(l))
		for i := range l {
			m[l[i].Name] = &l[i]
		}
		return m
	}
	ma, mb := index(a), index(b)
	var out []ResourceChange
	for _, name := range unionKeys(ma, mb) {
		ra, rb := ma[name], mb[name]
		switch {
		case ra == nil:
			out = append(out, ResourceChange{Name: name, Kind: Added, To: rb})
		case rb == nil:
			out = append(out, ResourceChange{Name: name, Kind: Removed, From: ra})
		case canonical(ra) != canonical(rb):
			out = append(out, ResourceChange{Name: name, Kind: Changed, From: ra, To: rb})
		}
	}
	return out
}

// diffLists returns what b has that a lacks, and what a has that b lacks.
func diffLists(a, b []string) (added, removed []string) {
	for _, s := range b {
		if !slices.Contains(a, s) {
			added = append(added, s)
		}
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			removed = append(removed, s)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	return added, removed
}

func unionKeys[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// String renders the change for review, one line per difference, as a
// diff summary reads: "+" added, "-" removed, "~" changed.
//
//	~ role member
//	    title: "Member" -> "Members"
//	    + posts:create {"fields":["title"]}
//	    ~ posts:update {} -> {"own":true}
//	    - snippet !pm.*
func (c RoleChange) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s role %s\n", kindMark(c.Kind), c.Role)
	for _, f := range c.Fields {
		fmt.Fprintf(&b, "    %s: %s -> %s\n", f.Field, f.From, f.To)
	}
	for _, a := range c.Actions {
		switch a.Kind {
		case Added:
			fmt.Fprintf(&b, "    + %s %s\n", a.Path, canonical(nonNilParams(a.To)))
		case Removed:
			fmt.Fprintf(&b, "    - %s %s\n", a.Path, canonical(nonNilParams(a.From)))
		default:
			fmt.Fprintf(&b, "    ~ %s %s -> %s\n", a.Path, canonical(nonNilParams(a.From)), canonical(nonNilParams(a.To)))
		}
	}
	for _, s := range c.SnippetsAdded {
		fmt.Fprintf(&b, "    + snippet %s\n", s)
	}
	for _, s := range c.SnippetsRemoved {
		fmt.Fprintf(&b, "    - snippet %s\n", s)
	}
	for _, r := range c.Resources {
		switch r.Kind {
		case Added:
			fmt.Fprintf(&b, "    + resource %s %s\n", r.Name, resourceText(r.To))
		case Removed:
			fmt.Fprintf(&b, "    - resource %s %s\n", r.Name, resourceText(r.From))
		default:
			fmt.Fprintf(&b, "    ~ resource %s %s -> %s\n", r.Name, resourceText(r.From), resourceText(r.To))
		}
	}
	return b.String()
}

func kindMark(k ChangeKind) string {
	switch k {
	case Added:
		return "+"
	case Removed:
		return "-"
	}
	return "~"
}

func resourceText(r *ResourceJSON) string {
	s := fmt.Sprintf("usingActionsConfig=%v", r.UsingActionsConfig)
	if len(r.InactiveActions) > 0 {
		s += " inactiveActions=" + canonical(r.InactiveActions)
	}
	return s
}
