package users_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// newExcludeRoleEnv serves listExcludeRole to roles that each test one
// rule of crud's read scope, which the action shares: ann holds root, bob
// (the only user listed) holds member and editor.
func newExcludeRoleEnv(t *testing.T, db *bun.DB) *scopeEnv {
	t.Helper()
	e := newScopeEnv(t, db,
		acl.RoleOptions{Name: "opener", Actions: map[string]acl.Params{"users:listExcludeRole": {}}},
		acl.RoleOptions{Name: "roleReader", Actions: map[string]acl.Params{
			"users:listExcludeRole": {},
			"rolesUsers:view":       {"fields": []string{"roleName"}},
		}},
		acl.RoleOptions{Name: "appendsOnly", Actions: map[string]acl.Params{
			"users:listExcludeRole": {"appends": []string{"departments"}},
		}},
	)
	e.addUsers(&users.User{Nickname: "ann", Email: "ann@x"}, &users.User{Nickname: "bob", Email: "bob@x"})
	memberships := []*users.RoleUser{{UserID: 1, RoleName: "root"}, {UserID: 2, RoleName: "member"}, {UserID: 2, RoleName: "editor"}}
	if _, err := db.NewInsert().Model(&memberships).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestListExcludeRoleNaturalKeys pins crud's key rule through
// listExcludeRole: only a numeric single-column primary key is readable
// without a grant, so an appended membership (rolesUsers, keyed by userId
// and roleName) shows none of its key columns unless a grant lists them.
func TestListExcludeRoleNaturalKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newExcludeRoleEnv(t, db)
		for _, c := range []struct {
			role  string
			roles []map[string]any // bob's appended memberships, sorted by roleName
		}{
			{"opener", []map[string]any{{}, {}}},
			{"roleReader", []map[string]any{{"roleName": "editor"}, {"roleName": "member"}}},
		} {
			r := e.serve(c.role, 2, "GET", "/api/users:listExcludeRole?roleName=root&fields=id&appends=roles", "")
			if r.code != 200 {
				t.Errorf("%s: %d %s", c.role, r.code, r.raw)
				continue
			}
			rows := records(t, r)
			if len(rows) != 1 || rows[0]["id"] != 2.0 {
				t.Errorf("%s: want bob alone: %s", c.role, r.raw)
				continue
			}
			if diff := cmp.Diff(c.roles, sortedMemberships(t, rows[0]["roles"])); diff != "" {
				t.Errorf("%s: bob's roles (-want +got):\n%s", c.role, diff)
			}
		}
	})
}

// sortedMemberships reads an appended roles list, ordered by roleName
// when the records hold it (the database returns them in no set order).
func sortedMemberships(t *testing.T, v any) []map[string]any {
	t.Helper()
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("roles is %T, not a list", v)
	}
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			t.Fatalf("a membership is %T, not an object", e)
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b map[string]any) int {
		as, _ := a["roleName"].(string)
		bs, _ := b["roleName"].(string)
		return strings.Compare(as, bs)
	})
	return out
}

// TestListExcludeRoleAppendsOnlyGrant pins crud's "*" rule through
// listExcludeRole: a grant that bounds only its appends reads every field
// of users but only the associations it lists, whether the request names
// another one in fields, appends or a filter path.
func TestListExcludeRoleAppendsOnlyGrant(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newExcludeRoleEnv(t, db)
		at := func(query string) string { return "/api/users:listExcludeRole?roleName=root&" + query }
		columns := []string{"appLang", "createdAt", "createdById", "email", "enabled", "id", "mainDepartmentId", "nickname", "passwordChangeTz", "phone", "systemSettings", "updatedAt", "updatedById", "username"}
		for _, c := range []struct {
			query   string
			code    int
			keys    []string // of bob's record, when 200
			message string   // part of the error, when not 200
		}{
			{"", 200, columns, ""},
			{"fields=id,nickname", 200, []string{"id", "nickname"}, ""},
			{"fields=id&appends=departments", 200, []string{"departments", "id"}, ""},
			{"fields=nickname,departments", 200, []string{"departments", "nickname"}, ""},
			{"appends=roles", 200, columns, ""}, // the ACL drops the append
			{"fields=id,roles", 400, nil, "no association roles"},
			{"fields=id,mainDepartment", 400, nil, "no association mainDepartment"},
			{"filter=" + url.QueryEscape(`{"roles.roleName":"editor"}`), 400, nil, "roles"},
			{"filter=" + url.QueryEscape(`{"mainDepartment.id":1}`), 400, nil, "mainDepartment"},
		} {
			r := e.serve("appendsOnly", 2, "GET", at(c.query), "")
			if r.code != c.code {
				t.Errorf("%q: %d %s, want %d", c.query, r.code, r.raw, c.code)
				continue
			}
			if c.code != 200 {
				if !strings.Contains(r.message(), c.message) {
					t.Errorf("%q: message %q, want it to name %q", c.query, r.message(), c.message)
				}
				continue
			}
			rows := records(t, r)
			if len(rows) != 1 {
				t.Errorf("%q: %d rows, want bob alone: %s", c.query, len(rows), r.raw)
				continue
			}
			if diff := cmp.Diff(c.keys, keysOf(rows)); diff != "" {
				t.Errorf("%q: keys (-want +got):\n%s", c.query, diff)
			}
		}
	})
}
