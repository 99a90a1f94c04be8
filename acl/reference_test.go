package acl

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// The files in testdata/reference are scenarios run through NocoBase's
// @nocobase/acl 2.2.15 in node: "input" is the scenario, "expected" what the
// reference answered. TestReference runs each through this package and
// compares the answers as JSON.

type refScenario struct {
	AvailableActions map[string]struct {
		Aliases json.RawMessage `json:"aliases"`
	} `json:"availableActions"`
	Strategies        map[string]json.RawMessage `json:"strategies"`
	Snippets          []refSnippet               `json:"snippets"`
	StrategyResources *json.RawMessage           `json:"strategyResources"`
	FixedParams       []refFixed                 `json:"fixedParams"`
	GeneralFixed      []refFixed                 `json:"generalFixedParams"`
	Roles             []refRole                  `json:"roles"`
	Ops               []refOp                    `json:"ops"`
	Queries           []refQuery                 `json:"queries"`
}

type refSnippet struct {
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

type refFixed struct {
	Resource string `json:"resource"`
	Action   string `json:"action"`
	Params   Params `json:"params"`
}

type refRole struct {
	Role     string            `json:"role"`
	Strategy json.RawMessage   `json:"strategy"`
	Actions  map[string]Params `json:"actions"`
	Snippets *[]string         `json:"snippets"`
}

type refOp struct {
	Op        string          `json:"op"`
	Role      string          `json:"role"`
	Path      string          `json:"path"`
	Params    Params          `json:"params"`
	Resource  string          `json:"resource"`
	Resources *[]string       `json:"resources"`
	Strategy  json.RawMessage `json:"strategy"`
	Snippets  []string        `json:"snippets"`
	Snippet   *refSnippet     `json:"snippet"`
}

type refQuery struct {
	Role            string   `json:"role"`
	Roles           []string `json:"roles"`
	Resource        string   `json:"resource"`
	Action          string   `json:"action"`
	RawResourceName string   `json:"rawResourceName"`
}

type refFile struct {
	Name     string          `json:"name"`
	Input    refScenario     `json:"input"`
	Expected json.RawMessage `json:"expected"`
	// Differs names a deliberate difference from the reference; the
	// scenario then documents it and is checked against Want instead.
	Differs string          `json:"differs"`
	Want    json.RawMessage `json:"want"`
}

type refOutput struct {
	Results []json.RawMessage          `json:"results"`
	Roles   map[string]json.RawMessage `json:"roles"`
}

func strategyFromJSON(raw json.RawMessage) (name string, opts *StrategyOptions) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if err := json.Unmarshal(raw, &name); err == nil {
		return name, nil
	}
	var obj struct {
		Actions        json.RawMessage `json:"actions"`
		AllowConfigure bool            `json:"allowConfigure"`
		DisplayName    string          `json:"displayName"`
	}
	_ = json.Unmarshal(raw, &obj)
	return "", &StrategyOptions{Actions: actionsFromJSON(obj.Actions), AllowConfigure: obj.AllowConfigure, DisplayName: obj.DisplayName}
}

// actionsFromJSON reads a strategy's actions: "*", "view", [..] or false.
func actionsFromJSON(raw json.RawMessage) []string {
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}
	}
	return nil
}

// strictRepairs configures an ACL from a reference scenario. NocoBase
// accepts names it does not know (param keys, strategies, strategy actions
// and predicates, snippets); this ACL refuses them (see "Strict grants" in
// the package doc). Each refusal is counted by kind and then repaired with
// the configuration NocoBase effectively runs, so that the scenario goes on
// and its answers are still compared with the reference's:
//
//   - an unknown param key is registered (RegisterParamKeys): NocoBase keeps
//     the key in the params;
//   - an unknown strategy is registered without actions: NocoBase's role
//     then has no strategy, which allows nothing either;
//   - an unknown strategy action is registered (SetAvailableAction): the
//     strategy then matches it by name, as NocoBase's does;
//   - an entry with an unknown predicate ("view:foo") is dropped with the
//     entries for the same action before it: NocoBase denies that action
//     and a later entry for it would decide instead;
//   - a snippet rule that selects nothing gets an empty snippet it selects:
//     NocoBase's rule selects nothing and so allows nothing.
type strictRepairs struct {
	t       *testing.T
	a       *ACL
	refused map[string]int
	// repairedStrategies holds the actions of inline strategies whose
	// entries were dropped, to compare the role's JSON by.
	repairedStrategies map[string][]string
}

