package users

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// readScope is what one request may read, per collection, from
// ActionContext.Readable, resolved the way resourcer/crud resolves it:
// the ACL names the action's own collection by the resource name and an
// association's target by its table name.
type readScope struct {
	fn   func(collection string) (fields []string, all bool) // nil: every field that is not hidden
	main *filterop.Schema
	name string
	// own is what the action's own grant lets it read of main, beyond
	// what Readable says (which counts list and get grants only): the
	// fields and appends the ACL left in the params (it bounds both by
	// the grant), or everything when it left no fields limit.
	own    []string
	ownAll bool
	cache  map[*filterop.Schema]*readSet
}

// readSet is one collection's readable fields and associations.
type readSet struct {
	all       bool
	fields    map[*filterop.Field]bool
	relations map[*filterop.Relation]bool
}

// newReadScope is the read scope of an action that reads main itself (a
// list of its own): its grant's fields count as readable of main.
func newReadScope(ac *resourcer.ActionContext, main *filterop.Schema) (*readScope, error) {
	name := ac.ResourceName
	if name == "" {
		name = main.Table
	}
	fields, err := nameList(ac.Params, "fields")
	if err != nil {
		return nil, err
	}
	appends, err := nameList(ac.Params, "appends")
	if err != nil {
		return nil, err
	}
	own := append(slices.Clone(fields), appends...)
	return &readScope{fn: ac.Readable, main: main, name: name, own: own, ownAll: fields == nil, cache: map[*filterop.Schema]*readSet{}}, nil
}

// set returns what may be read of the collection s describes. A grant's
// fields may hold association paths ("departments.title"): their first
// segment makes the association readable.
func (rs *readScope) set(s *filterop.Schema) *readSet {
	if rs.fn == nil {
		return &readSet{all: true}
	}
	if set, ok := rs.cache[s]; ok {
		return set
	}
	collection := s.Table
	if s == rs.main {
		collection = rs.name
	}
	names, all := rs.fn(collection)
	if s == rs.main {
		names, all = append(slices.Clone(names), rs.own...), all || rs.ownAll
	}
	set := &readSet{all: all, fields: map[*filterop.Field]bool{}, relations: map[*filterop.Relation]bool{}}
	for _, n := range names {
		head, _, _ := strings.Cut(n, ".")
		if f, ok := s.Field(head); ok {
			set.fields[f] = true
		}
		if rel, ok := s.Relation(head); ok {
			set.relations[rel] = true
		}
	}
	rs.cache[s] = set
	return set
}

// field reports whether f may be read and filtered on. Hidden fields never
// may; the primary key always may, being the record's identity.
func (set *readSet) field(f *filterop.Field) bool {
	return !f.Hidden && (set.all || set.fields[f] || f.Bun().IsPK)
}

func (set *readSet) relation(rel *filterop.Relation) bool {
	return set.all || set.relations[rel]
}

// guard is the filterop.FieldGuard for the request's own filter. A name
// the request may not read answers as one that does not exist, so that an
// answer never tells which columns exist.
func (rs *readScope) guard(s *filterop.Schema, name string) error {
	set := rs.set(s)
	if rel, ok := s.Relation(name); ok {
		if !set.relation(rel) {
			return fmt.Errorf("%s is not an association of %s", name, s.Table)
		}
		return nil
	}
	if f, ok := s.Field(name); ok && !set.field(f) {
		return fmt.Errorf("%s has no field %s", s.Table, name)
	}
	return nil
}
