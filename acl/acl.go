package acl

import (
	"encoding/json"
	"fmt"
	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gatehouse-dev/gatehouse/internal/toposort"
)

// ACL holds roles, strategies, snippets, allow rules and fixed params.
//
// Writers (Define, GrantAction, SetAvailableStrategy, ...) serialise on a
// mutex, recompile what they changed and publish a new immutable snapshot
// with one atomic store. Readers (Can, Explain, the middleware) load the
// current snapshot and never wait for a writer. All methods are safe for
// concurrent use.
type ACL struct {
	mu   sync.Mutex
	snap atomic.Pointer[snapshot]

	roles             map[string]*Role
	actions           map[string]ActionOptions
	actionOrder       []string
	alias             map[string]string
	strategies        map[string]StrategyOptions
	snippets          map[string]*snippetEntry
	snippetOrder      []string
	strategyResources map[string]struct{} // nil: every resource
	fixed             map[[2]string][]func() Params
	general           []func(resource, action string) Params
	allows            map[[2]string]allowRule
	conditions        map[string]AllowCondition
	grantListeners    []func(*GrantEvent)
	middlewares       toposort.Sorter[middlewareNode]
	logger            *slog.Logger
	paramKeys         []string // registered with RegisterParamKeys
	writeActions      []string // actions whose granted fields also bound writes

	// interned maps the JSON of granted params to one shared read-only
	// copy: thousands of grants usually carry a handful of distinct params.
	interned      map[string]Params
	internedLimit int
	// resourceIDs number every resource any role was ever granted, copy on
	// write: snapshots share it.
	resourceIDs map[string]int32
}

// ActionOptions describe an action the ACL knows, NocoBase's
// setAvailableAction options. Aliases are other names that resolve to it
// (view: get, list).
type ActionOptions struct {
	DisplayName          string   `json:"displayName,omitempty"`
	Type                 string   `json:"type,omitempty"` // "new-data" or "old-data"
	Aliases              []string `json:"aliases,omitempty"`
	Resource             string   `json:"resource,omitempty"`
	OnNewRecord          bool     `json:"onNewRecord,omitempty"`
	AllowConfigureFields bool     `json:"allowConfigureFields,omitempty"`
}

// New returns an empty ACL: no roles, actions or strategies, the built-in
// allow conditions "public", "loggedIn" and "allowConfigure", and the two
// grant rules NocoBase installs: {own: true} adds a createdById filter, and
// fields on create/update become a whitelist.
func New() *ACL {
	a := &ACL{
		roles:        map[string]*Role{},
		actions:      map[string]ActionOptions{},
		alias:        map[string]string{},
		strategies:   map[string]StrategyOptions{},
		snippets:     map[string]*snippetEntry{},
		fixed:        map[[2]string][]func() Params{},
		allows:       map[[2]string]allowRule{},
		conditions:   map[string]AllowCondition{},
		logger:       slog.Default(),
		interned:     map[string]Params{},
		resourceIDs:  map[string]int32{},
		writeActions: []string{"updateOrCreate", "firstOrCreate"},
	}
	a.registerBuiltinConditions()
	a.addBuiltinMiddlewares()
	a.mu.Lock()
	a.publishAllLocked()
	a.mu.Unlock()
	return a
}

// SetLogger sets the logger the ACL and its middleware report to.
func (a *ACL) SetLogger(l *slog.Logger) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if l == nil {
		l = slog.Default()
	}
	a.logger = l
	a.publishAllLocked()
}

// SetAvailableAction registers an action and its aliases. A later alias
// for the same name wins.
func (a *ACL) SetAvailableAction(name string, opts ActionOptions) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.actions[name]; !ok {
		a.actionOrder = append(a.actionOrder, name)
	}
	opts.Aliases = slices.Clone(opts.Aliases)
	a.actions[name] = opts
	for _, alias := range opts.Aliases {
		a.alias[alias] = name
	}
	a.publishAllLocked()
}

// AvailableAction returns the options of an action, resolving an alias first.
func (a *ACL) AvailableAction(name string) (ActionOptions, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if target, ok := a.alias[name]; ok {
		name = target
	}
	opts, ok := a.actions[name]
	return opts, ok
}

// AvailableActions returns the registered action names in registration order.
func (a *ACL) AvailableActions() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.actionOrder)
}

// ResolveActionAlias returns the action an alias stands for, or name itself.
func (a *ACL) ResolveActionAlias(name string) string {
	return a.snap.Load().resolveAlias(name)
}

// SetAvailableStrategy registers (or replaces) a named strategy. Roles that
// name it pick the change up at once. Every action the strategy lists must
// be registered (SetAvailableAction) or an alias, and a predicate must be
// own or all; otherwise nothing changes and the error names the entry.
func (a *ACL) SetAvailableStrategy(name string, opts StrategyOptions) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.checkStrategyLocked("strategy "+name, opts); err != nil {
		return err
	}
	opts.Actions = slices.Clone(opts.Actions)
	a.strategies[name] = opts
	a.publishAllLocked()
	return nil
}

