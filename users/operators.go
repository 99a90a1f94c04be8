package users

import (
	"regexp"

	"github.com/gatehouse-dev/gatehouse/filterop"
)

// RegisterOperators adds NocoBase's user operators to a filter registry:
//
//	{"createdById": {"$isCurrentUser": true}}    the current user's rows
//	{"createdById": {"$isNotCurrentUser": true}} everyone else's
//	{"ownerId": {"$isVar": "currentUser.id"}}    equal to a value of the request
//
// Without a user in the context (WithCurrentUser) $isCurrentUser compares
// with -1, as NocoBase does, and so matches nothing. $isVar reads only
// whitelisted paths (currentUser.<field>, currentRole) through the
// context's filterop variables: the value is a path, never a template.
func RegisterOperators(r *filterop.Registry) error {
	for name, fn := range map[string]filterop.OperatorFunc{
		"$isCurrentUser":    isCurrentUser(false),
		"$isNotCurrentUser": isCurrentUser(true),
		"$isVar":            isVar,
	} {
		if err := r.Register(name, fn); err != nil {
			return err
		}
	}
	return nil
}

func isCurrentUser(not bool) filterop.OperatorFunc {
	return func(c *filterop.Cond) (filterop.Expr, error) {
		id, ok := CurrentUserID(c.Ctx)
		if !ok {
			id = -1
		}
		if not {
			return filterop.SQL("? <> ?", c.Column, id), nil
		}
		return filterop.SQL("? = ?", c.Column, id), nil
	}
}

var varPath = regexp.MustCompile(`^(currentUser\.[A-Za-z_][A-Za-z0-9_]*|currentRole)$`)

func isVar(c *filterop.Cond) (filterop.Expr, error) {
	path, ok := c.Value.(string)
	if !ok || !varPath.MatchString(path) {
		return nil, c.Errorf("$isVar takes currentUser.<field> or currentRole, not %v", c.Value)
	}
	vars := filterop.VariablesFrom(c.Ctx)
	if vars == nil {
		return nil, c.Errorf("$isVar %s: no variables in the request", path)
	}
	v, found := vars("ctx.state." + path)
	if !found || v == nil {
		return filterop.SQL("? IS NULL", c.Column), nil
	}
	return filterop.SQL("? = ?", c.Column, v), nil
}
