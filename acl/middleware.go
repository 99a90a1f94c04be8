package acl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
	"github.com/gatehouse-dev/gatehouse/internal/toposort"
)

// Action is what the middleware needs to know of a request: the resource as
// addressed ("posts", or "users.posts" for an association), the action
// name, and the request's params. Collection, when known, is the resource
// the ACL checks (an association's target collection); by default it is
// the last dotted segment of Resource.
type Action struct {
	Resource   string
	Name       string
	Collection string
	Params     Params
	// SetParams, when set, receives the merged params of an allowed
	// request, so that the router's handlers see them (NocoBase replaces
	// ctx.action.params the same way).
	SetParams func(Params)
	// SetReadable, when set, receives for an allowed request the function
	// that tells which fields of a collection the request's roles may read
	// (see ReadableSetter).
	SetReadable func(readable func(collection string) (fields []string, all bool))
}

// ActionSource tells the middleware which resource and action a request
// runs, and its params; ok=false means the request addresses no action and
// passes unchecked. It uses plain types so that a router can implement it
// without importing acl: *resourcer.Resourcer does.
type ActionSource interface {
	RequestAction(r *http.Request) (resource, action string, params map[string]any, ok bool)
}

// ParamsSetter is implemented by an ActionSource that wants the merged
// params of an allowed request back, so that its handlers use them
// (NocoBase replaces ctx.action.params the same way).
type ParamsSetter interface {
	SetRequestParams(r *http.Request, params map[string]any)
}

// ReadableSetter is implemented by an ActionSource that wants to know, for
// an allowed request, what its roles may read of any collection: the data
// layer trims appended records and checks filter and sort paths with it.
// The function answers all=true when some role may list or get the
// collection without a fields restriction (or an allow condition let the
// request through and the collection is the request's own), else the union
// of the fields and appends of the roles' list and get grants on it, and
// (nil, false) when no role may list or get it. Collections are named as
// grants name resources.
type ReadableSetter interface {
	SetRequestReadable(r *http.Request, readable func(collection string) (fields []string, all bool))
}

// ActionSourceFunc adapts a func returning an Action to ActionSource; the
// Action's Collection, SetParams and SetReadable are honoured.
type ActionSourceFunc func(r *http.Request) (Action, bool)

// RequestAction calls f.
func (f ActionSourceFunc) RequestAction(r *http.Request) (string, string, map[string]any, bool) {
	a, ok := f(r)
	return a.Resource, a.Name, a.Params, ok
}

// requestAction reads a request's Action from any ActionSource.
func requestAction(src ActionSource, r *http.Request) (Action, bool) {
	if f, ok := src.(ActionSourceFunc); ok {
		return f(r)
	}
	resource, name, params, ok := src.RequestAction(r)
	if !ok {
		return Action{}, false
	}
	act := Action{Resource: resource, Name: name, Params: params}
	if ps, ok := src.(ParamsSetter); ok {
		act.SetParams = func(p Params) { ps.SetRequestParams(r, p) }
	}
	if rs, ok := src.(ReadableSetter); ok {
		act.SetReadable = func(fn func(string) ([]string, bool)) { rs.SetRequestReadable(r, fn) }
	}
	return act, true
}

// MiddlewareOptions configure Middleware.
type MiddlewareOptions struct {
	// Actions tells which resource and action a request addresses. Required.
	Actions ActionSource
	// HasField reports whether a resource has a field. When set, ACL params
	// that filter on createdById for a resource without that field deny the
	// request, as NocoBase does; when nil that check is left to the data
	// layer.
	HasField func(resource, field string) bool
	// Timezone returns the time zone date filters are read in; by default
	// the X-Timezone header.
	Timezone func(r *http.Request) string
}

// UseOptions place a middleware in the ACL's chain. Tag (or Group) names
// its group; Before and After name groups it must run before or after. The
// built-in steps are "allow-manager" (allow conditions) and "core" (the
// permission decision); a middleware with no options runs after core.
type UseOptions struct {
	Tag    string
	Group  string
	Before []string
	After  []string
}

type middlewareNode struct {
	name string
	wrap func(s *snapshot, opts *MiddlewareOptions, next http.Handler) http.Handler
}

// Use adds a middleware to the chain the ACL middleware runs after its
// permission decision (or, with Before: []string{"core"}, before it).
// Handlers in the chain read the decision with PermissionFrom.
func (a *ACL) Use(mw func(http.Handler) http.Handler, opts UseOptions) error {
	if mw == nil {
		return fmt.Errorf("%w: nil middleware", ErrInvalidOptions)
	}
	if opts.Tag == "" && opts.Group == "" {
		opts.Group = "prep"
	}
	node := middlewareNode{name: opts.Tag + opts.Group, wrap: func(_ *snapshot, _ *MiddlewareOptions, next http.Handler) http.Handler {
		return mw(next)
	}}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.middlewares.Add(node, toposort.Options(opts)); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	a.publishAllLocked()
	return nil
}