// AvailableStrategy returns a registered strategy.
func (a *ACL) AvailableStrategy(name string) (StrategyOptions, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.strategies[name]
	s.Actions = slices.Clone(s.Actions)
	return s, ok
}

// SetStrategyResources limits strategies to these resources: a role's
// strategy then grants nothing on any other resource (explicit grants and
// snippets still do). nil is an empty list, as in NocoBase; use
// ClearStrategyResources to lift the limit.
func (a *ACL) SetStrategyResources(resources []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.strategyResources = make(map[string]struct{}, len(resources))
	for _, r := range resources {
		a.strategyResources[r] = struct{}{}
	}
	a.publishAllLocked()
}

// ClearStrategyResources lets strategies apply to every resource again.
func (a *ACL) ClearStrategyResources() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.strategyResources = nil
	a.publishAllLocked()
}

// StrategyResources returns the resources strategies are limited to, sorted,
// and false when they are not limited.
func (a *ACL) StrategyResources() ([]string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.strategyResources == nil {
		return nil, false
	}
	return jsonval.SortedKeys(a.strategyResources), true
}

// AppendStrategyResource adds one resource to the strategy resources,
// starting the list if there was none.
func (a *ACL) AppendStrategyResource(resource string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.strategyResources == nil {
		a.strategyResources = map[string]struct{}{}
	}
	a.strategyResources[resource] = struct{}{}
	a.publishAllLocked()
}

// RemoveStrategyResource removes one resource from the strategy resources.
// Without a list there is nothing to remove (NocoBase throws here).
func (a *ACL) RemoveStrategyResource(resource string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.strategyResources == nil {
		return
	}
	delete(a.strategyResources, resource)
	a.publishAllLocked()
}

// GrantEvent is what a BeforeGrantAction listener sees; it may replace Params.
type GrantEvent struct {
	Role     string
	Path     string // "resource:action"
	Resource string
	Action   string
	Params   Params
}

// BeforeGrantAction adds a listener that runs on every grant, after the
// built-in ones, and may rewrite the params being granted. It applies to
// grants made after it is added.
func (a *ACL) BeforeGrantAction(listener func(*GrantEvent)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.grantListeners = append(a.grantListeners, listener)
}

// runGrantListenersLocked applies the built-in grant rules, then the
// host's listeners: {own: true} adds the createdById filter; on create and
// update granted fields become the whitelist, as in NocoBase; on the other
// write actions (RegisterWriteActions) they bound writes too and stay to
// bound the output.
func (a *ACL) runGrantListenersLocked(ev *GrantEvent) error {
	if jsonval.Truthy(ev.Params["own"]) {
		ev.Params = Params(jsonval.DeepMerge(map[string]any(ev.Params), map[string]any(ownPredicate())).(map[string]any))
	}
	target := a.resolveAliasLocked(ev.Action)
	if fields, ok := ev.Params["fields"]; ok && jsonval.Truthy(fields) {
		switch {
		case target == "create" || target == "update":
			p := make(Params, len(ev.Params))
			for k, v := range ev.Params {
				if k != "fields" {
					p[k] = v
				}
			}
			p["whitelist"] = fields
			ev.Params = p
		case slices.Contains(a.writeActions, target):
			ev.Params = withWriteWhitelist(ev.Params)
		}
	}
	for _, l := range a.grantListeners {
		l(ev)
		p, err := normalizeParams(ev.Params)
		if err != nil {
			return fmt.Errorf("%w: %s after BeforeGrantAction listener: %w", ErrInvalidParams, ev.Path, err)
		}
		ev.Params = p
	}
	return nil
}

func (a *ACL) resolveAliasLocked(name string) string {
	if t, ok := a.alias[name]; ok {
		return t
	}
	return name
}

// internParamsLocked returns the shared copy of params equal to p.
func (a *ACL) internParamsLocked(p Params) Params {
	raw, err := json.Marshal(p)
	if err != nil {
		return p // normalized params always marshal; keep p unshared if not
	}
	key := string(raw)
	if shared, ok := a.interned[key]; ok {
		return shared
	}
	if len(a.interned) >= a.internedLimit {
		a.pruneInternedLocked()
	}
	a.interned[key] = p
	return p
}

// pruneInternedLocked drops params no role grants any more, so that a long
// run of changing grants does not grow the table without bound.
func (a *ACL) pruneInternedLocked() {
	live := map[string]Params{}
	for _, r := range a.roles {
		for _, p := range r.grants {
			if raw, err := json.Marshal(p); err == nil {
				live[string(raw)] = p
			}
		}
	}
	a.interned = live
	a.internedLimit = 2*len(live) + 256
}
