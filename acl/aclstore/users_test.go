package aclstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// TestCoreRolesOf: a user's roles sorted; the default role for a user
// without any; nil without a default role; UsersOf lists members.
func TestCoreRolesOf(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := coreStore(t, db)
		ctx := context.Background()
		for _, name := range []string{"member", "admin", "guest"} {
			if err := s.CreateRole(ctx, &aclstore.Role{Name: name}); err != nil {
				t.Fatal(err)
			}
		}
		if roles, err := s.RolesOf(ctx, 1); err != nil || roles != nil {
			t.Fatalf("RolesOf without roles or a default = %v, %v", roles, err)
		}
		for _, name := range []string{"member", "admin", "member"} {
			if err := s.AssignUser(ctx, 1, name); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetDefaultRole(ctx, "guest"); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[int64][]string{1: {"admin", "member"}, 2: {"guest"}} {
			if got, err := s.RolesOf(ctx, id); err != nil || !cmp.Equal(got, want) {
				t.Errorf("RolesOf(%d) = %v, %v; want %v", id, got, err, want)
			}
		}
		if err := s.UnassignUser(ctx, 1, "admin"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.RolesOf(ctx, 1); !cmp.Equal(got, []string{"member"}) {
			t.Errorf("RolesOf after UnassignUser = %v", got)
		}
		if err := s.UnassignUser(ctx, 1, "admin"); err != nil {
			t.Errorf("unassigning twice = %v, want nil (idempotent)", err)
		}
		if ids, err := s.UsersOf(ctx, "member"); err != nil || !cmp.Equal(ids, []int64{1}) {
			t.Errorf("UsersOf(member) = %v, %v", ids, err)
		}
		if _, err := s.UsersOf(ctx, "nosuch"); !errors.Is(err, aclstore.ErrRoleNotFound) {
			t.Errorf("UsersOf(nosuch) = %v", err)
		}
		got, _ := s.RolesOf(ctx, 1)
		got[0] = "root"
		if again, _ := s.RolesOf(ctx, 1); !cmp.Equal(again, []string{"member"}) {
			t.Errorf("changing RolesOf's answer changed the cache: %v", again)
		}
	})
}

// TestCoreRolesOfCache: answers come from the cache (a change behind the
// store's back is not seen) until a write of this store forgets them:
// its own user's on AssignUser, everyone's on DeleteRole and
// SetDefaultRole.
func TestCoreRolesOfCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := coreStore(t, db)
		ctx := context.Background()
		for _, name := range []string{"a", "b", "c"} {
			if err := s.CreateRole(ctx, &aclstore.Role{Name: name}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AssignUser(ctx, 1, "a"); err != nil {
			t.Fatal(err)
		}
		coreRolesOfIs(t, s, 1, "a")
		coreRolesOfIs(t, s, 2)
		// Behind the store's back: the cache answers.
		coreInsert(t, db, &aclstore.RoleUser{UserID: 1, RoleName: "b"}, &aclstore.RoleUser{UserID: 2, RoleName: "b"})
		coreRolesOfIs(t, s, 1, "a")
		coreRolesOfIs(t, s, 2)
		// This store's write for user 1 forgets user 1 only.
		if err := s.AssignUser(ctx, 1, "c"); err != nil {
			t.Fatal(err)
		}
		coreRolesOfIs(t, s, 1, "a", "b", "c")
		coreRolesOfIs(t, s, 2)
		// DeleteRole forgets everyone.
		if err := s.DeleteRole(ctx, "c"); err != nil {
			t.Fatal(err)
		}
		coreRolesOfIs(t, s, 1, "a", "b")
		coreRolesOfIs(t, s, 2, "b")
		coreRolesOfIs(t, s, 3)
		if err := s.SetDefaultRole(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		coreRolesOfIs(t, s, 3, "a")
	})
}

// TestCoreRolesOfWithoutCache: with a negative cache size every call
// reads the database.
func TestCoreRolesOfWithoutCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		coreStore(t, db)
		s := aclstore.New(db, coreACL(t), aclstore.Options{RolesCacheSize: -1})
		if err := s.CreateRole(ctx, &aclstore.Role{Name: "a"}); err != nil {
			t.Fatal(err)
		}
		coreRolesOfIs(t, s, 1)
		coreInsert(t, db, &aclstore.RoleUser{UserID: 1, RoleName: "a"})
		coreRolesOfIs(t, s, 1, "a")
	})
}

func coreRolesOfIs(t *testing.T, s *aclstore.Store, id int64, want ...string) {
	t.Helper()
	got, err := s.RolesOf(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		want = nil
	}
	if !cmp.Equal(got, want) {
		t.Errorf("RolesOf(%d) = %v, want %v", id, got, want)
	}
}
