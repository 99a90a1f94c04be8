package acl

import (
	"context"
	"maps"
	"strings"
	"sync"
)

// UserLoader reads the current user's record (the fields templates such as
// {{ ctx.state.currentUser.departmentId }} name) when a request first needs
// more of it than its id. See WithUserLoader.
type UserLoader func(ctx context.Context) (map[string]any, error)

// WithUserLoader returns a context whose current user has this id and
// whose other fields load reaches for only when something reads them: a
// filter template naming a field other than id, or UserFrom. The record is
// loaded at most once per context; its "id" is always id. Templates over
// the id alone ({{ ctx.state.currentUser.id }}, the own-rows strategy)
// never call load, so the common request pays nothing for the record.
func WithUserLoader(ctx context.Context, id any, load UserLoader) context.Context {
	s := stateFrom(ctx)
	s.user = map[string]any{"id": id}
	s.userSet = true
	s.lazy = &lazyUser{id: id, load: load}
	return withState(ctx, s)
}

// lazyUser is a user record loaded on first use and shared by every
// context derived from the one WithUserLoader made.
type lazyUser struct {
	id     any
	load   UserLoader
	once   sync.Once
	record map[string]any
	err    error
}

func (l *lazyUser) get(ctx context.Context) (map[string]any, error) {
	l.once.Do(func() {
		rec, err := l.load(ctx)
		if err != nil {
			l.err = err
			return
		}
		rec = maps.Clone(rec) // the loader's map stays as it was
		if rec == nil {
			rec = map[string]any{}
		}
		rec["id"] = l.id
		l.record = rec
	})
	return l.record, l.err
}

// userRecord is the current user's whole record, loaded when it is lazy.
func (s requestState) userRecord(ctx context.Context) (map[string]any, error) {
	if s.lazy == nil {
		return s.user, nil
	}
	return s.lazy.get(ctx)
}

// needsUserRecord reports whether filling filter's templates reads a field
// of the current user other than its id.
func needsUserRecord(filter any) bool {
	return anyInFilter(filter, func(string) bool { return false }, func(s string) bool {
		m := templatePattern.FindStringSubmatch(s)
		if m == nil {
			return false
		}
		switch expr := strings.TrimSpace(m[1]); expr {
		case "ctx.state.currentUser.id", "$user.id":
			return false
		default: // a field of the user, the whole user, or a path above it (ctx.state)
			return strings.Contains(expr, "currentUser") || strings.Contains(expr, "$user") ||
				strings.HasPrefix("ctx.state.currentUser", expr)
		}
	})
}
