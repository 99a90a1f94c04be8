package resourcer

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
	"github.com/gatehouse-dev/gatehouse/internal/toposort"
)

// DefaultMaxBodyBytes is the request body limit when Options sets none.
const DefaultMaxBodyBytes = 10 << 20

// Options configure a Resourcer.
type Options struct {
	// Prefix is the path the API is served under, e.g. "/api". It is a
	// plain path: path-to-regexp syntax such as ":tenant" is not read as a
	// parameter.
	Prefix string
	// Accessors rename the actions HTTP methods map to.
	Accessors Accessors
	// MaxBodyBytes limits JSON and form bodies (DefaultMaxBodyBytes when 0);
	// a larger body answers 413.
	MaxBodyBytes int64
	// Logger receives server errors; slog.Default() when nil.
	Logger *slog.Logger
	// AllowStateChangingGET lets GET and HEAD run actions that change
	// data, as NocoBase does (GET /api/posts:destroy?filterByTk=1). Off by
	// default: such a request answers 405, since a link or an image tag
	// on another site could otherwise make a signed-in browser change data.
	AllowStateChangingGET bool
}

// Resourcer is NocoBase's resource manager for net/http: a registry of
// resources and their actions, and the http.Handler that serves them.
//
// Definitions may change while requests are served: every change publishes
// a new immutable registry that requests read without locking.
type Resourcer struct {
	opts Options
	snap atomic.Pointer[registry]

	// outside warns, once, that a permission layer asked for a request's
	// action outside ServeHTTP (see RequestAction).
	outside sync.Once

	mu        sync.Mutex
	resources map[string]*Resource
	handlers  map[string]http.Handler // registered action handlers: "list" or "posts:list"
	pre       map[string]*toposort.Sorter[func(http.Handler) http.Handler]
	global    toposort.Sorter[func(http.Handler) http.Handler]
}

// registry is one published configuration. Action chains are built on
// first use and kept for the registry's life.
type registry struct {
	resources map[string]*Resource
	handlers  map[string]http.Handler
	pre       map[string][]func(http.Handler) http.Handler
	global    []func(http.Handler) http.Handler
	chains    sync.Map // *action -> http.Handler
}

// New returns an empty Resourcer.
func New(opts Options) *Resourcer {
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	rs := &Resourcer{
		opts:      opts,
		resources: map[string]*Resource{},
		handlers:  map[string]http.Handler{},
		pre:       map[string]*toposort.Sorter[func(http.Handler) http.Handler]{},
	}
	rs.mu.Lock()
	rs.publishLocked()
	rs.mu.Unlock()
	return rs
}

func (rs *Resourcer) publishLocked() {
	reg := &registry{
		resources: maps.Clone(rs.resources),
		handlers:  maps.Clone(rs.handlers),
		pre:       make(map[string][]func(http.Handler) http.Handler, len(rs.pre)),
		global:    slices.Clone(rs.global.Nodes()),
	}
	for name, s := range rs.pre {
		reg.pre[name] = slices.Clone(s.Nodes())
	}
	rs.snap.Store(reg)
}

// ResourceOptions define a resource. Name is "posts", or "posts.comments"
// for an association; Type picks the association's route table. Actions
// are the resource's own; handlers registered with RegisterActionHandler
// before Define are added for the names not given. Only or Except (which
// wins) limit the actions. Middlewares run before every action's own.
type ResourceOptions struct {
	Name        string
	Type        ResourceType
	Actions     map[string]ActionOptions
	Only        []string
	Except      []string
	Middlewares []Middleware
}

// ActionOptions define an action: its handler (the registered handler of
// the same name when nil), its middlewares, and default params that
// requests merge into (filters ANDed, field lists intersected, ...).
type ActionOptions struct {
	Handler     http.Handler
	Middlewares []Middleware
	Params      Params
	// StateChanging marks an action that changes data, so that GET and
	// HEAD may not run it (see Options.AllowStateChangingGET). NocoBase's
	// writing actions (StateChangingActions) are marked by their names; a
	// handler wrapped with StateChanging is marked wherever it serves.
	StateChanging bool
}

// Middleware wraps the handlers of a resource's or action's actions; Only
// or Except limit it to some action names.
type Middleware struct {
	Handler func(http.Handler) http.Handler
	Only    []string
	Except  []string
}

func (m Middleware) appliesTo(action string) bool {
	switch {
	case len(m.Only) > 0:
		return slices.Contains(m.Only, action)
	case len(m.Except) > 0:
		return !slices.Contains(m.Except, action)
	}
	return true
}

// Resource is a defined resource.
type Resource struct {
	name     string
	typ      ResourceType
	actions  map[string]*action
	excluded []string
	mws      []Middleware
}

type action struct {
	name          string
	resource      *Resource
	handler       http.Handler // nil: the registered handler of the action's name
	mws           []Middleware // the resource's, then the action's
	params        Params       // defaults, already merged into the empty params
	stateChanging bool
}

