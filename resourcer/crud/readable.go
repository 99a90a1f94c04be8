package crud

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// ReadScope is what one request may read, from
// [resourcer.ActionContext].Readable: per collection, the fields and
// associations its roles may list or get. It is the one implementation of
// the read scope: crud's actions hold requests to it, and so does any
// handler that reads a model outside crud (users:listExcludeRole), so that
// both answer the same request the same way.
//
// A nil *ReadScope (no permission layer set Readable) reads every field
// that is not hidden; every method accepts one.
//
// Collections are named as the ACL names them: the action's own resource
// by its name, an association's target by its table name. A
// self-referencing association (users.createdBy) resolves to the same
// schema as the resource, and so to the resource's name.
type ReadScope struct {
	fn   func(collection string) (fields []string, all bool)
	main *filterop.Schema
	name string
	// own is what the action's own grant adds to main (AddActionGrant);
	// ownAll: every field and association.
	own    []string
	ownAll bool
	cache  map[*filterop.Schema]*readSet
}

// NewReadScope returns the read scope of the request ac describes, for an
// action on the resource name whose model main describes; nil when no
// permission layer set ac.Readable.
func NewReadScope(ac *resourcer.ActionContext, main *filterop.Schema, name string) *ReadScope {
	if ac == nil || ac.Readable == nil {
		return nil
	}
	return &ReadScope{fn: ac.Readable, main: main, name: name, cache: map[*filterop.Schema]*readSet{}}
}

// AddActionGrant adds to what may be read of the main collection what the
// action's own grant allows, read from the params the ACL narrowed
// (ActionContext.Params). Readable counts only list and get grants; an
// action that lists records under another name (users:listExcludeRole)
// calls this before anything else so that its own grant counts too.
//
// The params show the grant only through what the ACL left in them, and
// this reads them so that they never widen it:
//   - neither fields nor appends: the grant limits neither, everything;
//   - appends without fields: every field, only the listed associations
//     (the grant bounds only its appends);
//   - fields without appends: the fields, associations among them
//     included (the ACL bounded them by the grant's fields, if it had any);
//   - both: the fields' columns and the listed associations. An
//     association named in fields counts only through appends, because
//     the ACL moved the ones a grant's appends allow there and left the
//     others.
func (rs *ReadScope) AddActionGrant(p resourcer.Params) error {
	if rs == nil {
		return nil
	}
	fields, err := resourcer.NameList(p, "fields")
	if err != nil {
		return err
	}
	appends, err := resourcer.NameList(p, "appends")
	if err != nil {
		return err
	}
	switch {
	case fields == nil && appends == nil:
		rs.ownAll = true
	case fields == nil:
		rs.own = append([]string{allFields}, appends...)
	case appends == nil:
		rs.own = fields
	default:
		rs.own = append(rs.columnsOf(fields), appends...)
	}
	delete(rs.cache, rs.main)
	return nil
}

// allFields in a Readable answer stands for every field of a collection,
// but only the associations listed by name (acl.AllFields).
const allFields = "*"

// columnsOf keeps the names whose first segment is not an association of
// the main collection.
func (rs *ReadScope) columnsOf(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		head, _, _ := strings.Cut(n, ".")
		if _, ok := rs.main.Relation(head); !ok {
			out = append(out, n)
		}
	}
	return out
}

// readSet is one collection's readable fields and associations, resolved
// through its schema so that every name a field goes by (column, JSON key)
// counts.
type readSet struct {
	all       bool
	columns   bool // every field, but only the listed associations
	identity  *filterop.Field
	fields    map[*filterop.Field]bool
	relations map[*filterop.Relation]bool
}

// everything is the readSet of a request no permission layer limits.
var everything = &readSet{all: true}

// readable returns the request's readable scope, nil when no permission
// layer set one.
func (r *Resource) readable(ac *resourcer.ActionContext) *ReadScope {
	return NewReadScope(ac, r.schema, r.name)
}

// set returns what may be read of the collection s describes. A grant's
// fields may hold association paths ("comments.createdBy", from appends):
// their first segment makes the association readable.
func (rs *ReadScope) set(s *filterop.Schema) *readSet {
	if rs == nil {
		return everything
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
		names, all = slices.Concat(names, rs.own), all || rs.ownAll
	}
	set := &readSet{all: all}
	if pks := s.PKs(); len(pks) == 1 && pks[0].Type == filterop.TypeNumber {
		set.identity = pks[0]
	}
	if !all {
		set.fields = map[*filterop.Field]bool{}
		set.relations = map[*filterop.Relation]bool{}
		for _, n := range names {
			if n == allFields { // a grant that bounds only its appends
				set.columns = true
				continue
			}
			head, _, _ := strings.Cut(n, ".")
			if f, ok := s.Field(head); ok {
				set.fields[f] = true
			}
			if rel, ok := s.Relation(head); ok {
				set.relations[rel] = true
			}
		}
	}
	rs.cache[s] = set
	return set
}

