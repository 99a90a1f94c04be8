package acl

import (
	"fmt"
	"slices"
	"strings"
)

// Snippet is a named set of action path patterns ("users:*",
// "collections:list") that roles switch on by name: a role's snippet rules
// ("pm.*", "!pm.users") select registered snippets by glob.
type Snippet struct {
	Name    string
	Actions []string
}

type snippetEntry struct {
	name     string
	patterns []string
	globs    []*glob
}

// RegisterSnippet adds a snippet, or extends one of the same name with more
// patterns. A trailing ".*" is dropped from the name (NocoBase does the same);
// a name that still contains '*' or ends with '.' is refused.
func (a *ACL) RegisterSnippet(s Snippet) error {
	name := strings.Replace(s.Name, ".*", "", 1)
	if name == "" || strings.Contains(name, "*") || strings.HasSuffix(name, ".") {
		return fmt.Errorf("%w: invalid snippet name: %s, name should not include * or end with dot", ErrInvalidSnippet, name)
	}
	globs := make([]*glob, len(s.Actions))
	for i, p := range s.Actions {
		g, err := compileGlob(p)
		if err != nil {
			return fmt.Errorf("%w: snippet %s action %d: %w", ErrInvalidSnippet, name, i, err)
		}
		globs[i] = g
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if existing, ok := a.snippets[name]; ok {
		merged := &snippetEntry{name: name}
		for i, p := range append(slices.Clone(existing.patterns), s.Actions...) {
			if !slices.Contains(merged.patterns, p) {
				merged.patterns = append(merged.patterns, p)
				if i < len(existing.patterns) {
					merged.globs = append(merged.globs, existing.globs[i])
				} else {
					merged.globs = append(merged.globs, globs[i-len(existing.patterns)])
				}
			}
		}
		a.snippets[name] = merged
	} else {
		a.snippets[name] = &snippetEntry{name: name, patterns: slices.Clone(s.Actions), globs: globs}
		a.snippetOrder = append(a.snippetOrder, name)
	}
	a.publishAllLocked()
	return nil
}

// Snippets returns the registered snippets in registration order.
func (a *ACL) Snippets() []Snippet {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Snippet, 0, len(a.snippetOrder))
	for _, name := range a.snippetOrder {
		out = append(out, Snippet{Name: name, Actions: slices.Clone(a.snippets[name].patterns)})
	}
	return out
}

// effectiveSnippets applies a role's rules to the registry: allowed are the
// snippets some rule selects and no "!" rule rejects; rejected are the ones a
// "!" rule selects. Both keep rule order, then registration order.
func (a *ACL) effectiveSnippetsLocked(rules []string) (allowed, rejected []string, err error) {
	var allowedAll []string
	for _, rule := range rules {
		negated := strings.HasPrefix(rule, "!")
		pattern := strings.TrimPrefix(rule, "!")
		g, err := compileGlob(pattern)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: rule %q: %w", ErrInvalidSnippet, rule, err)
		}
		for _, name := range a.snippetOrder {
			if !g.match(name) {
				continue
			}
			if negated {
				if !slices.Contains(rejected, name) {
					rejected = append(rejected, name)
				}
			} else if !slices.Contains(allowedAll, name) {
				allowedAll = append(allowedAll, name)
			}
		}
	}
	for _, name := range allowedAll {
		if !slices.Contains(rejected, name) {
			allowed = append(allowed, name)
		}
	}
	return allowed, rejected, nil
}

// actionMatcher answers "does any of these patterns match resource:action"
// without building the path for the common pattern shapes "res:*" and
// "res:act".
type actionMatcher struct {
	byResource map[string]resourcePatterns
	globs      []*glob
	globSrc    []string
	all        []*glob // every pattern, for paths the fast table cannot answer
	allSrc     []string
}

// resourcePatterns are the literal patterns of one resource: "res:*" (any)
// and "res:act" (actions).
type resourcePatterns struct {
	any     string // the "res:*" pattern, if there is one
	actions []string
	sources []string
}

func newActionMatcher(patterns []string, globs []*glob) *actionMatcher {
	m := &actionMatcher{byResource: map[string]resourcePatterns{}}
	for i, p := range patterns {
		g := globs[i]
		m.all = append(m.all, g)
		m.allSrc = append(m.allSrc, p)
		res, act, ok := strings.Cut(p, ":")
		plain := ok && !g.negated && !strings.ContainsAny(res, `*?[]{}\/!:#`) && res != ""
		switch {
		case plain && act == "*":
			rp := m.byResource[res]
			if rp.any == "" {
				rp.any = p
			}
			m.byResource[res] = rp
		case plain && !strings.ContainsAny(act, `*?[]{}\/`):
			rp := m.byResource[res]
			rp.actions = append(rp.actions, act)
			rp.sources = append(rp.sources, p)
			m.byResource[res] = rp
		default:
			m.globs = append(m.globs, g)
			m.globSrc = append(m.globSrc, p)
		}
	}
	return m
}

// match reports whether resource:action matches and which pattern did.
func (m *actionMatcher) match(resource, action string) (string, bool) {
	if m == nil {
		return "", false
	}
	if hasPathSeparator(resource) {
		path := resource + ":" + action
		for i, g := range m.all {
			if g.match(path) {
				return m.allSrc[i], true
			}
		}
		return "", false
	}
	if rp, ok := m.byResource[resource]; ok {
		if rp.any != "" && strings.IndexByte(action, '/') < 0 {
			return rp.any, true
		}
		for i, a := range rp.actions {
			if a == action {
				return rp.sources[i], true
			}
		}
	}
	if len(m.globs) == 0 {
		return "", false
	}
	path := resource + ":" + action
	for i, g := range m.globs {
		if g.match(path) {
			return m.globSrc[i], true
		}
	}
	return "", false
}

// hasPathSeparator reports whether a resource name has ':' or '/', which the
// literal table cannot answer for.
func hasPathSeparator(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' || s[i] == '/' {
			return true
		}
	}
	return false
}

// SnippetAllows is NocoBase's snippetManager.allow: whether the snippet
// named (or, with a leading "!", negated) matches an action path. ok is
// false when the snippet is unknown or none of its patterns match.
func (a *ACL) SnippetAllows(actionPath, snippetName string) (allowed, ok bool) {
	negated := strings.HasPrefix(snippetName, "!")
	name := strings.TrimPrefix(snippetName, "!")
	a.mu.Lock()
	e, found := a.snippets[name]
	a.mu.Unlock()
	if !found {
		return false, false
	}
	for _, g := range e.globs {
		if g.match(actionPath) {
			return !negated, true
		}
	}
	return false, false
}

// RegisterSnippetPatterns is RegisterSnippet with plain arguments, for
// packages that configure an ACL through a small interface of their own
// (users.ACLPresets) and so cannot name Snippet.
func (a *ACL) RegisterSnippetPatterns(name string, patterns []string) error {
	return a.RegisterSnippet(Snippet{Name: name, Actions: patterns})
}
