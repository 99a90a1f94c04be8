package acl

import "context"

// WithPrincipal returns a context acting for an authenticated user: the
// one call an authentication middleware makes, so that it cannot set the
// user and forget the roles (or the reverse) and leave lists silently
// empty.
//
// It sets the user (WithUser when user is nil, else WithUserLoader: the
// record is read only if a template or UserFrom needs more than the id,
// and its "id" is always userID, so templates and "loggedIn" agree), the
// roles the request is checked against (WithRoles: the picked role alone,
// or all of the user's roles for a union) and, when role is not "", the
// current role (WithRole), which the "allowConfigure" condition reads.
// For a union pass NocoBase's "__union__" as role, as its
// ctx.state.currentRole holds then.
//
// It is a method, and user a plain func type, so that *ACL satisfies the
// small interface the users package declares without importing acl.
func (a *ACL) WithPrincipal(ctx context.Context, userID any, user func(context.Context) (map[string]any, error), role string, roles []string) context.Context {
	if user == nil {
		ctx = WithUser(ctx, userID)
	} else {
		ctx = WithUserLoader(ctx, userID, user)
	}
	ctx = WithRoles(ctx, roles...)
	if role != "" {
		ctx = WithRole(ctx, role)
	}
	return ctx
}