// Field reports whether f, a field of the collection s describes, may be
// read, filtered and sorted on.
func (rs *ReadScope) Field(s *filterop.Schema, f *filterop.Field) bool {
	return rs.set(s).field(f)
}

// Relation reports whether rel, an association of the collection s
// describes, may be read (appended, or filtered through).
func (rs *ReadScope) Relation(s *filterop.Schema, rel *filterop.Relation) bool {
	return rs.set(s).relation(rel)
}

// Keys returns the output keys of the records of the collection s
// describes that may be read; nil when every field that is not hidden may.
func (rs *ReadScope) Keys(s *filterop.Schema) map[string]bool {
	return rs.set(s).keys(s)
}

// field reports whether f may be read, filtered and sorted on. Hidden
// fields never may; a numeric single-column primary key always may,
// because it is the record's surrogate identity that filterByTk and
// appended associations expose anyway. Natural keys (a role's name) and
// the columns of a composite key (a join table's userId and roleName) are
// data like any other and need a grant.
func (set *readSet) field(f *filterop.Field) bool {
	return !f.Hidden && (set.all || set.columns || set.fields[f] || f == set.identity)
}

func (set *readSet) relation(rel *filterop.Relation) bool {
	return set.all || set.relations[rel]
}

// keys returns the output keys of s's records that may be read; nil when
// every field that is not hidden may.
func (set *readSet) keys(s *filterop.Schema) map[string]bool {
	if set.all {
		return nil
	}
	keys := map[string]bool{}
	for _, f := range s.Fields() {
		if set.field(f) {
			keys[f.Key] = true
		}
	}
	return keys
}

// errUnreadable is the guard's refusal; filterop answers it exactly as it
// answers a name the schema does not have, so that a reply never tells an
// unreadable column from a missing one.
var errUnreadable = errors.New("crud: not readable")

// Guard is the [filterop.FieldGuard] for the request's own filter: it
// refuses fields and associations the request may not read, and hidden
// fields (filterop refuses those first).
func (rs *ReadScope) Guard(s *filterop.Schema, name string) error {
	set := rs.set(s)
	if rel, ok := s.Relation(name); ok {
		if !set.relation(rel) {
			return errUnreadable
		}
		return nil
	}
	if f, ok := s.Field(name); ok && !set.field(f) {
		return errUnreadable
	}
	return nil
}

// CheckRequestFilter holds the filter the client sent itself to what it
// may read, compiling it against the main collection with Guard: a filter
// on a column the role cannot see would answer yes/no questions about it.
// The filter is ac.RequestParams' (before the ACL merged its own in, which
// may name columns such as createdById that the role does not read); an
// ActionContext built without RequestParams has its Params checked.
func (rs *ReadScope) CheckRequestFilter(ctx context.Context, filters *filterop.Registry, ac *resourcer.ActionContext) error {
	if rs == nil {
		return nil
	}
	f, ok := requestParams(ac)["filter"]
	if !ok || f == nil {
		return nil
	}
	_, err := filters.Where(filterop.WithFieldGuard(ctx, rs.Guard), rs.main, f)
	return err
}

// requestParams are the params the client gave: ac.RequestParams, or
// ac.Params for a context built by hand, where nothing tells the ACL's
// part apart.
func requestParams(ac *resourcer.ActionContext) resourcer.Params {
	if ac.RequestParams == nil {
		return ac.Params
	}
	return ac.RequestParams
}

// checkRequest holds what the client asked for itself to what it may
// read: its filter (CheckRequestFilter) and, when sorts, its sort.
func (r *Resource) checkRequest(ctx context.Context, ac *resourcer.ActionContext, rd *ReadScope, sorts bool) error {
	if rd == nil {
		return nil
	}
	if err := rd.CheckRequestFilter(ctx, r.filters, ac); err != nil {
		return err
	}
	if !sorts {
		return nil
	}
	names, err := resourcer.NameList(requestParams(ac), "sort")
	if err != nil {
		return err
	}
	main := rd.set(r.schema)
	for _, n := range names {
		if _, err := r.readField(main, strings.TrimPrefix(n, "-"), "sort"); err != nil {
			return err
		}
	}
	return nil
}

// readField resolves a name the client used to a field it may read. A
// field it may not read answers as one that does not exist.
func (r *Resource) readField(set *readSet, name, param string) (*filterop.Field, error) {
	f, ok := r.schema.Field(name)
	if !ok || !set.field(f) {
		return nil, badRequest("%s: %s has no field %s", param, r.name, name)
	}
	return f, nil
}

// readRelation resolves an association the client named to one it may
// read.
func (r *Resource) readRelation(set *readSet, name, param string) (*filterop.Relation, error) {
	rel, ok := r.schema.Relation(name)
	if !ok || !set.relation(rel) {
		return nil, badRequest("%s: %s has no association %s", param, r.name, name)
	}
	return rel, nil
}