// do runs f until it succeeds, repairing each refusal of an unknown name;
// other errors are returned. opts, when set, is the strategy f applies.
func (sr *strictRepairs) do(opts *StrategyOptions, f func() error) error {
	for range 100 {
		err := f()
		var unknown *UnknownNameError
		if !errors.As(err, &unknown) {
			return err
		}
		sr.refused[unknown.Kind]++
		switch unknown.Kind {
		case "param":
			sr.a.RegisterParamKeys(unknown.Name)
		case "strategy":
			if err := sr.a.SetAvailableStrategy(unknown.Name, StrategyOptions{}); err != nil {
				sr.t.Fatal(err)
			}
		case "action":
			sr.a.SetAvailableAction(unknown.Name, ActionOptions{})
		case "predicate":
			if opts == nil {
				sr.t.Fatalf("predicate refused outside a strategy: %v", err)
			}
			opts.Actions = withoutUnknownPredicates(opts.Actions)
		case "snippet":
			name := strings.ReplaceAll(strings.TrimPrefix(unknown.Name, "!"), "*", "unregistered")
			if err := sr.a.RegisterSnippet(Snippet{Name: name}); err != nil {
				sr.t.Fatal(err)
			}
		default:
			sr.t.Fatalf("unrepairable refusal: %v", err)
		}
	}
	sr.t.Fatal("refusals do not end")
	return nil
}

// must is do for calls the scenario expects to succeed.
func (sr *strictRepairs) must(what string, opts *StrategyOptions, f func() error) {
	sr.t.Helper()
	if err := sr.do(opts, f); err != nil {
		sr.t.Fatalf("%s: %v", what, err)
	}
}

// withoutUnknownPredicates drops the strategy entries with a predicate
// other than own and all, and the entries for the same action before them.
func withoutUnknownPredicates(actions []string) []string {
	var out []string
	for _, e := range actions {
		action, predicate, has := strings.Cut(e, ":")
		if has && predicate != "own" && predicate != "all" {
			out = slices.DeleteFunc(out, func(o string) bool {
				a, _, _ := strings.Cut(o, ":")
				return a == action
			})
			continue
		}
		out = append(out, e)
	}
	return out
}