// Name returns the resource's name.
func (r *Resource) Name() string { return r.name }

// Type returns the resource's type.
func (r *Resource) Type() ResourceType { return r.typ }

// Actions returns the names of the resource's actions, sorted.
func (r *Resource) Actions() []string { return jsonval.SortedKeys(r.actions) }

// action looks an action up with NocoBase's messages.
func (r *Resource) action(name string) (*action, error) {
	if slices.Contains(r.excluded, name) {
		return nil, notFound("%s action is not allowed", name)
	}
	a, ok := r.actions[name]
	if !ok {
		return nil, notFound("%s action does not exist", name)
	}
	return a, nil
}

func newAction(name string, r *Resource, opts ActionOptions) (*action, error) {
	defaults, err := jsonval.NormalizeMap(opts.Params)
	if err != nil {
		return nil, fmt.Errorf("%w: action %s.%s params: %w", ErrInvalidDefinition, r.name, name, err)
	}
	for i, m := range opts.Middlewares {
		if m.Handler == nil {
			return nil, fmt.Errorf("%w: action %s.%s middleware %d has no handler", ErrInvalidDefinition, r.name, name, i)
		}
	}
	return &action{
		name:          name,
		resource:      r,
		handler:       opts.Handler,
		mws:           append(slices.Clone(r.mws), opts.Middlewares...),
		params:        Params(jsonval.Assign(map[string]any{}, defaults, actionStrategiesJSON)),
		stateChanging: opts.StateChanging,
	}, nil
}

// Define adds a resource, replacing one of the same name.
func (rs *Resourcer) Define(opts ResourceOptions) (*Resource, error) {
	if opts.Name == "" {
		return nil, fmt.Errorf("%w: resource name is empty", ErrInvalidDefinition)
	}
	typ := opts.Type
	if typ == "" {
		typ = TypeSingle
	}
	if !knownType(typ) {
		return nil, fmt.Errorf("%w: resource %s has unknown type %q", ErrInvalidDefinition, opts.Name, typ)
	}
	for i, m := range opts.Middlewares {
		if m.Handler == nil {
			return nil, fmt.Errorf("%w: resource %s middleware %d has no handler", ErrInvalidDefinition, opts.Name, i)
		}
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	actions := maps.Clone(opts.Actions)
	if actions == nil {
		actions = map[string]ActionOptions{}
	}
	for name, h := range rs.handlers {
		if _, ok := actions[name]; !ok {
			actions[name] = ActionOptions{Handler: h}
		}
	}
	r := &Resource{name: opts.Name, typ: typ, mws: slices.Clone(opts.Middlewares), actions: map[string]*action{}}
	switch {
	case len(opts.Except) > 0:
		r.excluded = slices.Clone(opts.Except)
	case len(opts.Only) > 0:
		for name := range actions {
			if !slices.Contains(opts.Only, name) {
				r.excluded = append(r.excluded, name)
			}
		}
	}
	for name, ao := range actions {
		if slices.Contains(r.excluded, name) {
			continue
		}
		a, err := newAction(name, r, ao)
		if err != nil {
			return nil, err
		}
		r.actions[name] = a
	}
	rs.resources[r.name] = r
	rs.publishLocked()
	return r, nil
}

// AddAction adds an action to a defined resource. It fails if the name is
// excluded ("x action is not allowed") or taken ("x action already exists").
func (rs *Resourcer) AddAction(resource, name string, opts ActionOptions) error {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	old, ok := rs.resources[resource]
	if !ok {
		return notFound("%s resource does not exist", resource)
	}
	if slices.Contains(old.excluded, name) {
		return fmt.Errorf("%w: %s action is not allowed", ErrInvalidDefinition, name)
	}
	if _, exists := old.actions[name]; exists {
		return fmt.Errorf("%w: %s action already exists", ErrInvalidDefinition, name)
	}
	r := *old
	r.actions = maps.Clone(old.actions)
	a, err := newAction(name, &r, opts)
	if err != nil {
		return err
	}
	r.actions[name] = a
	for n, existing := range r.actions {
		if n != name {
			moved := *existing
			moved.resource = &r
			r.actions[n] = &moved
		}
	}
	rs.resources[resource] = &r
	rs.publishLocked()
	return nil
}

// IsDefined reports whether a resource is defined.
func (rs *Resourcer) IsDefined(name string) bool {
	_, ok := rs.snap.Load().resources[name]
	return ok
}

// Resource returns a defined resource.
func (rs *Resourcer) Resource(name string) (*Resource, bool) {
	r, ok := rs.snap.Load().resources[name]
	return r, ok
}

// Remove removes a resource and reports whether it existed.
func (rs *Resourcer) Remove(name string) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if _, ok := rs.resources[name]; !ok {
		return false
	}
	delete(rs.resources, name)
	rs.publishLocked()
	return true
}

