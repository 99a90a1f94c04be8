package crud

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// readable is what one request may read, from ActionContext.Readable: per
// collection, the fields and associations its roles may list or get. A nil
// *readable (no permission layer set Readable) reads every field that is
// not hidden.
//
// Collections are named as the ACL names them: the resource's own by the
// resource name, an association's target by its table name. A
// self-referencing association (users.createdBy) resolves to the same
// schema as the resource, and so to the resource's name.
type readable struct {
	fn    func(collection string) (fields []string, all bool)
	main  *filterop.Schema
	name  string
	cache map[*filterop.Schema]*readSet
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
func (r *Resource) readable(ac *resourcer.ActionContext) *readable {
	if ac == nil || ac.Readable == nil {
		return nil
	}
	return &readable{fn: ac.Readable, main: r.schema, name: r.name, cache: map[*filterop.Schema]*readSet{}}
}

// set returns what may be read of the collection s describes. A grant's
// fields may hold association paths ("comments.createdBy", from appends):
// their first segment makes the association readable.
func (rd *readable) set(s *filterop.Schema) *readSet {
	if rd == nil {
		return everything
	}
	if set, ok := rd.cache[s]; ok {
		return set
	}
	collection := s.Table
	if s == rd.main {
		collection = rd.name
	}
	names, all := rd.fn(collection)
	set := &readSet{all: all}
	if pks := s.PKs(); len(pks) == 1 && pks[0].Type == filterop.TypeNumber {
		set.identity = pks[0]
	}
	if !all {
		set.fields = map[*filterop.Field]bool{}
		set.relations = map[*filterop.Relation]bool{}
		for _, n := range names {
			if n == "*" { // acl.AllFields: a grant that bounds only its appends
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
	rd.cache[s] = set
	return set
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

// guard is the filterop.FieldGuard for the request's own filter: it
// refuses fields and associations the request may not read, and hidden
// fields (filterop refuses those first).
func (rd *readable) guard(s *filterop.Schema, name string) error {
	set := rd.set(s)
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

// checkRequest holds what the client asked for itself (ac.RequestParams,
// before the ACL merged its own filter in) to what it may read: its
// filter and sort may name only readable fields and associations, or a
// filter on a column the role cannot see would answer yes/no questions
// about it. The ACL's filter is applied afterwards without this check: it
// may name columns (createdById) the role does not read. An
// ActionContext built without RequestParams has its Params checked.
func (r *Resource) checkRequest(ctx context.Context, ac *resourcer.ActionContext, rd *readable, sorts bool) error {
	if rd == nil {
		return nil
	}
	rp := ac.RequestParams
	if rp == nil {
		rp = ac.Params // built by hand, not by a Resourcer: nothing tells the ACL's part apart
	}
	if f, ok := rp["filter"]; ok && f != nil {
		if _, err := r.filters.Where(filterop.WithFieldGuard(ctx, rd.guard), r.schema, f); err != nil {
			return err
		}
	}
	if !sorts {
		return nil
	}
	names, err := stringList(rp, "sort")
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
