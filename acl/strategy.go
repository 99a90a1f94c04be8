package acl

import (
	"slices"
	"sort"
	"strings"
)

// StrategyOptions describe what a role may do on every resource it has no
// explicit grant for. Actions lists action names, optionally with a
// predicate: "view" (any row), "update:own" (rows the user created),
// "view:all" (any row); []string{"*"} allows every action; nil allows none.
// An unknown predicate denies that action, as in NocoBase.
type StrategyOptions struct {
	Actions        []string `json:"actions,omitzero"`
	AllowConfigure bool     `json:"allowConfigure"`
	DisplayName    string   `json:"displayName,omitempty"`
}

// ownFilter is the template a ":own" grant restricts rows with.
const ownUserTemplate = "{{ ctx.state.currentUser.id }}"

func ownPredicate() Params {
	return Params{"filter": map[string]any{"createdById": ownUserTemplate}}
}

// strategyMatch is what a strategy answers for one action: whether it
// allows it, the params it adds, and the entry that decided (for Explain).
type strategyMatch struct {
	allowed bool
	params  Params // nil: allowed without params
	rule    string
}

type compiledStrategy struct {
	name           string // empty for an inline strategy
	allowAll       bool
	allowConfigure bool
	byAction       []strategyEntry // keyed by the requested action name; short, so scanned
}

type strategyEntry struct {
	action string
	match  strategyMatch
}

// compileStrategy resolves every action name a request may use, aliases
// included, to the strategy's answer. NocoBase resolves the alias twice on
// this path (once in can, once in the strategy), so the table does too.
func compileStrategy(name string, opts StrategyOptions, alias map[string]string) *compiledStrategy {
	cs := &compiledStrategy{name: name, allowConfigure: opts.AllowConfigure}
	// NocoBase compares actions == '*' loosely, so ["*"] allows everything
	// too, while ["*", "view"] does not.
	if len(opts.Actions) == 1 && opts.Actions[0] == "*" {
		cs.allowAll = true
		return cs
	}
	entries := map[string]strategyMatch{}
	for _, entry := range opts.Actions {
		action, predicate, _ := strings.Cut(entry, ":")
		predicate, _, _ = strings.Cut(predicate, ":")
		m := strategyMatch{allowed: true, rule: entry}
		switch predicate {
		case "":
		case "own":
			m.params = ownPredicate()
		case "all":
			m.params = Params{}
		default:
			m.allowed = false // unknown predicate: NocoBase returns undefined
		}
		entries[action] = m
	}

	resolve := func(a string) string {
		if t, ok := alias[a]; ok {
			return t
		}
		return a
	}
	candidates := make([]string, 0, len(entries)+len(alias))
	for a := range entries {
		candidates = append(candidates, a)
	}
	for a := range alias {
		candidates = append(candidates, a)
	}
	sort.Strings(candidates)
	for _, requested := range slices.Compact(candidates) {
		if m, ok := entries[resolve(resolve(requested))]; ok {
			cs.byAction = append(cs.byAction, strategyEntry{requested, m})
		}
	}
	return cs
}

func (cs *compiledStrategy) match(action string) (strategyMatch, bool) {
	if cs.allowAll {
		return strategyMatch{allowed: true, rule: "*"}, true
	}
	for i := range cs.byAction {
		if cs.byAction[i].action == action {
			return cs.byAction[i].match, true
		}
	}
	return strategyMatch{}, false
}
