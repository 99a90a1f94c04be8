package acl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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

func runScenario(t *testing.T, in refScenario) refOutput {
	t.Helper()
	a := New()
	for name, opts := range in.AvailableActions {
		a.SetAvailableAction(name, ActionOptions{Aliases: actionsFromJSON(opts.Aliases)})
	}
	for name, raw := range in.Strategies {
		_, opts := strategyFromJSON(raw)
		a.SetAvailableStrategy(name, *opts)
	}
	for _, s := range in.Snippets {
		_ = a.RegisterSnippet(Snippet{Name: s.Name, Actions: s.Actions})
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
		role, err := a.Define(RoleOptions{Name: r.Role, Strategy: name, StrategyOptions: opts, Actions: r.Actions})
		if err != nil {
			t.Fatalf("define %s: %v", r.Role, err)
		}
		if r.Snippets != nil {
			if err := role.SetSnippets(*r.Snippets); err != nil {
				t.Fatalf("snippets of %s: %v", r.Role, err)
			}
		}
	}
	for _, op := range in.Ops {
		role, _ := a.GetRole(op.Role)
		switch op.Op {
		case "grant":
			_ = role.GrantAction(op.Path, op.Params)
		case "revoke":
			_ = role.RevokeAction(op.Path)
		case "revokeResource":
			role.RevokeResource(op.Resource)
		case "remove":
			a.RemoveRole(op.Role)
		case "setStrategy":
			name, opts := strategyFromJSON(op.Strategy)
			if opts != nil {
				role.SetStrategyOptions(*opts)
			} else {
				role.SetStrategy(name)
			}
		case "setSnippets":
			_ = role.SetSnippets(op.Snippets)
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
		res := a.Can(CanArgs{Role: q.Role, Roles: q.Roles, Resource: q.Resource, Action: q.Action, RawResourceName: q.RawResourceName})
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
	return out
}

func TestReference(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "reference", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no reference scenarios in testdata/reference")
	}
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
			t.Run(strings.TrimSuffix(filepath.Base(file), ".json")+"/"+c.Name, func(t *testing.T) {
				got := runScenario(t, c.Input)
				wantRaw := c.Expected
				if c.Differs != "" {
					wantRaw = c.Want
				}
				var want refOutput
				if err := json.Unmarshal(wantRaw, &want); err != nil {
					t.Fatalf("expected output: %v", err)
				}
				for i := range want.Results {
					if i >= len(got.Results) {
						t.Fatalf("query %d: no answer", i)
					}
					if diff := jsonDiff(want.Results[i], got.Results[i]); diff != "" {
						t.Errorf("query %d %+v (-reference +got):\n%s", i, c.Input.Queries[i], diff)
					}
				}
				if want.Roles != nil {
					for name, w := range want.Roles {
						if diff := jsonDiff(withAllowConfigure(w), got.Roles[name]); diff != "" {
							t.Errorf("role %s toJSON (-reference +got):\n%s", name, diff)
						}
					}
					for name := range got.Roles {
						if _, ok := want.Roles[name]; !ok {
							t.Errorf("role %s exists here but not in the reference", name)
						}
					}
				}
			})
		}
	}
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
