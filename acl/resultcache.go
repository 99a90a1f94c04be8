package acl

import (
	"sync"
	"sync/atomic"
)

// maxCachedResults bounds one role's result cache, so that requests for
// arbitrary resource names cannot grow memory without limit; past it,
// answers are allocated per call.
const maxCachedResults = 4096

// resultCache hands out one shared CanResult per resource and action for a
// role's parameter-free strategy and snippet grants. Reads are lock-free
// (an atomic load, a map lookup and a short scan); a miss copies the map
// under a mutex.
type resultCache struct {
	mu sync.Mutex
	m  atomic.Pointer[map[string][]*CanResult] // resource -> one result per action
	n  int
}

func (c *resultCache) get(role, resource, action string) *CanResult {
	if m := c.m.Load(); m != nil {
		for _, r := range (*m)[resource] {
			if r.Action == action {
				return r
			}
		}
	}
	r := &CanResult{Role: role, Resource: resource, Action: action}
	c.mu.Lock()
	defer c.mu.Unlock()
	var old map[string][]*CanResult
	if p := c.m.Load(); p != nil {
		old = *p
	}
	for _, cached := range old[resource] {
		if cached.Action == action {
			return cached
		}
	}
	if c.n >= maxCachedResults {
		return r
	}
	next := make(map[string][]*CanResult, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[resource] = append(append([]*CanResult(nil), old[resource]...), r)
	c.n++
	c.m.Store(&next)
	return r
}