func runScenario(t *testing.T, in refScenario, refused map[string]int) (refOutput, map[string][]string) {
	t.Helper()
	a := New()
	sr := &strictRepairs{t: t, a: a, refused: refused, repairedStrategies: map[string][]string{}}
	for name, opts := range in.AvailableActions {
		a.SetAvailableAction(name, ActionOptions{Aliases: actionsFromJSON(opts.Aliases)})
	}
	for name, raw := range in.Strategies {
		_, opts := strategyFromJSON(raw)
		sr.must("strategy "+name, opts, func() error { return a.SetAvailableStrategy(name, *opts) })
	}
	for _, s := range in.Snippets {
		_ = a.RegisterSnippet(Snippet(s))
	}
	if in.StrategyResources != nil {
		var list []string
		_ = json.Unmarshal(*in.StrategyResources, &list)
		a.SetStrategyResources(list)
	}
	for _, f := range in.FixedParams {
		p := f.Params
		a.AddFixedParams(f.Resource, f.Action, func() Params { return p })
	}
	for _, f := range in.GeneralFixed {
		f := f
		a.AddGeneralFixedParams(func(resource, action string) Params {
			if (f.Resource != "" && f.Resource != resource) || (f.Action != "" && f.Action != action) {
				return Params{}
			}
			return f.Params
		})
	}
	for _, r := range in.Roles {
		name, opts := strategyFromJSON(r.Strategy)
		var role *Role
		sr.must("define "+r.Role, opts, func() error {
			var err error
			role, err = a.Define(RoleOptions{Name: r.Role, Strategy: name, StrategyOptions: opts, Actions: r.Actions})
			return err
		})
		sr.noteRepaired(r.Role, r.Strategy, opts)
		if r.Snippets != nil {
			sr.must("snippets of "+r.Role, nil, func() error { return role.SetSnippets(*r.Snippets) })
		}
	}
	for _, op := range in.Ops {
		role, _ := a.GetRole(op.Role)
		switch op.Op {
		case "grant":
			_ = sr.do(nil, func() error { return role.GrantAction(op.Path, op.Params) })
		case "revoke":
			_ = role.RevokeAction(op.Path)
		case "revokeResource":
			role.RevokeResource(op.Resource)
		case "remove":
			a.RemoveRole(op.Role)
		case "setStrategy":
			name, opts := strategyFromJSON(op.Strategy)
			if opts != nil {
				sr.must("inline strategy of "+op.Role, opts, func() error { return role.SetStrategyOptions(*opts) })
				sr.noteRepaired(op.Role, op.Strategy, opts)
			} else {
				sr.must("strategy of "+op.Role, nil, func() error { return role.SetStrategy(name) })
				delete(sr.repairedStrategies, op.Role)
			}
		case "setSnippets":
			_ = sr.do(nil, func() error { return role.SetSnippets(op.Snippets) })
		case "registerSnippet":
			_ = a.RegisterSnippet(Snippet{Name: op.Snippet.Name, Actions: op.Snippet.Actions})
		case "setStrategyResources":
			if op.Resources == nil {
				a.SetStrategyResources(nil)
			} else {
				a.SetStrategyResources(*op.Resources)
			}
		case "appendStrategyResource":
			a.AppendStrategyResource(op.Resource)
		case "removeStrategyResource":
			a.RemoveStrategyResource(op.Resource)
		default:
			t.Fatalf("unknown op %q", op.Op)
		}
	}
	out := refOutput{Roles: map[string]json.RawMessage{}}
	for _, q := range in.Queries {
		res := canPtr(a, CanArgs(q))
		raw, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		out.Results = append(out.Results, raw)
	}
	for _, name := range a.Roles() {
		role, _ := a.GetRole(name)
		raw, err := json.Marshal(role)
		if err != nil {
			t.Fatal(err)
		}
		out.Roles[name] = raw
	}
	return out, sr.repairedStrategies
}

// noteRepaired remembers a role whose inline strategy lost entries.
func (sr *strictRepairs) noteRepaired(role string, raw json.RawMessage, opts *StrategyOptions) {
	if opts == nil {
		return
	}
	_, original := strategyFromJSON(raw)
	if !slices.Equal(original.Actions, opts.Actions) {
		sr.repairedStrategies[role] = opts.Actions
	} else {
		delete(sr.repairedStrategies, role)
	}
}

// strictRefusals are the deliberate differences strict grants make on the
// reference corpus: how many times, over every scenario, the ACL refused a
// name NocoBase accepts (see strictRepairs for what each becomes).
var strictRefusals = map[string]int{
	"param":     7,   // unknown param keys ("extra", "flag", ...): edge.json's union cases
	"strategy":  107, // roles naming a strategy that is not registered ("unknown-strategy")
	"action":    554, // strategies listing actions the scenario never registers (create, get, ...)
	"predicate": 39,  // strategy entries such as "view:foo"
	"snippet":   260, // snippet rules that select no registered snippet ("pm.*" before any pm snippet)
}

