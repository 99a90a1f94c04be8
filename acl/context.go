package acl

import "context"

type ctxKey int

const (
	stateKey ctxKey = iota
	permissionKey
)

// requestState is who is asking: NocoBase's ctx.state.currentRole,
// currentRoles and currentUser.
type requestState struct {
	role     string
	roleList []string // {role or "anonymous"}, made once rather than per request
	roles    []string
	rolesSet bool
	user     map[string]any
	userSet  bool
	lazy     *lazyUser // set by WithUserLoader: the rest of user, on demand
}

func stateFrom(ctx context.Context) requestState {
	s, _ := ctx.Value(stateKey).(requestState)
	return s
}

func withState(ctx context.Context, s requestState) context.Context {
	return context.WithValue(ctx, stateKey, s)
}

// WithRole returns a context whose current role is role. Without WithRoles
// the request is checked as this role alone ("anonymous" when neither is set).
func WithRole(ctx context.Context, role string) context.Context {
	s := stateFrom(ctx)
	s.role = role
	s.roleList = []string{roleOrAnonymous(role)}
	return withState(ctx, s)
}

// WithRoles returns a context whose requests are checked against the union
// of roles. An empty list is kept as such and denies everything, as in
// NocoBase.
func WithRoles(ctx context.Context, roles ...string) context.Context {
	s := stateFrom(ctx)
	s.roles = append([]string{}, roles...)
	s.rolesSet = true
	return withState(ctx, s)
}

// WithUser returns a context whose current user has this id. Templates such
// as {{ ctx.state.currentUser.id }} and the "loggedIn" allow condition read it.
func WithUser(ctx context.Context, id any) context.Context {
	return WithUserRecord(ctx, map[string]any{"id": id})
}

// WithUserRecord returns a context whose current user is record (which
// should hold "id"); templates may read any of its fields, as
// {{ ctx.state.currentUser.departmentId }} or {{ $user.nickname }}.
func WithUserRecord(ctx context.Context, record map[string]any) context.Context {
	s := stateFrom(ctx)
	s.user = record
	s.userSet = record != nil
	s.lazy = nil
	return withState(ctx, s)
}

// CurrentRole returns the role set with WithRole, or "".
func CurrentRole(ctx context.Context) string { return stateFrom(ctx).role }

// CurrentRoles returns the roles set with WithRoles, and whether they were set.
func CurrentRoles(ctx context.Context) ([]string, bool) {
	s := stateFrom(ctx)
	return append([]string(nil), s.roles...), s.rolesSet
}

// UserFrom returns the current user's record, and whether there is one.
// A record set with WithUserLoader is loaded now if it was not yet; when
// loading fails, the record holds the id alone.
func UserFrom(ctx context.Context) (map[string]any, bool) {
	s := stateFrom(ctx)
	if !s.userSet {
		return nil, false
	}
	if rec, err := s.userRecord(ctx); err == nil {
		return rec, true
	}
	return s.user, true
}

// UserID returns the current user's id.
func UserID(ctx context.Context) (any, bool) {
	s := stateFrom(ctx)
	if !s.userSet {
		return nil, false
	}
	id, ok := s.user["id"]
	return id, ok
}

// requestRoles are the roles the middleware checks: the WithRoles list when
// set (even empty), else the current role or "anonymous".
func requestRoles(ctx context.Context) []string {
	s := stateFrom(ctx)
	if s.rolesSet {
		return s.roles
	}
	return s.singleRole()
}

func (s requestState) singleRole() []string {
	if s.roleList != nil {
		return s.roleList
	}
	return anonymousOnly
}

var anonymousOnly = []string{"anonymous"}

// paramRoles are the roles ResolveParams checks (NocoBase's getRoleNames):
// a non-empty WithRoles list, else the current role or "anonymous".
func paramRoles(ctx context.Context) []string {
	s := stateFrom(ctx)
	if len(s.roles) > 0 {
		return s.roles
	}
	return s.singleRole()
}

func roleOrAnonymous(role string) string {
	if role == "" {
		return "anonymous"
	}
	return role
}

// Permission is what the middleware decided for a request; handlers read it
// with PermissionFrom. MergedParams are the request's params with the
// ACL's restrictions applied: the params a data layer must use.
//
// A Permission and its params belong to the request: they share nothing
// with the ACL, but its params may share values with each other, so copy
// one before changing it in place.
type Permission struct {
	Can          *CanResult // the request's own answer; nil when no role allows it
	Resource     string     // the resource checked (an association's target)
	RawResource  string     // the resource as addressed, e.g. "users.posts"
	Action       string
	Skip         bool   // an allow condition let the request through
	AllowedBy    string // that condition's name
	RawParams    Params
	ParsedParams Params // the ACL params with templates filled in
	MergedParams Params
	setParams    func(Params)
	setReadable  func(func(string) ([]string, bool))
	roles        []string
}

// skippedResource is the resource an allow condition let the request read
// whole, or "".
func (p *Permission) skippedResource() string {
	if p.Skip {
		return p.Resource
	}
	return ""
}

// PermissionFrom returns the permission the middleware stored for the request.
func PermissionFrom(ctx context.Context) (*Permission, bool) {
	p, ok := ctx.Value(permissionKey).(*Permission)
	return p, ok
}
