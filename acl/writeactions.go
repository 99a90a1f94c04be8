package acl

import (
	"slices"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// RegisterWriteActions names more actions that write records, so that the
// fields of their grants bound what they write as well as what they return:
// a grant {fields: [title]} on such an action gets {whitelist: [title]}
// too. create and update (whose fields become the whitelist, as in
// NocoBase), updateOrCreate and firstOrCreate are built in. Grants already
// made on these actions are updated at once.
func (a *ACL) RegisterWriteActions(names ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var added []string
	for _, n := range names {
		if n != "" && !slices.Contains(a.writeActions, n) {
			a.writeActions = append(a.writeActions, n)
			added = append(added, n)
		}
	}
	if len(added) == 0 {
		return
	}
	for _, r := range a.roles {
		for key, p := range r.grants {
			if !slices.Contains(added, a.resolveAliasLocked(key.action)) || !jsonval.Truthy(p["fields"]) {
				continue
			}
			r.grants[key] = a.internParamsLocked(withWriteWhitelist(p))
		}
	}
	a.publishAllLocked()
}

// withWriteWhitelist returns p with its fields as the write whitelist (or,
// when p has a whitelist already, the whitelist narrowed to the fields).
// p itself is not changed: it may be shared.
func withWriteWhitelist(p Params) Params {
	out := make(Params, len(p)+1)
	for k, v := range p {
		out[k] = v
	}
	fields := jsonval.StrategyList(p["fields"])
	if existing, ok := p["whitelist"]; ok && existing != nil {
		out["whitelist"] = intersectLists(jsonval.StrategyList(existing), fields)
	} else {
		out["whitelist"] = jsonval.Compact(jsonval.Uniq(fields))
	}
	return out
}
