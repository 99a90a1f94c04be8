package acl

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentReadersSeeWholeConfigurations flips roles and strategies
// between two configurations while readers check: every answer must be the
// answer of one configuration or the other, never a mix or a crash.
func TestConcurrentReadersSeeWholeConfigurations(t *testing.T) {
	a := New()
	a.SetAvailableAction("view", ActionOptions{Aliases: []string{"list"}})
	configA := RoleOptions{Name: "editor", Strategy: "s", Actions: map[string]Params{
		"posts:update": {"filter": Params{"status": "draft"}},
		"posts:list":   {},
	}}
	configB := RoleOptions{Name: "editor", Strategy: "s", Actions: map[string]Params{
		"posts:update": {"fields": []string{"title"}},
	}}
	strategyA := StrategyOptions{Actions: []string{"view"}}
	strategyB := StrategyOptions{Actions: []string{"view", "export:own"}}

	questions := []CanArgs{
		{Role: "editor", Resource: "posts", Action: "update"},
		{Role: "editor", Resource: "posts", Action: "list"},
		{Role: "editor", Resource: "users", Action: "export"},
		{Roles: []string{"editor", "viewer"}, Resource: "posts", Action: "update"},
		{Roles: []string{"viewer", "editor"}, Resource: "users", Action: "list"},
	}
	mustDefine(t, a, RoleOptions{Name: "viewer", Actions: map[string]Params{"posts:update": {"filter": Params{"mine": true}}}})

	// Every combination of role config and strategy a reader may observe.
	valid := make([]map[string]bool, len(questions))
	for i := range valid {
		valid[i] = map[string]bool{}
	}
	for _, rc := range []RoleOptions{configA, configB} {
		for _, sc := range []StrategyOptions{strategyA, strategyB} {
			a.SetAvailableStrategy("s", sc)
			mustDefine(t, a, rc)
			for i, q := range questions {
				raw, _ := json.Marshal(canPtr(a, q))
				valid[i][string(raw)] = true
			}
		}
	}

	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(2)
	// Writers and readers report with t.Error and return: t.Fatal must
	// only be called from the test's own goroutine.
	go func() {
		defer wg.Done()
		configs := [2]RoleOptions{configA, configB}
		for i := 0; !stop.Load(); i++ {
			if _, err := a.Define(configs[i%2]); err != nil {
				t.Errorf("Define(%s): %v", configs[i%2].Name, err)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			if i%2 == 0 {
				a.SetAvailableStrategy("s", strategyA)
			} else {
				a.SetAvailableStrategy("s", strategyB)
			}
		}
	}()
	var readers sync.WaitGroup
	for r := 0; r < 4; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for n := 0; n < 3000; n++ {
				i := n % len(questions)
				res := canPtr(a, questions[i])
				raw, _ := json.Marshal(res)
				if !valid[i][string(raw)] {
					t.Errorf("question %+v: answer %s is from no configuration", questions[i], raw)
					return
				}
				if res != nil && res.Params != nil {
					res.Params["scribble"] = n // callers may write to their copy
				}
				_ = a.Explain(questions[i])
			}
		}()
	}
	readers.Wait()
	stop.Store(true)
	wg.Wait()
}