func TestReference(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "reference", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no reference scenarios in testdata/reference")
	}
	refused := map[string]int{}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cases []refFile
		if err := json.Unmarshal(raw, &cases); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, c := range cases {
			name := strings.TrimSuffix(filepath.Base(file), ".json") + "/" + c.Name
			t.Run(name, func(t *testing.T) { checkScenario(t, name, c, refused) })
		}
	}
	if diff := cmp.Diff(strictRefusals, refused); diff != "" {
		t.Errorf("strict refusals over the corpus (-documented +got):\n%s", diff)
	}
}

func checkScenario(t *testing.T, name string, c refFile, refused map[string]int) {
	got, repaired := runScenario(t, c.Input, refused)
	wantRaw := c.Expected
	if c.Differs != "" {
		wantRaw = c.Want
	}
	var want refOutput
	if err := json.Unmarshal(wantRaw, &want); err != nil {
		t.Fatalf("expected output: %v", err)
	}
	diffs := unionDifferences[name]
	for i := range want.Results {
		if i >= len(got.Results) {
			t.Fatalf("query %d: no answer", i)
		}
		w := want.Results[i]
		if d, ok := diffs[i]; ok {
			if jsonDiff(w, json.RawMessage(d)) == "" {
				t.Errorf("query %d is listed as a difference but the reference answers the same", i)
			}
			w = json.RawMessage(d)
		}
		if diff := jsonDiff(w, got.Results[i]); diff != "" {
			t.Errorf("query %d %+v (-reference +got):\n%s", i, c.Input.Queries[i], diff)
		}
	}
	if want.Roles == nil {
		return
	}
	for role, w := range want.Roles {
		w = withWriteWhitelists(t, withAllowConfigure(w))
		if actions, ok := repaired[role]; ok {
			w = withStrategyActions(t, w, actions)
		}
		if diff := jsonDiff(w, got.Roles[role]); diff != "" {
			t.Errorf("role %s toJSON (-reference +got):\n%s", role, diff)
		}
	}
	for role := range got.Roles {
		if _, ok := want.Roles[role]; !ok {
			t.Errorf("role %s exists here but not in the reference", role)
		}
	}
}

// withWriteWhitelists adds to a reference role's grants on updateOrCreate
// and firstOrCreate the whitelist this ACL derives from their fields (a
// deliberate difference: NocoBase bounds only create and update writes by
// the granted fields).
func withWriteWhitelists(t *testing.T, raw json.RawMessage) json.RawMessage {
	t.Helper()
	var role struct {
		Actions map[string]Params `json:"actions"`
	}
	if err := json.Unmarshal(raw, &role); err != nil {
		t.Fatal(err)
	}
	changed := false
	for path, p := range role.Actions {
		_, action, _ := strings.Cut(path, ":")
		if (action == "updateOrCreate" || action == "firstOrCreate") && jsonval.Truthy(p["fields"]) {
			role.Actions[path] = withWriteWhitelist(p)
			changed = true
		}
	}
	if !changed {
		return raw
	}
	var whole map[string]any
	if err := json.Unmarshal(raw, &whole); err != nil {
		t.Fatal(err)
	}
	whole["actions"] = role.Actions
	out, _ := json.Marshal(whole)
	return out
}

// withStrategyActions replaces the actions of a reference role's inline
// strategy with the repaired ones.
func withStrategyActions(t *testing.T, raw json.RawMessage, actions []string) json.RawMessage {
	t.Helper()
	var role map[string]any
	if err := json.Unmarshal(raw, &role); err != nil {
		t.Fatal(err)
	}
	s, ok := role["strategy"].(map[string]any)
	if !ok {
		t.Fatalf("role %s has no inline strategy", raw)
	}
	s["actions"] = actions
	out, _ := json.Marshal(role)
	return out
}

