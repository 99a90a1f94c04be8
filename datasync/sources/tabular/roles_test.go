package tabular_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// With a Role column mapped, every user carries "roles": its rows' role
// names, gathered once each, or none ([]) when every cell is empty or
// NULL, so that the roles resource removes a role the table dropped.
// Without one, no user has the key, and the roles resource leaves their
// roles alone.
func TestPullRoles(t *testing.T) {
	runPullCases(t, []pullCase{{
		name:   "one row each: a role, an empty cell, a NULL",
		opts:   tabular.Options{Mapping: tabular.Mapping{UID: "id", Role: "role"}},
		header: []string{"id", "role"},
		rows:   [][]string{{"e1", "admin"}, {"e2", ""}, {"e3", null}},
		want: []datasync.UserData{userData("",
			rec{"uid": "e1", "roles": []any{"admin"}}, rec{"uid": "e2", "roles": []any{}}, rec{"uid": "e3", "roles": []any{}})},
	}, {
		name:   "several rows: roles gathered, empty cells skipped, all empty is none",
		opts:   tabular.Options{Mapping: tabular.Mapping{UID: "id", Role: "role"}},
		header: []string{"id", "role"},
		rows:   [][]string{{"e1", "member"}, {"e2", ""}, {"e1", ""}, {"e1", "admin"}, {"e2", null}, {"e1", "member"}},
		want: []datasync.UserData{userData("",
			rec{"uid": "e2", "roles": []any{}}, rec{"uid": "e1", "roles": []any{"member", "admin"}})},
	}, {
		name:   "no Role column: no roles key",
		opts:   tabular.Options{Mapping: tabular.Mapping{UID: "id", Nickname: "role"}},
		header: []string{"id", "role"},
		rows:   [][]string{{"e1", "admin"}, {"e1", ""}, {"e2", "x"}},
		want:   []datasync.UserData{userData("", rec{"uid": "e1", "nickname": "admin"}, rec{"uid": "e2", "nickname": "x"})},
	}})
}
