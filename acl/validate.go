package acl

import (
	"fmt"
	"slices"
	"strings"
)

// builtinParamKeys are the param keys a grant may carry without
// registration: the ones the ACL, the router and the data layer act on.
var builtinParamKeys = []string{"filter", "fields", "whitelist", "blacklist", "appends", "except", "sort", "own"}

// RegisterParamKeys lets grants carry more param keys than the built-in
// filter, fields, whitelist, blacklist, appends, except, sort and own: keys
// a host's own actions read. Grants naming any other key are refused, so
// that a misspelt "filtr" is an error rather than a grant without a filter.
func (a *ACL) RegisterParamKeys(keys ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, k := range keys {
		if k != "" && !slices.Contains(a.paramKeys, k) {
			a.paramKeys = append(a.paramKeys, k)
		}
	}
}

// checkParamKeysLocked refuses params with a key that is neither built in
// nor registered.
func (a *ACL) checkParamKeysLocked(path string, p Params) error {
	var unknown []string
	for k := range p {
		if !slices.Contains(builtinParamKeys, k) && !slices.Contains(a.paramKeys, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown) // one deterministic error when there are several
	known := append(slices.Clone(builtinParamKeys), a.paramKeys...)
	return &UnknownNameError{Kind: "param", Name: unknown[0], Where: path, Suggestion: suggest(unknown[0], known)}
}

// checkStrategyNameLocked refuses a strategy name that is not registered:
// NocoBase keeps the name and the role silently gets no strategy.
func (a *ACL) checkStrategyNameLocked(role, name string) error {
	if name == "" {
		return nil
	}
	if _, ok := a.strategies[name]; ok {
		return nil
	}
	known := make([]string, 0, len(a.strategies))
	for n := range a.strategies {
		known = append(known, n)
	}
	slices.Sort(known)
	return &UnknownNameError{Kind: "strategy", Name: name, Where: "role " + role, Suggestion: suggest(name, known)}
}

// strategyPredicates are the predicates a strategy action may carry.
var strategyPredicates = []string{"own", "all"}

// checkStrategyLocked refuses a strategy whose actions name an action that
// is neither registered (SetAvailableAction) nor an alias, or a predicate
// other than own and all. NocoBase accepts both and denies the action, so a
// typo goes unnoticed. "*" alone allows every action.
func (a *ACL) checkStrategyLocked(where string, opts StrategyOptions) error {
	for _, entry := range opts.Actions {
		if entry == "*" {
			continue
		}
		action, predicate, hasPredicate := strings.Cut(entry, ":")
		if hasPredicate && (predicate == "" || strings.Contains(predicate, ":")) {
			return fmt.Errorf("%w: %s: action %q: want \"action\" or \"action:predicate\"", ErrInvalidOptions, where, entry)
		}
		if hasPredicate && !slices.Contains(strategyPredicates, predicate) {
			return &UnknownNameError{Kind: "predicate", Name: predicate, Where: where + " action " + entry, Suggestion: suggest(predicate, strategyPredicates)}
		}
		if action == "*" || a.isKnownActionLocked(action) {
			continue
		}
		return &UnknownNameError{Kind: "action", Name: action, Where: where, Suggestion: suggest(action, a.actionNamesLocked())}
	}
	return nil
}

func (a *ACL) isKnownActionLocked(name string) bool {
	if _, ok := a.actions[name]; ok {
		return true
	}
	_, ok := a.alias[name]
	return ok
}

// actionNamesLocked lists the registered actions and aliases, sorted.
func (a *ACL) actionNamesLocked() []string {
	names := slices.Clone(a.actionOrder)
	for alias := range a.alias {
		names = append(names, alias)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// checkSnippetRuleLocked refuses a snippet rule ("pm.users", "pm.*",
// "!pm.users") that selects no registered snippet: NocoBase accepts it and
// the role silently lacks (or keeps) the permissions the author meant.
// Register snippets before the roles that use them.
func (a *ACL) checkSnippetRuleLocked(role, rule string, g *glob) error {
	for _, name := range a.snippetOrder {
		if g.match(name) {
			return nil
		}
	}
	negated := strings.HasPrefix(rule, "!")
	s := suggest(strings.TrimPrefix(rule, "!"), a.snippetOrder)
	if s != "" && negated {
		s = "!" + s
	}
	return &UnknownNameError{Kind: "snippet", Name: rule, Where: "role " + role, Suggestion: s}
}

// pathSuggestion proposes a well-formed "resource:action" for a malformed
// path: "posts.list" -> "posts:list", "posts:list:x" -> "posts:list".
func pathSuggestion(path string) string {
	resource, rest, ok := strings.Cut(path, ":")
	if ok {
		action, _, _ := strings.Cut(rest, ":")
		if resource != "" && action != "" {
			return resource + ":" + action
		}
		return ""
	}
	if i := strings.LastIndexByte(path, '.'); i > 0 && i < len(path)-1 {
		return path[:i] + ":" + path[i+1:]
	}
	return ""
}

// maxSuggestDistance is how far a name may be from a known one to be
// offered as "did you mean": two edits catch a transposition or a missing
// or doubled letter without proposing unrelated names.
const maxSuggestDistance = 2

// suggest returns the known name nearest to name within
// maxSuggestDistance edits (the first in known's order on a tie), or "".
func suggest(name string, known []string) string {
	best, bestDist := "", maxSuggestDistance+1
	for _, k := range known {
		if k == name {
			continue
		}
		if d := editDistance(name, k, maxSuggestDistance); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance between a and b
// (insertions, deletions, substitutions and swaps of neighbours), or
// limit+1 when it is larger than limit. Names longer than 64 bytes get no
// suggestion, so a hostile configuration cannot make this quadratic work.
func editDistance(a, b string, limit int) int {
	if len(a) > 64 || len(b) > 64 || abs(len(a)-len(b)) > limit {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