// withAllowConfigure spells out allowConfigure:false in an inline strategy
// of a reference role: a Go bool has no "absent", and NocoBase's own
// plugin always sets it.
func withAllowConfigure(raw json.RawMessage) json.RawMessage {
	var role map[string]any
	if err := json.Unmarshal(raw, &role); err != nil {
		return raw
	}
	if s, ok := role["strategy"].(map[string]any); ok {
		if _, has := s["allowConfigure"]; !has {
			s["allowConfigure"] = false
		}
	}
	out, _ := json.Marshal(role)
	return out
}

func jsonDiff(want, got json.RawMessage) string {
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		return "bad reference JSON: " + err.Error()
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return "bad JSON: " + err.Error()
	}
	return cmp.Diff(w, g)
}

// unionDifferences are the reference answers that differ on purpose, by
// scenario and query index: role unions keep an empty fields, whitelist or
// appends list (a restriction to nothing) where NocoBase drops it, and unite
// a list with an empty one instead of lifting the restriction.
//
// Every query listed here must differ from the reference; each comment
// says how.
var unionDifferences = map[string]map[int]string{
	"edge/other/union merge of other keys (accumulated wins)": {4: `{"role":"r2","resource":"posts","action":"export","params":{"appends":["a","b"]}}`}, // appends: a b united with []
	"random/random-006": {2: `{"role":"r2","resource":"tags","action":"export","params":{"fields":[],"filter":{"createdById":"{{ ctx.state.currentUser.id }}"},"whitelist":["x"]}}`}, // fields: [] kept
	"random/random-013": {5: `{"role":"r2","resource":"comments","action":"update","params":{"appends":[],"filter":{"fixed":1}}}`},                                                   // appends: [] kept
	"random/random-029": {0: `{"role":"r2","resource":"tags","action":"get","params":{"except":["p"],"fields":["a","b"],"whitelist":["x"]}}`},                                        // fields: a b united with []
	"random/random-031": {
		0: `{"role":"r1","resource":"posts","action":"update","params":{"appends":[],"filter":{"createdById":"{{ ctx.state.currentUser.id }}"}}}`, // appends: [] kept
		9: `{"role":"r1","resource":"posts","action":"destroy","params":{"appends":[],"filter":{"$or":[{"a":1},{"b":2}]},"sort":["-id"]}}`,        // appends: [] kept
	},
	"random/random-064": {7: `{"role":"r2","resource":"tags","action":"view","params":{"fields":[],"filter":{"createdById":"{{ ctx.state.currentUser.id }}"},"whitelist":["x"]}}`}, // fields: [] kept
	"random/random-067": {
		0: `{"role":"r2","resource":"comments","action":"update","params":{"appends":[],"except":["p"]}}`, // appends: [] kept
		1: `{"role":"r2","resource":"comments","action":"update","params":{"appends":[],"except":["p"]}}`, // appends: [] kept
	},
	"random/random-077": {
		0:  `{"role":"r3","resource":"comments","action":"list","params":{"appends":[],"whitelist":["x"]}}`, // appends: [] kept
		10: `{"role":"r3","resource":"comments","action":"list","params":{"appends":[],"whitelist":["x"]}}`, // appends: [] kept
	},
	"random/random-079": {3: `{"role":"r3","resource":"tags","action":"view","params":{"appends":[]}}`},                                                                                              // appends: [] kept
	"random/random-082": {3: `{"role":"r2","resource":"posts","action":"get","params":{"appends":[],"fields":["a"],"whitelist":["x"]}}`},                                                             // appends: [] kept
	"random/random-104": {2: `{"role":"member","resource":"users","action":"destroy","params":{"fields":[],"filter":{"$or":[{"createdById":"{{ ctx.state.currentUser.id }}"}]},"whitelist":["x"]}}`}, // fields: [] kept
	"random/random-146": {1: `{"role":"member","resource":"tags","action":"move","params":{"whitelist":[]}}`},                                                                                        // whitelist: [] kept
	"random/random-175": {5: `{"role":"r2","resource":"comments","action":"update","params":{"appends":[],"filter":{"status":"draft"}}}`},                                                            // appends: [] kept
	"random/random-209": {0: `{"role":"r2","resource":"users","action":"destroy","params":{"appends":[]}}`},                                                                                          // appends: [] kept
	"random/random-210": {1: `{"role":"member","resource":"tags","action":"get","params":{"appends":[],"sort":["id"]}}`},                                                                             // appends: [] kept
	"random/random-235": {4: `{"role":"r1","resource":"tags","action":"create","params":{"whitelist":["x"]}}`},                                                                                       // whitelist: x united with []
	"random/random-240": {4: `{"role":"admin","resource":"users","action":"move","params":{"appends":[],"fields":["a"],"sort":["-id"]}}`},                                                            // appends: [] kept
	"random/random-265": {
		4:  `{"role":"r2","resource":"users","action":"export","params":{"except":["p"],"fields":[],"whitelist":["x"]}}`, // fields: [] kept
		10: `{"role":"r2","resource":"users","action":"export","params":{"except":["p"],"fields":[],"whitelist":["x"]}}`, // fields: [] kept
	},
	"random/random-291": {0: `{"role":"r1","resource":"tags","action":"destroy","params":{"fields":[]}}`},                                                            // fields: [] kept
	"random/random-298": {5: `{"role":"member","resource":"users","action":"update","params":{"appends":[],"except":["q"]}}`},                                        // appends: [] kept
	"random/random-305": {4: `{"role":"r1","resource":"users.posts","action":"list","params":{"appends":[],"sort":["-id"],"whitelist":["x"]}}`},                      // appends: [] kept
	"random/random-308": {1: `{"role":"r1","resource":"users","action":"list","params":{"appends":[],"fields":[],"filter":{"$or":[{"fixed":1,"status":"draft"}]}}}`}, // appends: [] kept; fields: [] kept
	"random/random-316": {
		1: `{"role":"admin","resource":"comments","action":"destroy","params":{"appends":[],"sort":["id"]}}`, // appends: [] kept
		3: `{"role":"admin","resource":"comments","action":"destroy","params":{"appends":[],"sort":["id"]}}`, // appends: [] kept
	},
	"random/random-326": {1: `{"role":"r3","resource":"users","action":"update","params":{"appends":[],"filter":{"$or":[{"a":1},{"b":2}]},"whitelist":["a","b"]}}`}, // appends: [] kept
	"random/random-341": {4: `{"role":"r2","resource":"posts","action":"update","params":{"appends":["v"],"filter":{"$or":[{"status":"draft"}]},"whitelist":[]}}`},  // whitelist: [] kept
	"random/random-345": {2: `{"role":"r1","resource":"posts","action":"view","params":{"fields":[]}}`},                                                             // fields: [] kept
	"random/random-366": {3: `{"role":"r1","resource":"tags","action":"export","params":{"appends":[]}}`},                                                           // appends: [] kept
	"random/random-368": {9: `{"role":"r3","resource":"posts","action":"update","params":{"appends":[],"whitelist":["x"]}}`},                                        // appends: [] kept
	"random/random-381": {5: `{"role":"admin","resource":"tags","action":"export","params":{"except":["p"],"fields":[]}}`},                                          // fields: [] kept
	"random/random-389": {3: `{"role":"member","resource":"tags","action":"export","params":{"fields":[],"filter":{"a":1},"sort":["-id"]}}`},                        // fields: [] kept
	"spec/acl-role.test/should allow all(params={}) when fields1 = [], fields2 =[]": {
		0: `{"role":"role1","resource":"posts","action":"view","params":{"fields":[]}}`, // fields: [] kept
		1: `{"role":"role2","resource":"posts","action":"view","params":{"fields":[]}}`, // fields: [] kept
	},
	"spec/acl-role.test/should union appends when appends1 = [a,b], appends2 = []": {1: `{"role":"role2","resource":"posts","action":"update","params":{"appends":["a","b"]}}`}, // appends: a b united with []
}
