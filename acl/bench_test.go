package acl

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
)

// The benchmark fixture: 100 roles role0..role99 with strategy member and
// explicit grants on 200 resources res0..res199, the view/get/list alias,
// snippet pm.users, a strategy-only role, and fixed params on users:destroy.
var (
	benchRoles     [100]string
	benchResources [200]string
)

func init() {
	for i := range benchRoles {
		benchRoles[i] = fmt.Sprint("role", i)
	}
	for i := range benchResources {
		benchResources[i] = fmt.Sprint("res", i)
	}
}

// sharedBenchACL builds the fixture once per test binary: benchmarks run
// their function several times, and rebuilding 80,000 grants each time
// would leave the collector busy during the timed loop.
var sharedBenchACL = sync.OnceValue(func() *ACL { return benchACL(nil) })

func benchACL(tb testing.TB) *ACL {
	fail := func(err error) {
		if tb == nil {
			panic(err)
		}
		tb.Fatal(err)
	}
	a := New()
	a.SetAvailableAction("view", ActionOptions{Aliases: []string{"get", "list"}})
	a.SetAvailableAction("create", ActionOptions{})
	a.SetAvailableAction("update", ActionOptions{})
	a.SetAvailableAction("destroy", ActionOptions{})
	a.SetAvailableStrategy("member", StrategyOptions{Actions: []string{"view", "update:own", "create"}})
	if err := a.RegisterSnippet(Snippet{Name: "pm.users", Actions: []string{"users:*"}}); err != nil {
		fail(err)
	}
	a.AddFixedParams("users", "destroy", func() Params {
		return Params{"filter": Params{"id.$ne": 1}}
	})
	for _, role := range benchRoles {
		actions := make(map[string]Params, 4*len(benchResources))
		for _, res := range benchResources {
			actions[res+":view"] = Params{}
			actions[res+":update"] = Params{"fields": []string{"title", "content"}, "filter": Params{"status": "draft"}}
			actions[res+":create"] = Params{}
			actions[res+":destroy"] = Params{"own": true}
		}
		if _, err := a.Define(RoleOptions{Name: role, Strategy: "member", Actions: actions}); err != nil {
			fail(err)
		}
	}
	if _, err := a.Define(RoleOptions{Name: "strategyOnly", Strategy: "member", Snippets: []string{"pm.*"}}); err != nil {
		fail(err)
	}
	return a
}

func benchCan(b *testing.B, args func(i int) CanArgs, wantAllowed bool) {
	a := sharedBenchACL()
	runtime.GC() // collect the fixture's garbage before timing
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		res, ok := a.Can(args(i))
		if ok != wantAllowed {
			b.Fatalf("Can(%+v) = %+v, %v", args(i), res, ok)
		}
		i++
	}
}

func BenchmarkCanGrant(b *testing.B) {
	benchCan(b, func(i int) CanArgs {
		return CanArgs{Role: benchRoles[i%100], Resource: benchResources[i%200], Action: "create"}
	}, true)
}

func BenchmarkCanGrantParams(b *testing.B) {
	benchCan(b, func(i int) CanArgs {
		return CanArgs{Role: benchRoles[i%100], Resource: benchResources[i%200], Action: "update"}
	}, true)
}

func BenchmarkCanStrategy(b *testing.B) {
	benchCan(b, func(int) CanArgs {
		return CanArgs{Role: "strategyOnly", Resource: "orders", Action: "list"}
	}, true)
}

// BenchmarkCanStrategyUncached answers from the strategy as
// BenchmarkCanStrategy does, but every iteration asks about a resource it
// has not asked about for 2^18 iterations, for one of the 100 roles, so the
// strategy path pays for hashing a new name and for memory that is not in
// the CPU's caches; BenchmarkCanStrategy asks one question again and again.
// "own" asks for update, which the strategy allows on own rows: a fresh
// copy of the params for each answer.
func BenchmarkCanStrategyUncached(b *testing.B) {
	resources := benchFreshResources()
	mask := len(resources) - 1
	b.Run("no params", func(b *testing.B) {
		actions := [...]string{"list", "get", "view", "create"}
		benchCan(b, func(i int) CanArgs {
			return CanArgs{Role: benchRoles[i%100], Resource: resources[(i*benchStride)&mask], Action: actions[i%len(actions)]}
		}, true)
	})
	b.Run("own", func(b *testing.B) {
		benchCan(b, func(i int) CanArgs {
			return CanArgs{Role: benchRoles[i%100], Resource: resources[(i*benchStride)&mask], Action: "update"}
		}, true)
	})
}

// benchStride is odd, so i*benchStride visits every index of a power-of-two
// list before repeating, in an order a prefetcher does not follow.
const benchStride = 40503

// benchFreshResources are 2^18 resource names no role has a grant on,
// allocated once: about 8 MB of names and string headers, more than the
// CPU caches of the machines the README's figures come from keep per core.
var benchFreshResources = sync.OnceValue(func() []string {
	names := make([]string, 1<<18)
	for i := range names {
		names[i] = fmt.Sprintf("collection%06d", i)
	}
	return names
})

func BenchmarkCanSnippet(b *testing.B) {
	benchCan(b, func(int) CanArgs {
		return CanArgs{Role: "strategyOnly", Resource: "users", Action: "destroy"}
	}, true)
}

func BenchmarkCanDeny(b *testing.B) {
	benchCan(b, func(i int) CanArgs {
		return CanArgs{Role: benchRoles[i%100], Resource: "nothing", Action: "export"}
	}, false)
}

func BenchmarkCanUnion3(b *testing.B) {
	roles := make([][]string, 100)
	for i := range roles {
		roles[i] = []string{benchRoles[i], benchRoles[(i+1)%100], "strategyOnly"}
	}
	benchCan(b, func(i int) CanArgs {
		return CanArgs{Roles: roles[i%100], Resource: benchResources[i%200], Action: "update"}
	}, true)
}

func BenchmarkCanParallel(b *testing.B) {
	a := sharedBenchACL()
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, ok := a.Can(CanArgs{Role: benchRoles[i%100], Resource: benchResources[i%200], Action: "create"}); !ok {
				b.Error("denied") // not Fatal: this is not the benchmark's goroutine
				return
			}
			i++
		}
	})
}

// BenchmarkMiddleware serves an allowed request through the ACL middleware;
// BenchmarkBareHandler is the same request without it, for the difference.
func BenchmarkMiddleware(b *testing.B) {
	a := sharedBenchACL()
	h := a.Middleware(MiddlewareOptions{Actions: ActionSourceFunc(func(r *http.Request) (Action, bool) {
		return Action{Resource: "res7", Name: "update"}, true
	})})(okHandler)
	benchServe(b, h, WithRole)
}

func BenchmarkBareHandler(b *testing.B) {
	benchServe(b, okHandler, WithRole)
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

func benchServe(b *testing.B, h http.Handler, withRole func(ctx context.Context, role string) context.Context) {
	runtime.GC()
	req := httptest.NewRequest(http.MethodPost, "/api/res7:update", nil)
	req = req.WithContext(withRole(WithUser(req.Context(), 7), "role7"))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusNoContent {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
