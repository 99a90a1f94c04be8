package acl

import (
	"context"
	"slices"
	"sync"
)

// Readable tells what the roles in ctx (as the middleware reads them:
// WithRoles, else WithRole, else "anonymous") may read of a collection:
// all=true when some role may list or get it without a fields or appends
// restriction, else the union of the fields and appends of the roles' list
// and get grants on it, where "*" stands for every field of a grant that
// bounds only its appends (every field, but only the listed associations);
// (nil, false) when no role may list or get it. When ctx
// carries the Permission of a request an allow condition let through, the
// request's own collection is readable whole. Collections are named as
// grants name resources.
//
// The middleware hands the same answer to a ReadableSetter for every
// allowed request; Readable is for hosts that check reads elsewhere.
func (a *ACL) Readable(ctx context.Context, collection string) (fields []string, all bool) {
	skipped := ""
	if perm, ok := PermissionFrom(ctx); ok {
		skipped = perm.skippedResource()
	}
	return a.snap.Load().readable(requestRoles(ctx), skipped, collection)
}

// readable is Readable for one snapshot and role list; skipped names the
// collection an allow condition made readable whole.
func (s *snapshot) readable(roles []string, skipped, collection string) ([]string, bool) {
	if skipped != "" && collection == skipped {
		return nil, true
	}
	var names []any
	granted := false
	for _, action := range [...]string{"list", "get"} {
		res, ok := s.can(CanArgs{Roles: roles, Resource: collection, Action: action}, nil)
		if !ok {
			continue
		}
		granted = true
		fields, restricted := grantList(res.Params, "fields")
		appends, bounded := grantList(res.Params, "appends")
		switch {
		case !restricted && !bounded:
			return nil, true
		case !restricted:
			fields = []any{AllFields}
		}
		names = unionStrings(names, fields)
		names = unionStrings(names, appends)
	}
	if !granted {
		return nil, false
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if s, ok := n.(string); ok {
			out = append(out, s)
		}
	}
	return out, false
}

// AllFields in a Readable answer stands for every field of the collection
// (not its associations, which are listed by name): the answer for a grant
// that bounds its appends but not its fields.
const AllFields = "*"

// requestReadable answers Readable for one request, computing each
// collection once, on first use: most requests ask about one or two.
type requestReadable struct {
	snap    *snapshot
	roles   []string
	skipped string

	mu    sync.Mutex
	cache map[string]readableAnswer
}

type readableAnswer struct {
	fields []string
	all    bool
}

func newReadable(s *snapshot, roles []string, skipped string) *requestReadable {
	return &requestReadable{snap: s, roles: roles, skipped: skipped}
}

// fields is the function handed to a ReadableSetter. Each call returns a
// fresh slice, so a caller may keep or change it.
func (rr *requestReadable) fields(collection string) ([]string, bool) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	ans, ok := rr.cache[collection]
	if !ok {
		ans.fields, ans.all = rr.snap.readable(rr.roles, rr.skipped, collection)
		if rr.cache == nil {
			rr.cache = make(map[string]readableAnswer, 2)
		}
		rr.cache[collection] = ans
	}
	return slices.Clone(ans.fields), ans.all
}
