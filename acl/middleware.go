package acl

import (
	"context"
	"errors"
	"fmt"
	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
	"net/http"
	"strings"
	"sync/atomic"

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

// ActionSourceFunc adapts a func returning an Action to ActionSource; the
// Action's Collection and SetParams are honoured.
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
// {"errors":[{"message":"No permissions"}]} and never reaches next; an
// allowed one carries its Permission (PermissionFrom) with merged params.
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
	}
	perm.Can = s.can(CanArgs{Roles: requestRoles(r.Context()), Resource: resource, Action: act.Name, RawResourceName: act.Resource}, nil)
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
// WithUser): filters are ANDed, field lists intersected, appends limited,
// and templates such as {{ ctx.state.currentUser.id }} filled in. It
// returns an error wrapping ErrNoPermission when no role may run the action.
// request is not modified.
func (a *ACL) ResolveParams(ctx context.Context, resource, action string, request Params) (Params, error) {
	s := a.snap.Load()
	raw := resource
	resolved := raw[strings.LastIndexByte(raw, '.')+1:]
	can := s.can(CanArgs{Roles: paramRoles(ctx), Resource: resolved, Action: action, RawResourceName: raw}, nil)
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
	var params Params
	if can != nil && can.Params != nil {
		params = can.Params
	} else {
		params = s.shared.fixedParams(resource, action)
		if params == nil {
			params = Params{}
		}
	}
	if hasField != nil && containsCreatedByID(params["filter"]) && !hasField(resource, "createdById") {
		return nil, nil, nil, fmt.Errorf("%w: createdById field not found on %s", ErrNoPermission, resource)
	}
	if can == nil || can.Params == nil {
		params = cloneParams(params) // fixed params are the snapshot's
	}
	parsed = params
	if filter, ok := params["filter"]; ok && jsonval.Truthy(filter) && needsTemplating(filter) {
		parsed = make(Params, len(params))
		for k, v := range params {
			parsed[k] = v
		}
		parsed["filter"] = fillTemplates(filter, varsFrom(ctx), timezone)
	}
	return raw, parsed, mergeRequestParams(raw, parsed), nil
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
