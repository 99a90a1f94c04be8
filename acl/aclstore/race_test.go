package aclstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// TestCoreReadersDuringReloads: readers call Can in a loop while a writer
// grants, revokes and reloads. Every answer must come from one committed
// state (the fields and the filter of a grant are always from the same
// write), and at the end the ACL equals a fresh Load. Run with -race.
func TestCoreReadersDuringReloads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := coreStore(t, db)
		if err := s.CreateRole(ctx, &aclstore.Role{Name: "r", Strategy: &acl.StrategyOptions{Actions: []string{"view"}}}); err != nil {
			t.Fatal(err)
		}
		var (
			stop    atomic.Bool
			reads   atomic.Int64
			wg      sync.WaitGroup
			errMu   sync.Mutex
			readErr error
		)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() {
					reads.Add(1)
					res, ok := s.ACL().Can(acl.CanArgs{Role: "r", Resource: "posts", Action: "export"})
					if !ok {
						continue
					}
					if err := coreSameWrite(res.Params); err != nil {
						errMu.Lock()
						readErr = err
						errMu.Unlock()
						return
					}
				}
			}()
		}
		for i := range 40 {
			var err error
			switch i % 4 {
			case 0, 1:
				err = s.Grant(ctx, "r", "posts:export", acl.Params{"fields": []string{fmt.Sprintf("f%d", i)}, "filter": acl.Params{"v": i}})
			case 2:
				err = s.Load(ctx)
			case 3:
				err = s.Revoke(ctx, "r", "posts:export")
			}
			if err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		stop.Store(true)
		wg.Wait()
		if readErr != nil {
			t.Fatal(readErr)
		}
		if reads.Load() == 0 {
			t.Fatal("no reader ran")
		}
		fresh := aclstore.New(db, coreACL(t), aclstore.Options{})
		if err := fresh.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(coreACLJSON(t, fresh.ACL()), coreACLJSON(t, s.ACL())); diff != "" {
			t.Errorf("the ACL differs from a fresh Load (-fresh +writer):\n%s", diff)
		}
	})
}

// coreSameWrite checks that a grant's fields and filter come from the
// same Grant: fields [f<i>] with filter {v: i}.
func coreSameWrite(p acl.Params) error {
	fields, _ := p["fields"].([]any)
	filter, _ := p["filter"].(map[string]any)
	if len(fields) != 1 || filter == nil {
		return fmt.Errorf("torn grant: %v", p)
	}
	if fmt.Sprint(fields[0]) != fmt.Sprintf("f%v", filter["v"]) {
		return fmt.Errorf("fields %v and filter %v come from different writes", fields, filter)
	}
	return nil
}
