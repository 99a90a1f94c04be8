package acl

import (
	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
	"log/slog"
	"maps"
)

// snapshot is one immutable compiled configuration. Readers load it with
// one atomic read; writers build a new one and swap it in.
type snapshot struct {
	roles       map[string]*compiledRole
	resourceIDs map[string]int32
	shared      *shared
}

// shared is the part of a snapshot that does not depend on one role.
type shared struct {
	alias             map[string]string
	strategies        map[string]*compiledStrategy
	strategyResources map[string]struct{} // nil: every resource
	fixed             map[[2]string][]Params
	fixedFolded       map[[2]string]Params
	general           []func(resource, action string) Params
	allows            map[[2]string]allowRule
	conditions        map[string]AllowCondition
	middlewares       []middlewareNode
	logger            *slog.Logger
}

func (s *snapshot) resolveAlias(name string) string {
	if t, ok := s.shared.alias[name]; ok {
		return t
	}
	return name
}

type compiledRole struct {
	name         string
	root         bool
	strategy     *compiledStrategy // nil: none
	strategyName string            // as configured, for Explain
	// spans, indexed by resource id, say where a configured resource's
	// grants sit in entries; a pointer-free slice the GC skips.
	spans            []grantSpan
	entries          []compiledGrant
	allowedSnippets  *actionMatcher
	rejectedSnippets *actionMatcher
	snippetOf        map[string]string // pattern -> first snippet (allowed first) that has it
}

type grantSpan struct {
	start, end int32
	configured bool
}

// compiledGrant is an explicit grant as seen by a request for one action
// name (aliases included).
type compiledGrant struct {
	action string // the requested name
	stored string // the granted action it resolves to
	params Params // the granted params, before fixed params
	// final is params with the fixed params of (resource, action) when the
	// request names no other raw resource; nil when that is empty.
	final Params
}

// grants returns a role's grants on a resource, and whether the resource
// is configured at all.
func (s *snapshot) grants(role *compiledRole, resource string) ([]compiledGrant, bool) {
	id, ok := s.resourceIDs[resource]
	if !ok || int(id) >= len(role.spans) {
		return nil, false
	}
	span := role.spans[id]
	return role.entries[span.start:span.end], span.configured
}

func findGrant(entries []compiledGrant, action string) *compiledGrant {
	for i := range entries {
		if entries[i].action == action {
			return &entries[i]
		}
	}
	return nil
}

func (a *ACL) compileSharedLocked() *shared {
	s := &shared{
		alias:       maps.Clone(a.alias),
		strategies:  make(map[string]*compiledStrategy, len(a.strategies)),
		fixed:       a.evalFixedLocked(),
		general:     append([]func(string, string) Params(nil), a.general...),
		allows:      maps.Clone(a.allows),
		conditions:  maps.Clone(a.conditions),
		middlewares: append([]middlewareNode(nil), a.middlewares.Nodes()...),
		logger:      a.logger,
	}
	if a.strategyResources != nil {
		s.strategyResources = maps.Clone(a.strategyResources)
	}
	for name, opts := range a.strategies {
		s.strategies[name] = compileStrategy(name, opts, s.alias)
	}
	s.fixedFolded = make(map[[2]string]Params, len(s.fixed))
	for key, list := range s.fixed {
		acc := map[string]any{}
		for _, p := range list {
			acc = foldFixed(acc, p)
		}
		if len(acc) > 0 {
			s.fixedFolded[key] = Params(acc)
		}
	}
	return s
}

