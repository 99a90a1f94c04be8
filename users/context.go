package users

import "context"

type ctxKey int

const currentUserKey ctxKey = iota

// WithCurrentUser returns a context acting for the user with this id: audit
// fields, $isCurrentUser and the profile actions read it. A host sets it
// in the same middleware that authenticates the request (next to
// acl.WithUser).
func WithCurrentUser(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, currentUserKey, id)
}

// CurrentUserID returns the id set with WithCurrentUser.
func CurrentUserID(ctx context.Context) (int64, bool) {
	id, ok := ctx.Value(currentUserKey).(int64)
	return id, ok
}
