package acl

import (
	"slices"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// CanArgs ask whether a role (or the union of several roles) may run an
// action on a resource. Role, when set, wins over Roles. RawResourceName is
// the name as addressed ("users.posts" for an association) when it differs
// from Resource: fixed params and snippets are looked up by it, grants and
// strategies by Resource.
type CanArgs struct {
	Role            string
	Roles           []string
	Resource        string
	Action          string
	RawResourceName string
}

// CanResult is a permission: the role that grants it (the first granting
// role of a union), the resource and action asked for, and the params that
// restrict it (nil when there are none). It marshals to the JSON NocoBase's
// acl.can() returns.
//
// Can returns it by value and its Params are always a fresh deep copy, so a
// result is entirely the caller's: changing it never changes what the ACL
// or another caller sees.
type CanResult struct {
	Role     string `json:"role"`
	Resource string `json:"resource"`
	Action   string `json:"action"`
	Params   Params `json:"params,omitzero"`
}

// Can answers a permission question: ok is false for "denied". It never
// blocks: it reads the snapshot current when it starts. Answers without
// params (root, strategies, grants without params) allocate nothing.
func (a *ACL) Can(args CanArgs) (CanResult, bool) {
	return a.snap.Load().can(args, nil)
}

func (s *snapshot) can(args CanArgs, tr *trace) (CanResult, bool) {
	if args.Role != "" {
		ans := s.roleAnswer(args.Role, args, tr)
		if !ans.ok {
			return CanResult{}, false
		}
		if ans.params == nil {
			return CanResult{Role: ans.role.name, Resource: args.Resource, Action: args.Action}, true
		}
		return CanResult{Role: args.Role, Resource: args.Resource, Action: args.Action, Params: cloneParams(ans.params)}, true
	}
	roles := args.Roles
	if len(roles) == 0 {
		return CanResult{}, false
	}
	if slices.Contains(roles, "root") {
		roles = rootOnly
	}
	var (
		first  answer
		params Params // shared with the snapshot until a second role merges
		count  int
	)
	for _, name := range roles {
		ans := s.roleAnswer(name, args, tr)
		if !ans.ok {
			continue
		}
		count++
		if count == 1 {
			first = ans
			params = withoutEmpty(ans.params)
			continue
		}
		params = mergeRoleParams(params, count > 2, ans.params)
	}
	switch {
	case count == 0:
		return CanResult{}, false
	case count == 1 && params == nil:
		return CanResult{Role: first.role.name, Resource: args.Resource, Action: args.Action}, true
	case count == 1:
		params = cloneParams(params)
	}
	return CanResult{Role: first.role.name, Resource: args.Resource, Action: args.Action, Params: params}, true
}

var rootOnly = []string{"root"}

// withoutEmpty is NocoBase's removeEmptyParams on a copy: keys whose value
// is empty (null, "", [], {}, and booleans and numbers) are dropped, except
// an empty fields, whitelist or appends list, which restricts to nothing
// (dropping it would lift the restriction). nil stays nil: "no params" and
// "empty params" differ in a union's JSON.
func withoutEmpty(p Params) Params {
	if p == nil {
		return nil
	}
	for k, v := range p {
		if droppedEmpty(k, v) {
			out := make(Params, len(p))
			for k, v := range p {
				if !droppedEmpty(k, v) {
					out[k] = v
				}
			}
			return out
		}
	}
	return p
}

// droppedEmpty reports whether a union drops key k with value v.
func droppedEmpty(k string, v any) bool {
	if _, isList := v.([]any); isList && isListRestriction(k) {
		return false
	}
	return jsonval.IsEmpty(v)
}

// answer is one role's verdict. params may be shared with the snapshot and
// must be cloned before it leaves the package.
type answer struct {
	ok     bool
	role   *compiledRole
	params Params // nil: no params key
}

// roleAnswer is NocoBase's getCanByRole: root, then explicit grants, then
// the strategy and snippets.
func (s *snapshot) roleAnswer(name string, args CanArgs, tr *trace) answer {
	role := s.roles[name]
	if role == nil {
		tr.add(RoleStep{Role: name, Outcome: OutcomeUnknownRole})
		return answer{}
	}
	if role.root {
		tr.add(RoleStep{Role: name, Outcome: OutcomeRoot, Allowed: true})
		return answer{ok: true, role: role}
	}
	raw := args.RawResourceName
	if raw == "" {
		raw = args.Resource
	}
	if entries, configured := s.grants(role, args.Resource); configured {
		return s.grantAnswer(role, entries, raw, args, tr)
	}
	return s.strategyAnswer(role, raw, args, tr)
}

// grantAnswer answers for a role with grants on the resource: only they
// count there.
func (s *snapshot) grantAnswer(role *compiledRole, entries []compiledGrant, raw string, args CanArgs, tr *trace) answer {
	g := findGrant(entries, args.Action)
	if g == nil {
		tr.add(RoleStep{Role: role.name, Outcome: OutcomeResourceWithoutAction, Rule: args.Resource})
		return answer{}
	}
	ans := answer{ok: true, role: role, params: g.final}
	if raw != args.Resource || len(s.shared.general) > 0 {
		ans.params = nonEmpty(withFixed(g.params, s.shared.fixedParams(raw, args.Action)))
	}
	if tr != nil {
		tr.addParams(RoleStep{Role: role.name, Outcome: OutcomeGrant, Allowed: true, Rule: args.Resource + ":" + g.stored}, ans.params)
	}
	return ans
}

// strategyAnswer answers from the role's strategy, then, when it does not
// allow the action, from its snippets.
func (s *snapshot) strategyAnswer(role *compiledRole, raw string, args CanArgs, tr *trace) answer {
	strategyApplies := s.shared.strategyResources == nil
	if !strategyApplies {
		_, strategyApplies = s.shared.strategyResources[args.Resource]
	}
	var m strategyMatch
	if role.strategy != nil && strategyApplies {
		m, _ = role.strategy.match(args.Action)
	}
	if m.allowed {
		ans := answer{ok: true, role: role, params: nonEmpty(withFixed(m.params, s.shared.fixedParams(raw, args.Action)))}
		if tr != nil {
			tr.addParams(RoleStep{Role: role.name, Allowed: true, Outcome: OutcomeStrategy, Strategy: strategyLabel(role), Rule: m.rule}, ans.params)
		}
		return ans
	}
	if rule, hit := role.allowedSnippets.match(raw, args.Action); hit {
		ans := answer{ok: true, role: role, params: nonEmpty(s.shared.fixedParams(raw, args.Action))}
		if tr != nil {
			tr.addParams(RoleStep{Role: role.name, Allowed: true, Outcome: OutcomeSnippet, Snippet: role.snippetOf[rule], Rule: rule}, ans.params)
		}
		return ans
	}
	if tr != nil {
		rule, rejected := role.rejectedSnippets.match(raw, args.Action)
		tr.add(RoleStep{Role: role.name, Outcome: OutcomeNoMatch, Strategy: strategyLabel(role),
			Snippet: role.snippetOf[rule], Rule: rule, SnippetRejected: rejected,
			StrategyLimited: role.strategy != nil && !strategyApplies})
	}
	return answer{}
}

func nonEmpty(p Params) Params {
	if len(p) == 0 {
		return nil
	}
	return p
}

func strategyLabel(r *compiledRole) string {
	if r.strategy != nil && r.strategy.name == "" {
		return "(inline)"
	}
	return r.strategyName
}