func (a *ACL) addBuiltinMiddlewares() {
	must := func(err error) {
		if err != nil {
			panic(err) // the built-in order is fixed and valid
		}
	}
	must(a.middlewares.Add(middlewareNode{name: "allow-manager", wrap: allowStep},
		toposort.Options{Tag: "allow-manager", Before: []string{"core"}}))
	must(a.middlewares.Add(middlewareNode{name: "core", wrap: coreStep},
		toposort.Options{Tag: "core", Group: "core"}))
}

// Middleware returns net/http middleware that checks every request the
// ActionSource recognises: it runs the allow conditions, then Can for the
// request's roles (WithRoles, else WithRole, else "anonymous"), then the
// Use chain in order. A denied request gets 403 with
// {"errors":[{"message":"No permissions"}]} (or, when it asks only for
// fields its grant does not allow, "No permissions: fields email may not be
// read") and never reaches next; an allowed one carries its Permission
// (PermissionFrom) with merged params, and hands them (and what its roles
// may read) to an ActionSource that is a ParamsSetter (ReadableSetter).
func (a *ACL) Middleware(opts MiddlewareOptions) func(http.Handler) http.Handler {
	if opts.Actions == nil {
		panic("acl: MiddlewareOptions.Actions is required") // a wiring mistake, found at start-up
	}
	return func(next http.Handler) http.Handler {
		return &aclHandler{acl: a, opts: opts, next: next}
	}
}

type aclHandler struct {
	acl   *ACL
	opts  MiddlewareOptions
	next  http.Handler
	chain atomic.Pointer[builtChain]
}

type builtChain struct {
	snap *snapshot
	h    http.Handler
}

func (h *aclHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	act, ok := requestAction(h.opts.Actions, r)
	if !ok {
		h.next.ServeHTTP(w, r)
		return
	}
	s := h.acl.snap.Load()
	resource := act.Collection
	if resource == "" {
		resource = act.Resource[strings.LastIndexByte(act.Resource, '.')+1:]
	}
	perm := &Permission{
		Resource:    resource,
		RawResource: act.Resource,
		Action:      act.Name,
		RawParams:   act.Params,
		setParams:   act.SetParams,
		setReadable: act.SetReadable,
		roles:       requestRoles(r.Context()),
	}
	if res, ok := s.can(CanArgs{Roles: perm.roles, Resource: resource, Action: act.Name, RawResourceName: act.Resource}, nil); ok {
		perm.Can = &res
	}
	r = r.WithContext(context.WithValue(r.Context(), permissionKey, perm))
	h.chainFor(s).ServeHTTP(w, r)
}

// chainFor builds the middleware chain for a snapshot once.
func (h *aclHandler) chainFor(s *snapshot) http.Handler {
	if c := h.chain.Load(); c != nil && c.snap == s {
		return c.h
	}
	var handler http.Handler = h.next
	nodes := s.shared.middlewares
	for i := len(nodes) - 1; i >= 0; i-- {
		handler = nodes[i].wrap(s, &h.opts, handler)
	}
	h.chain.Store(&builtChain{snap: s, h: handler})
	return handler
}

func allowStep(s *snapshot, _ *MiddlewareOptions, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		perm, _ := PermissionFrom(r.Context())
		name, ok, err := s.shared.isAllowed(r.Context(), perm.RawResource, perm.Action)
		if err != nil {
			s.shared.logger.ErrorContext(r.Context(), "acl: allow condition failed", "error", err)
			writeError(w, http.StatusInternalServerError, "Internal server error")
			return
		}
		if ok {
			perm.Skip, perm.AllowedBy = true, name
		}
		next.ServeHTTP(w, r)
	})
}

func coreStep(s *snapshot, opts *MiddlewareOptions, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		perm, _ := PermissionFrom(r.Context())
		tz := r.Header.Get("X-Timezone")
		if opts.Timezone != nil {
			tz = opts.Timezone(r)
		}
		raw, parsed, merged, err := s.resolvePermissionParams(r.Context(), perm.Can, perm.Skip, perm.Resource, perm.Action, perm.RawParams, opts.HasField, tz)
		if err != nil {
			var fieldsErr *FieldsError
			if errors.As(err, &fieldsErr) {
				writeError(w, http.StatusForbidden, fieldsErr.message())
				return
			}
			if errors.Is(err, ErrNoPermission) {
				writeError(w, http.StatusForbidden, "No permissions")
				return
			}
			if errors.Is(err, ErrInvalidParams) {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
			s.shared.logger.ErrorContext(r.Context(), "acl: resolving params failed", "error", err)
			writeError(w, http.StatusInternalServerError, "Internal server error")
			return
		}
		perm.RawParams, perm.ParsedParams, perm.MergedParams = raw, parsed, merged
		if perm.setParams != nil {
			perm.setParams(merged)
		}
		if perm.setReadable != nil {
			perm.setReadable(newReadable(s, perm.roles, perm.skippedResource()).fields)
		}
		next.ServeHTTP(w, r)
	})
}

func writeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"message":%q}]}`, message)
}

// ResolveParams merges the ACL's params for resource:action into a
// request's params, for the roles and user in ctx (WithRoles, WithRole,
// WithUser), so that they can only narrow what the ACL allows (see
// Narrowing in the package doc), and fills in templates such as
// {{ ctx.state.currentUser.id }}. It returns an error wrapping
// ErrNoPermission when no role may run the action, a *FieldsError when
// the request asks only for fields the grant does not allow. request is not
// modified.
func (a *ACL) ResolveParams(ctx context.Context, resource, action string, request Params) (Params, error) {
	s := a.snap.Load()
	raw := resource
	resolved := raw[strings.LastIndexByte(raw, '.')+1:]
	var can *CanResult
	if res, ok := s.can(CanArgs{Roles: paramRoles(ctx), Resource: resolved, Action: action, RawResourceName: raw}, nil); ok {
		can = &res
	}
	_, _, merged, err := s.resolvePermissionParams(ctx, can, false, resolved, action, request, nil, "")
	return merged, err
}

// resolvePermissionParams is NocoBase's resolvePermissionParams: it checks
// the permission, takes its params (or the fixed params when there are
// none, as for root or an allowed request), fills the templates and merges
// the result into the request's params.
func (s *snapshot) resolvePermissionParams(ctx context.Context, can *CanResult, skip bool, resource, action string, request Params, hasField func(string, string) bool, timezone string) (raw, parsed, merged Params, err error) {
	raw, err = normalizeParams(request)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: request params: %w", ErrInvalidParams, err)
	}
	if can == nil && !skip {
		return nil, nil, nil, fmt.Errorf("%w: %s:%s", ErrNoPermission, resource, action)
	}
	params := s.permissionParams(can, resource, action)
	if hasField != nil && containsCreatedByID(params["filter"]) && !hasField(resource, "createdById") {
		return nil, nil, nil, fmt.Errorf("%w: createdById field not found on %s", ErrNoPermission, resource)
	}
	parsed, err = withTemplates(ctx, params, timezone)
	if err != nil {
		return nil, nil, nil, err
	}
	merged, err = narrowRequestParams(resource, raw, parsed)
	if err != nil {
		return nil, nil, nil, err
	}
	return raw, parsed, merged, nil
}

// permissionParams are the params a permission restricts with: its own,
// or the fixed params when it has none (root, or a request an allow
// condition let through). The result is the caller's.
func (s *snapshot) permissionParams(can *CanResult, resource, action string) Params {
	if can != nil && can.Params != nil {
		return can.Params
	}
	params := cloneParams(s.shared.fixedParams(resource, action)) // the snapshot's
	if params == nil {
		params = Params{}
	}
	return params
}

// withTemplates returns params with the {{ }} templates, dotted keys and
// date operators of its filter filled in for the request (params itself
// when there are none). It loads the user's record (WithUserLoader) only
// when a template reads more of the user than the id; a failed load fails
// the request rather than filling the template with nothing.
func withTemplates(ctx context.Context, params Params, timezone string) (Params, error) {
	filter, ok := params["filter"]
	if !ok || !jsonval.Truthy(filter) || !needsTemplating(filter) {
		return params, nil
	}
	s := stateFrom(ctx)
	record := s.user
	if s.lazy != nil && needsUserRecord(filter) {
		var err error
		if record, err = s.userRecord(ctx); err != nil {
			return nil, fmt.Errorf("acl: load the current user for the filter's templates: %w", err)
		}
	}
	parsed := make(Params, len(params))
	for k, v := range params {
		parsed[k] = v
	}
	parsed["filter"] = fillTemplates(filter, varsFrom(ctx, record), timezone)
	return parsed, nil
}

// needsTemplating reports whether fillTemplates may change a filter: it
// has a {{ }} value, a dotted key to unfold, or a date operator.
func needsTemplating(v any) bool {
	return anyInFilter(v, func(k string) bool {
		return strings.Contains(k, ".") || dateOperators[k]
	}, func(s string) bool {
		return strings.Contains(s, "{{")
	})
}

// containsCreatedByID reports whether a filter names createdById at any depth.
func containsCreatedByID(v any) bool {
	return anyInFilter(v, func(k string) bool {
		return k == "createdById" || strings.HasPrefix(k, "createdById.") || strings.HasPrefix(k, "createdById$")
	}, nil)
}

// anyInFilter walks a filter and reports whether some key satisfies key or
// some string value satisfies str (when str is set).
func anyInFilter(v any, key func(string) bool, str func(string) bool) bool {
	switch x := v.(type) {
	case string:
		return str != nil && str(x)
	case []any:
		for _, e := range x {
			if anyInFilter(e, key, str) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if key(k) || anyInFilter(e, key, str) {
				return true
			}
		}
	}
	return false
}
