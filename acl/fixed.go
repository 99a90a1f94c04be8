package acl

import "github.com/gatehouse-dev/gatehouse/internal/jsonval"

// AddFixedParams adds params that every permitted request for
// resource:action gets, whatever its role: a filter that hides system rows,
// say. Several mergers for one action fold in order (filters ANDed, field
// lists intersected, appends united).
//
// The merger runs when the ACL's configuration changes, not on every
// check, so it must not depend on the request; per-user values belong in
// templates such as {{ ctx.state.currentUser.id }}, which are filled in per
// request.
func (a *ACL) AddFixedParams(resource, action string, merger func() Params) {
	a.mu.Lock()
	defer a.mu.Unlock()
	key := [2]string{resource, action}
	a.fixed[key] = append(a.fixed[key], merger)
	a.publishAllLocked()
}

// AddGeneralFixedParams adds a merger that is asked for every resource and
// action, before the specific ones. It runs on every check that reaches
// fixed params, so keep it cheap.
func (a *ACL) AddGeneralFixedParams(merger func(resource, action string) Params) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.general = append(a.general, merger)
	a.publishAllLocked()
}

// evalFixedLocked runs the specific mergers once, normalising what they
// return.
func (a *ACL) evalFixedLocked() map[[2]string][]Params {
	out := make(map[[2]string][]Params, len(a.fixed))
	for key, mergers := range a.fixed {
		for _, m := range mergers {
			p, err := normalizeParams(m())
			if err != nil {
				a.logger.Error("acl: fixed params dropped", "resource", key[0], "action", key[1], "error", err)
				continue
			}
			out[key] = append(out[key], p)
		}
	}
	return out
}

// foldFixed folds fixed params the way NocoBase's FixedParamsManager does.
func foldFixed(acc map[string]any, p Params) map[string]any {
	return jsonval.Assign(acc, map[string]any(p), fixedParamsStrategies)
}

// fixedParams returns the fixed params for resource:action: the general
// mergers' answers, then the specific ones. The result may share values
// with the snapshot.
func (s *shared) fixedParams(resource, action string) Params {
	if len(s.general) == 0 {
		return s.fixedFolded[[2]string{resource, action}]
	}
	acc := map[string]any{}
	for _, g := range s.general {
		p, err := normalizeParams(g(resource, action))
		if err != nil {
			s.logger.Error("acl: general fixed params dropped", "resource", resource, "action", action, "error", err)
			continue
		}
		acc = foldFixed(acc, p)
	}
	for _, p := range s.fixed[[2]string{resource, action}] {
		acc = foldFixed(acc, p)
	}
	if len(acc) == 0 {
		return nil
	}
	return Params(acc)
}

// withFixed is NocoBase's mergeParams: fixed keys deep-merge into the
// grant's params (a fixed filter adds its keys to the grant's filter; fixed
// arrays and scalars replace the grant's).
func withFixed(params, fixed Params) Params {
	if len(fixed) == 0 {
		return params
	}
	if len(params) == 0 {
		return fixed
	}
	return Params(jsonval.Assign(map[string]any(params), map[string]any(fixed), nil))
}
