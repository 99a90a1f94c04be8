package aclstore

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCoreRolesCache: the cache is bounded, forgets what it is told to,
// and refuses an answer read before an invalidation (which would
// otherwise stay stale for good).
func TestCoreRolesCache(t *testing.T) {
	c := newRolesCache(2)
	c.put(1, []string{"a"}, c.generation())
	c.put(2, []string{"b"}, c.generation())
	if got, ok := c.get(1); !ok || !cmp.Equal(got, []string{"a"}) {
		t.Fatalf("get(1) = %v, %v", got, ok)
	}
	c.put(3, []string{"c"}, c.generation())
	if len(c.users) > 2 {
		t.Errorf("the cache holds %d users, bound 2", len(c.users))
	}
	if _, ok := c.get(3); !ok {
		t.Error("the newest answer was not kept")
	}

	stale := c.generation()  // a reader starts reading the database
	c.invalidate([]int64{3}) // a write commits and invalidates user 3
	c.put(3, []string{"old"}, stale)
	if got, ok := c.get(3); ok {
		t.Errorf("an answer read before the invalidation was cached: %v", got)
	}

	c.put(4, []string{"d"}, c.generation())
	c.invalidate(nil)
	if _, ok := c.get(4); ok {
		t.Error("invalidate(nil) kept user 4")
	}

	var none *rolesCache = newRolesCache(-1)
	none.put(1, []string{"a"}, none.generation())
	none.invalidate(nil)
	if _, ok := none.get(1); ok {
		t.Error("a disabled cache answered")
	}
}

// TestCoreInt64ID: the user id forms acl.WithUser may carry.
func TestCoreInt64ID(t *testing.T) {
	for _, c := range []struct {
		in   any
		want int64
		ok   bool
	}{
		{7, 7, true}, {int64(7), 7, true}, {float64(7), 7, true}, {"7", 7, true},
		{7.5, 0, false}, {"alice", 0, false}, {nil, 0, false}, {uint64(1 << 63), 0, false},
		{uint(7), 7, true}, {uint8(7), 7, true}, {int16(7), 7, true}, {uint(1 << 63), 0, false},
	} {
		got, ok := int64ID(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("int64ID(%#v) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