// RegisterActionHandler registers a handler for an action name ("list") or
// for one resource's action ("posts:list", which wins over the generic one
// on that resource). Resources defined afterwards get it; an action defined
// without a handler finds it at request time.
func (rs *Resourcer) RegisterActionHandler(name string, h http.Handler) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.handlers[name] = h
	rs.publishLocked()
}

// RegisterActionHandlers registers several handlers.
func (rs *Resourcer) RegisterActionHandlers(handlers map[string]http.Handler) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	maps.Copy(rs.handlers, handlers)
	rs.publishLocked()
}

// UseOptions place a middleware among the others: Tag (or Group) names its
// group, Before and After name groups to run before or after.
type UseOptions struct {
	Tag    string
	Group  string
	Before []string
	After  []string
}

// RegisterPreActionHandler adds a middleware that runs just before the
// handlers of an action name ("list") or of one resource's action
// ("posts:list"). A resource's specific ones replace the generic ones for
// it, as in NocoBase.
func (rs *Resourcer) RegisterPreActionHandler(name string, mw func(http.Handler) http.Handler, opts UseOptions) error {
	if mw == nil {
		return fmt.Errorf("%w: nil pre-action handler", ErrInvalidDefinition)
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	s := rs.pre[name]
	if s == nil {
		s = &toposort.Sorter[func(http.Handler) http.Handler]{}
	}
	if err := s.Add(mw, toposort.Options(opts)); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidDefinition, err)
	}
	rs.pre[name] = s
	rs.publishLocked()
	return nil
}

// Use adds a middleware that wraps every action, ordered among the others
// by opts (in the order added when none is given: NocoBase's "default"
// tag). The ACL middleware goes here.
func (rs *Resourcer) Use(mw func(http.Handler) http.Handler, opts UseOptions) error {
	if mw == nil {
		return fmt.Errorf("%w: nil middleware", ErrInvalidDefinition)
	}
	if opts.Tag == "" && opts.Group == "" && len(opts.Before) == 0 && len(opts.After) == 0 {
		opts.Tag = "default"
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if err := rs.global.Add(mw, toposort.Options(opts)); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidDefinition, err)
	}
	rs.publishLocked()
	return nil
}

// lookup finds the action a request names: a resource-specific registered
// handler ("posts:list") selects the resource's action of that name.
func (reg *registry) lookup(r *Resource, name string) (*action, error) {
	if !strings.Contains(name, ":") {
		if _, ok := reg.handlers[r.name+":"+name]; ok {
			return r.action(r.name + ":" + name)
		}
	}
	return r.action(name)
}

// chain returns the handler chain of an action: global middlewares, the
// resource's and the action's (those that apply to it), the pre-action
// handlers, then the handler.
func (reg *registry) chain(a *action) (http.Handler, error) {
	if h, ok := reg.chains.Load(a); ok {
		return h.(http.Handler), nil
	}
	h := a.handler
	if h == nil {
		h = reg.handlers[a.name]
	}
	if h == nil {
		return nil, fmt.Errorf("%w: %s action of %s has no handler", ErrInvalidDefinition, a.name, a.resource.name)
	}
	pre := reg.pre[a.name]
	if !strings.Contains(a.name, ":") {
		if specific, ok := reg.pre[a.resource.name+":"+a.name]; ok {
			pre = specific
		}
	}
	for i := len(pre) - 1; i >= 0; i-- {
		h = pre[i](h)
	}
	for i := len(a.mws) - 1; i >= 0; i-- {
		if a.mws[i].appliesTo(a.name) {
			h = a.mws[i].Handler(h)
		}
	}
	for i := len(reg.global) - 1; i >= 0; i-- {
		h = reg.global[i](h)
	}
	actual, _ := reg.chains.LoadOrStore(a, h)
	return actual.(http.Handler), nil
}

// StateChangingActions are NocoBase's action names that change data; GET
// and HEAD may not run them unless Options.AllowStateChangingGET.
func StateChangingActions() []string {
	return []string{"create", "update", "destroy", "firstOrCreate", "updateOrCreate", "add", "set", "remove", "toggle", "move", "import"}
}

var stateChangingNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range StateChangingActions() {
		m[n] = true
	}
	return m
}()

// StateChanging marks a handler as one that changes data, wherever it is
// registered (RegisterActionHandler or ActionOptions.Handler), so that GET
// and HEAD may not run it.
func StateChanging(h http.Handler) http.Handler { return stateChangingHandler{h} }

type stateChangingHandler struct{ http.Handler }

// stateChanging reports whether GET may not run a.
func (reg *registry) stateChanging(a *action) bool {
	name := a.name[strings.LastIndexByte(a.name, ':')+1:]
	if a.stateChanging || stateChangingNames[name] {
		return true
	}
	h := a.handler
	if h == nil {
		h = reg.handlers[a.name]
	}
	_, marked := h.(stateChangingHandler)
	return marked
}

var actionStrategiesJSON = func() map[string]jsonval.Strategy {
	out := map[string]jsonval.Strategy{}
	for k, f := range actionStrategies {
		out[k] = f
	}
	return out
}()
