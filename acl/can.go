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
// A CanResult may be shared between callers: treat Role, Resource and
// Action as read-only. Params is always the caller's own deep copy.
type CanResult struct {
	Role     string `json:"role"`
	Resource string `json:"resource"`
	Action   string `json:"action"`
	Params   Params `json:"params,omitzero"`
}

// Can answers a permission question, or returns nil for "denied". It never
// blocks: it reads the snapshot current when it starts.
func (a *ACL) Can(args CanArgs) *CanResult {
	return a.snap.Load().can(args, nil)
}

func (s *snapshot) can(args CanArgs, tr *trace) *CanResult {
	if args.Role != "" {
		ans := s.roleAnswer(args.Role, args, tr)
		if !ans.ok {
			return nil
		}
		if ans.params == nil {
			if ans.shared != nil {
				return ans.shared
			}
			return s.sharedResult(ans.role, args)
		}
		return &CanResult{Role: args.Role, Resource: args.Resource, Action: args.Action, Params: cloneParams(ans.params)}
	}
	roles := args.Roles
	if len(roles) == 0 {
		return nil
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
		return nil
	case count == 1 && params == nil:
		if first.shared != nil {
			return first.shared
		}
		return s.sharedResult(first.role, args)
	case count == 1:
		params = cloneParams(params)
	}
	return &CanResult{Role: first.role.name, Resource: args.Resource, Action: args.Action, Params: params}
}

var rootOnly = []string{"root"}

// withoutEmpty is NocoBase's removeEmptyParams on a copy: keys whose value
// is empty (null, "", [], {}, and booleans and numbers) are dropped. nil
// stays nil: "no params" and "empty params" differ in a union's JSON.
func withoutEmpty(p Params) Params {
	if p == nil {
		return nil
	}
	for _, v := range p {
		if jsonval.IsEmpty(v) {
			out := make(Params, len(p))
			for k, v := range p {
				if !jsonval.IsEmpty(v) {
					out[k] = v
				}
			}
			return out
		}
	}
	return p
}

// sharedResult returns the cached parameter-free answer for a strategy or
// snippet grant, creating it on first use.
func (s *snapshot) sharedResult(role *compiledRole, args CanArgs) *CanResult {
	return role.results.get(role.name, args.Resource, args.Action)
}

// answer is one role's verdict. params may be shared with the snapshot and
// must be cloned before it leaves the package.
type answer struct {
	ok     bool
	role   *compiledRole
	params Params     // nil: no params key
	shared *CanResult // a precomputed result, when params is nil
}

// roleAnswer is NocoBase's getCanByRole.
func (s *snapshot) roleAnswer(name string, args CanArgs, tr *trace) answer {
	role := s.roles[name]
	if role == nil {
		if tr != nil {
			tr.add(RoleStep{Role: name, Outcome: OutcomeUnknownRole})
		}
		return answer{}
	}
	if role.root {
		if tr != nil {
			tr.add(RoleStep{Role: name, Outcome: OutcomeRoot, Allowed: true})
		}
		return answer{ok: true, role: role}
	}
	raw := args.RawResourceName
	if raw == "" {
		raw = args.Resource
	}
	if entries, configured := s.grants(role, args.Resource); configured {
		g := findGrant(entries, args.Action)
		if g == nil {
			if tr != nil {
				tr.add(RoleStep{Role: name, Outcome: OutcomeResourceWithoutAction, Rule: args.Resource})
			}
			return answer{}
		}
		ans := answer{ok: true, role: role, params: g.final}
		if g.final == nil {
			ans.shared = &g.result
		}
		if raw != args.Resource || len(s.shared.general) > 0 {
			ans = answer{ok: true, role: role, params: nonEmpty(withFixed(g.params, s.shared.fixedParams(raw, args.Action)))}
		}
		if tr != nil {
			tr.addParams(RoleStep{Role: name, Outcome: OutcomeGrant, Allowed: true, Rule: args.Resource + ":" + g.stored}, ans.params)
		}
		return ans
	}

	var m strategyMatch
	matched := false
	strategyApplies := s.shared.strategyResources == nil
	if !strategyApplies {
		_, strategyApplies = s.shared.strategyResources[args.Resource]
	}
	if role.strategy != nil && strategyApplies {
		m, matched = role.strategy.match(args.Action)
		matched = matched && m.allowed
	}
	// Snippets matter only when the strategy does not allow the action.
	var snippetRule string
	snippet := 0 // 1 allowed, -1 rejected, 0 no opinion
	if !matched {
		if p, hit := role.allowedSnippets.match(raw, args.Action); hit {
			snippet, snippetRule = 1, p
		} else if p, hit := role.rejectedSnippets.match(raw, args.Action); hit {
			snippet, snippetRule = -1, p
		}
	}
	if !matched && snippet != 1 {
		if tr != nil {
			step := RoleStep{Role: name, Outcome: OutcomeNoMatch, Strategy: strategyLabel(role),
				Snippet: role.snippetOf[snippetRule], Rule: snippetRule, SnippetRejected: snippet == -1}
			step.StrategyMissing = role.strategy == nil && role.strategyName != ""
			step.StrategyLimited = role.strategy != nil && !strategyApplies
			tr.add(step)
		}
		return answer{}
	}
	var base Params
	if matched {
		base = m.params
	}
	ans := answer{ok: true, role: role, params: nonEmpty(withFixed(base, s.shared.fixedParams(raw, args.Action)))}
	if tr != nil {
		step := RoleStep{Role: name, Allowed: true, Outcome: OutcomeSnippet, Snippet: role.snippetOf[snippetRule], Rule: snippetRule}
		if matched {
			step = RoleStep{Role: name, Allowed: true, Outcome: OutcomeStrategy, Strategy: strategyLabel(role), Rule: m.rule}
		}
		tr.addParams(step, ans.params)
	}
	return ans
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
