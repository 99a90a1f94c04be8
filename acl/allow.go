package acl

import (
	"context"
	"fmt"
	"slices"
)

// AllowCondition decides whether a request may skip the permission check.
// It sees the request's context (user and roles set with WithUser,
// WithRole, WithRoles). An error fails the request instead of denying it.
type AllowCondition func(ctx context.Context) (bool, error)

type allowRule struct {
	condition string         // a registered name, or "" when fn is set
	fn        AllowCondition // an inline condition
}

// Allow lets requests for resource's actions through without a permission
// check when condition holds: "public" (always; the default when condition
// is ""), "loggedIn" (a user is in the context), "allowConfigure" (the
// current role's strategy has AllowConfigure), or a name registered with
// RegisterAllowCondition. resource and actions may be "*". A later Allow for
// the same pair replaces the earlier one. A name that is not registered
// (yet) allows nothing until it is.
func (a *ACL) Allow(resource string, actions []string, condition string) {
	if condition == "" {
		condition = "public"
	}
	a.setAllow(resource, actions, allowRule{condition: condition})
}

// AllowFunc is Allow with an inline condition.
func (a *ACL) AllowFunc(resource string, actions []string, condition AllowCondition) {
	a.setAllow(resource, actions, allowRule{fn: condition})
}

func (a *ACL) setAllow(resource string, actions []string, rule allowRule) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, act := range actions {
		a.allows[[2]string{resource, act}] = rule
	}
	a.publishAllLocked()
}

// RegisterAllowCondition registers (or replaces) a named condition.
func (a *ACL) RegisterAllowCondition(name string, condition AllowCondition) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.conditions[name] = condition
	a.publishAllLocked()
}

func (a *ACL) registerBuiltinConditions() {
	a.conditions["public"] = nil // nil marks the built-in public condition
	a.conditions["loggedIn"] = func(ctx context.Context) (bool, error) {
		_, ok := UserID(ctx)
		return ok, nil
	}
	a.conditions["allowConfigure"] = func(ctx context.Context) (bool, error) {
		role := CurrentRole(ctx)
		if role == "" {
			return false, nil
		}
		r, ok := a.snap.Load().roles[role]
		return ok && r.strategy != nil && r.strategy.allowConfigure, nil
	}
}

// allowCheck is one condition that applies to a resource:action.
type allowCheck struct {
	name   string // condition name, or "func" for an inline one
	public bool
	fn     AllowCondition
}

// allowChecks lists the conditions for resource:action in NocoBase's order:
// (*,*), (*,action), (resource,*), (resource,action). Unregistered names are
// left out.
func (s *shared) allowChecks(resource, action string) []allowCheck {
	if len(s.allows) == 0 {
		return nil
	}
	var out []allowCheck
	for _, key := range [4][2]string{{"*", "*"}, {"*", action}, {resource, "*"}, {resource, action}} {
		rule, ok := s.allows[key]
		if !ok {
			continue
		}
		if rule.fn != nil {
			out = append(out, allowCheck{name: "func", fn: rule.fn})
			continue
		}
		fn, registered := s.conditions[rule.condition]
		if !registered {
			continue
		}
		out = append(out, allowCheck{name: rule.condition, public: fn == nil, fn: fn})
	}
	return out
}

// isAllowed runs the conditions for resource:action in order and returns
// the name of the first that holds.
func (s *shared) isAllowed(ctx context.Context, resource, action string) (string, bool, error) {
	for _, c := range s.allowChecks(resource, action) {
		if c.public {
			return c.name, true, nil
		}
		ok, err := c.fn(ctx)
		if err != nil {
			return "", false, fmt.Errorf("acl: allow condition %s on %s:%s: %w", c.name, resource, action, err)
		}
		if ok {
			return c.name, true, nil
		}
	}
	return "", false, nil
}

// IsPublic reports whether resource:action is allowed by the "public"
// condition, so that no user or role is needed at all.
func (a *ACL) IsPublic(resource, action string) bool {
	return slices.ContainsFunc(a.snap.Load().shared.allowChecks(resource, action), func(c allowCheck) bool { return c.public })
}
