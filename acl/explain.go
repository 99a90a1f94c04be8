package acl

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Outcome says what one role's check came to.
type Outcome string

// The outcomes of one role's check, in the order Can tries them.
const (
	OutcomeUnknownRole           Outcome = "unknown-role"       // no role of that name is defined
	OutcomeRoot                  Outcome = "root"               // the root role may do anything
	OutcomeGrant                 Outcome = "grant"              // an explicit grant on the resource
	OutcomeResourceWithoutAction Outcome = "resource-no-action" // the resource has grants, none for this action
	OutcomeStrategy              Outcome = "strategy"           // the role's strategy allows the action
	OutcomeSnippet               Outcome = "snippet"            // an allowed snippet matches resource:action
	OutcomeNoMatch               Outcome = "no-match"           // neither strategy nor snippets allow it
)

// RoleStep is what one role contributed to a decision.
type RoleStep struct {
	Role    string  `json:"role"`
	Outcome Outcome `json:"outcome"`
	Allowed bool    `json:"allowed"`
	// Rule is the grant ("posts:update"), strategy entry ("update:own") or
	// snippet pattern ("users:*") that decided, when one did.
	Rule     string `json:"rule,omitempty"`
	Strategy string `json:"strategy,omitempty"`
	Snippet  string `json:"snippet,omitempty"`
	// SnippetRejected: a "!" snippet rule matched and no allowed one did.
	SnippetRejected bool `json:"snippetRejected,omitempty"`
	// StrategyLimited: the role has a strategy but the ACL's strategy
	// resources leave this resource out.
	StrategyLimited bool   `json:"strategyLimited,omitempty"`
	Params          Params `json:"params,omitempty"`
}

// Decision explains a permission check: the verdict, the result Can gives
// (the decision's own copy; nil when denied), and each role's step. AllowedBy names the allow condition that let the
// request through without a permission (ExplainContext only).
type Decision struct {
	Allowed   bool       `json:"allowed"`
	Args      CanArgs    `json:"args"`
	Result    *CanResult `json:"result,omitempty"`
	Steps     []RoleStep `json:"steps"`
	AllowedBy string     `json:"allowedBy,omitempty"`
	// RootOnly: the roles included "root", so root alone was consulted.
	RootOnly bool `json:"rootOnly,omitempty"`
}

type trace struct{ steps []RoleStep }

func (t *trace) add(s RoleStep) {
	if t != nil {
		t.steps = append(t.steps, s)
	}
}

func (t *trace) addParams(s RoleStep, p Params) {
	if t != nil {
		s.Params = cloneParams(p)
		t.steps = append(t.steps, s)
	}
}

// Explain answers like Can and says why: which role decided and by what
// (root, an explicit grant, a strategy entry, a snippet pattern) or why
// every role failed. Allow conditions need a request; see ExplainContext.
func (a *ACL) Explain(args CanArgs) Decision {
	s := a.snap.Load()
	tr := &trace{}
	var result *CanResult
	res, ok := s.can(args, tr)
	if ok {
		result = &res
	}
	return Decision{
		Allowed:  ok,
		Args:     args,
		Result:   result,
		Steps:    tr.steps,
		RootOnly: args.Role == "" && len(args.Roles) > 1 && slices.Contains(args.Roles, "root"),
	}
}

// ExplainContext is Explain for a request's context: roles come from the
// context when args names none (as in the middleware), and the allow
// conditions for the resource and action are evaluated first.
func (a *ACL) ExplainContext(ctx context.Context, args CanArgs) (Decision, error) {
	if args.Role == "" && args.Roles == nil {
		args.Roles = requestRoles(ctx)
	}
	raw := args.RawResourceName
	if raw == "" {
		raw = args.Resource
	}
	d := a.Explain(args)
	name, ok, err := a.snap.Load().shared.isAllowed(ctx, raw, args.Action)
	if err != nil {
		return d, err
	}
	if ok {
		d.Allowed, d.AllowedBy = true, name
	}
	return d, nil
}

// String renders the decision for a person, one line per role.
func (d Decision) String() string {
	var b strings.Builder
	verdict := "denied"
	if d.Allowed {
		verdict = "allowed"
	}
	who := d.Args.Role
	if who == "" {
		who = strings.Join(d.Args.Roles, ", ")
	}
	fmt.Fprintf(&b, "%s: %s on %s for role(s) %s", verdict, d.Args.Action, d.Args.Resource, who)
	if d.AllowedBy != "" {
		fmt.Fprintf(&b, "\n  allow condition %q lets the request through without a permission", d.AllowedBy)
	}
	if d.RootOnly {
		b.WriteString("\n  the roles include root, so only root was consulted")
	}
	if len(d.Steps) == 0 {
		b.WriteString("\n  no role to check")
	}
	for _, s := range d.Steps {
		fmt.Fprintf(&b, "\n  role %s: %s", s.Role, s.describe(d.Args))
		if len(s.Params) > 0 {
			raw, _ := json.Marshal(s.Params)
			fmt.Fprintf(&b, "; params %s", raw)
		}
	}
	allowing := 0
	for _, s := range d.Steps {
		if s.Allowed {
			allowing++
		}
	}
	if d.Result != nil && allowing > 1 {
		if len(d.Result.Params) == 0 {
			b.WriteString("\n  the union of the allowing roles has no restrictions")
		} else {
			raw, _ := json.Marshal(d.Result.Params)
			fmt.Fprintf(&b, "\n  the union of the allowing roles gives params %s", raw)
		}
	}
	return b.String()
}

func (s RoleStep) describe(args CanArgs) string {
	switch s.Outcome {
	case OutcomeUnknownRole:
		return "not defined"
	case OutcomeRoot:
		return "root may do anything"
	case OutcomeGrant:
		return fmt.Sprintf("explicit grant %s", s.Rule)
	case OutcomeResourceWithoutAction:
		return fmt.Sprintf("has grants on %s but none for %s, so its strategy and snippets do not apply there", s.Rule, args.Action)
	case OutcomeStrategy:
		return fmt.Sprintf("strategy %s allows %s", s.Strategy, s.Rule)
	case OutcomeSnippet:
		return fmt.Sprintf("snippet %s allows %s", s.Snippet, s.Rule)
	}
	var why []string
	switch {
	case s.Strategy == "":
		why = append(why, "no strategy")
	case s.StrategyLimited:
		why = append(why, fmt.Sprintf("strategy %s does not apply to %s (strategy resources)", s.Strategy, args.Resource))
	default:
		why = append(why, fmt.Sprintf("strategy %s does not allow %s", s.Strategy, args.Action))
	}
	if s.SnippetRejected {
		why = append(why, fmt.Sprintf("snippet %s is switched off for %s", s.Snippet, s.Rule))
	} else {
		why = append(why, "no snippet matches")
	}
	return "nothing matched: " + strings.Join(why, "; ")
}
