package acl

import "github.com/gatehouse-dev/gatehouse/internal/jsonval"

// nameList builds a list of distinct primitive names. Short lists are
// scanned; past setThreshold entries a set takes over, so that a hostile
// request with thousands of names costs linear time, not quadratic.
type nameList struct {
	list []any
	set  map[any]struct{}
}

const setThreshold = 16

// add appends v unless the list has it, and reports whether it did.
// Non-primitive values (objects, lists) are never equal to anything, as in
// lodash's uniq.
func (n *nameList) add(v any) bool {
	if n.has(v) {
		return false
	}
	n.list = append(n.list, v)
	if n.set != nil {
		n.set[v] = struct{}{}
	} else if len(n.list) > setThreshold {
		n.set = make(map[any]struct{}, 2*len(n.list))
		for _, e := range n.list {
			if jsonval.IsPrimitive(e) {
				n.set[e] = struct{}{}
			}
		}
	}
	return true
}

func (n *nameList) has(v any) bool {
	if !jsonval.IsPrimitive(v) {
		return false
	}
	if n.set != nil {
		_, ok := n.set[v]
		return ok
	}
	return jsonval.ContainsPrimitive(n.list, v)
}

// names returns the list, never nil.
func (n *nameList) names() []any {
	if n.list == nil {
		return []any{}
	}
	return n.list
}

// newNameList is a nameList holding the distinct entries of l.
func newNameList(l []any) *nameList {
	n := &nameList{}
	for _, v := range l {
		n.add(v)
	}
	return n
}

// unionStrings is the union of two lists, new entries first, without
// repeats or falsy entries (lodash uniq(x.concat(y)).filter(Boolean)).
func unionStrings(x, y any) []any {
	var out nameList
	for _, l := range [2][]any{jsonval.StrategyList(x), jsonval.StrategyList(y)} {
		for _, v := range l {
			if jsonval.Truthy(v) {
				out.add(v)
			}
		}
	}
	return out.names()
}

// intersectLists keeps the entries of request the grant lists, in the
// request's order, once each; never nil.
func intersectLists(request, grant []any) []any {
	allowed := newNameList(grant)
	var out nameList
	for _, v := range request {
		if allowed.has(v) {
			out.add(v)
		}
	}
	return out.names()
}
