package aclstore

import (
	"net/http"
	"slices"

	"github.com/gatehouse-dev/gatehouse/internal/listapi"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// listSnippets answers a role's snippet rules, in their order: the shape
// NocoBase's roles.snippets:list has (a plain list, never paged).
func (a *api) listSnippets(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	role, err := apiRole(ac)
	if err != nil {
		return nil, err
	}
	row, err := a.s.Role(r.Context(), role)
	if err != nil {
		return nil, err
	}
	return apiNonNil(row.Snippets), nil
}

// addSnippets adds rules (values: ["pm.*", "!pm.users"]) the role does not
// have yet, after its others. The ACL refuses a rule that selects no
// registered snippet, and then nothing changes.
func (a *api) addSnippets(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	return a.changeSnippets(r, ac, func(rules, given []string) []string {
		have := make(map[string]struct{}, len(rules)+len(given))
		for _, rule := range rules {
			have[rule] = struct{}{}
		}
		for _, g := range given {
			if _, ok := have[g]; !ok {
				have[g] = struct{}{}
				rules = append(rules, g)
			}
		}
		return rules
	})
}

// removeSnippets removes rules from the role; a rule it does not have is
// ignored, as removing from a set ignores a value it lacks.
func (a *api) removeSnippets(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	return a.changeSnippets(r, ac, func(rules, given []string) []string {
		drop := make(map[string]struct{}, len(given))
		for _, g := range given {
			drop[g] = struct{}{}
		}
		return slices.DeleteFunc(rules, func(rule string) bool { _, ok := drop[rule]; return ok })
	})
}

// changeSnippets reads the role's rules, changes them and writes them
// back, answering the rules saved.
func (a *api) changeSnippets(r *http.Request, ac *resourcer.ActionContext, change func(rules, given []string) []string) (any, error) {
	role, err := apiRole(ac)
	if err != nil {
		return nil, err
	}
	list, err := apiValueList(ac.Params)
	if err != nil {
		return nil, err
	}
	given := make([]string, len(list))
	for i, v := range list {
		s, ok := v.(string)
		if !ok || s == "" || s == "!" {
			return nil, listapi.BadRequest("values[%d] must be a snippet rule such as \"pm.*\" or \"!pm.users\", got %.64s", i, listapi.Show(v))
		}
		given[i] = s
	}
	a.snippetsMu.Lock()
	defer a.snippetsMu.Unlock()
	row, err := a.s.Role(r.Context(), role)
	if err != nil {
		return nil, err
	}
	rules := change(slices.Clone(row.Snippets), given)
	if slices.Equal(rules, row.Snippets) {
		return apiNonNil(rules), nil
	}
	if err := a.s.SetSnippets(r.Context(), role, rules); err != nil {
		return nil, err
	}
	return apiNonNil(rules), nil
}

// apiNonNil makes a list answer [] rather than null.
func apiNonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}