func (a *ACL) compileRoleLocked(r *Role, s *shared) *compiledRole {
	cr := &compiledRole{name: r.name, root: r.name == "root", strategyName: r.strategy}
	switch {
	case r.inlineStrategy != nil:
		cr.strategy = compileStrategy("", *r.inlineStrategy, s.alias)
	case r.strategy != "":
		cr.strategy = s.strategies[r.strategy]
	}
	byResource := map[string][]string{}
	for key := range r.grants {
		byResource[key.resource] = append(byResource[key.resource], key.action)
	}
	maxID := int32(-1)
	for _, res := range jsonval.SortedKeys(r.resources) {
		id := a.resourceIDLocked(res)
		maxID = max(maxID, id)
	}
	cr.spans = make([]grantSpan, maxID+1)
	for _, res := range jsonval.SortedKeys(r.resources) {
		start := int32(len(cr.entries))
		actions := byResource[res]
		add := func(name, stored string) {
			g := compiledGrant{action: name, stored: stored, params: r.grants[grantKey{res, stored}]}
			g.final = withFixed(g.params, s.fixedFolded[[2]string{res, name}])
			if len(g.final) == 0 {
				g.final = nil
			}
			cr.entries = append(cr.entries, g)
		}
		for _, act := range actions {
			add(act, act)
		}
		for _, alias := range jsonval.SortedKeys(s.alias) {
			target := s.alias[alias]
			if _, exact := r.grants[grantKey{res, alias}]; exact {
				continue
			}
			if _, ok := r.grants[grantKey{res, target}]; ok {
				add(alias, target)
			}
		}
		cr.spans[a.resourceIDs[res]] = grantSpan{start: start, end: int32(len(cr.entries)), configured: true}
	}
	allowed, rejected, err := a.effectiveSnippetsLocked(r.snippets)
	if err != nil {
		a.logger.Error("acl: role snippets ignored", "role", r.name, "error", err)
	}
	cr.snippetOf = map[string]string{}
	cr.allowedSnippets = a.snippetMatcherLocked(allowed, cr.snippetOf)
	cr.rejectedSnippets = a.snippetMatcherLocked(rejected, cr.snippetOf)
	return cr
}

// resourceIDLocked numbers a resource, growing the shared table by copy.
func (a *ACL) resourceIDLocked(res string) int32 {
	if id, ok := a.resourceIDs[res]; ok {
		return id
	}
	ids := make(map[string]int32, len(a.resourceIDs)+16)
	for k, v := range a.resourceIDs {
		ids[k] = v
	}
	id := int32(len(ids))
	ids[res] = id
	a.resourceIDs = ids
	return id
}

func (a *ACL) snippetMatcherLocked(names []string, snippetOf map[string]string) *actionMatcher {
	if len(names) == 0 {
		return nil
	}
	var patterns []string
	var globs []*glob
	for _, name := range names {
		e := a.snippets[name]
		for i, p := range e.patterns {
			if _, seen := snippetOf[p]; !seen {
				snippetOf[p] = name
			}
			patterns = append(patterns, p)
			globs = append(globs, e.globs[i])
		}
	}
	return newActionMatcher(patterns, globs)
}

func (a *ACL) newSnapshotLocked(roles map[string]*compiledRole, s *shared) *snapshot {
	return &snapshot{roles: roles, resourceIDs: a.resourceIDs, shared: s}
}

// publishAllLocked recompiles everything after a change that affects every
// role (actions, strategies, snippets, fixed params, allow rules).
func (a *ACL) publishAllLocked() {
	s := a.compileSharedLocked()
	roles := make(map[string]*compiledRole, len(a.roles))
	if len(a.interned) >= a.internedLimit {
		a.pruneInternedLocked()
	}
	for name, r := range a.roles {
		r.compiled = a.compileRoleLocked(r, s)
		roles[name] = r.compiled
	}
	a.snap.Store(a.newSnapshotLocked(roles, s))
}

// publishRoleLocked recompiles one role. A role that is no longer the
// ACL's (replaced or removed) is compiled for its own use only.
func (a *ACL) publishRoleLocked(r *Role) {
	old := a.snap.Load()
	r.compiled = a.compileRoleLocked(r, old.shared)
	if a.roles[r.name] != r {
		return
	}
	roles := maps.Clone(old.roles)
	roles[r.name] = r.compiled
	a.snap.Store(a.newSnapshotLocked(roles, old.shared))
}

func (a *ACL) publishRoleRemovedLocked(name string) {
	old := a.snap.Load()
	roles := maps.Clone(old.roles)
	delete(roles, name)
	a.snap.Store(a.newSnapshotLocked(roles, old.shared))
}
