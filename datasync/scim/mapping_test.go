package scim

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

func TestUserRecord(t *testing.T) {
	cases := []struct {
		name     string
		res      map[string]any
		password string
		field    string
		groups   []string
		want     datasync.Record
	}{
		{"displayName and primaries",
			map[string]any{"id": "u1", "userName": "ada", "displayName": "Ada", "name": map[string]any{"formatted": "A. L."},
				"emails":       []any{map[string]any{"value": "a@home"}, map[string]any{"value": "a@work", "primary": true}},
				"phoneNumbers": []any{map[string]any{"value": ""}, map[string]any{"value": "+1"}}},
			"pw", "departments", []string{"g1"},
			datasync.Record{"uid": "u1", "username": "ada", "nickname": "Ada", "enabled": true, "departments": []any{"g1"},
				"email": "a@work", "phone": "+1", "password": "pw"}},
		{"formatted name, inactive, nothing else",
			map[string]any{"id": "u2", "userName": "bob", "active": false, "name": map[string]any{"formatted": "Bob B."}},
			"", "departments", nil,
			datasync.Record{"uid": "u2", "username": "bob", "nickname": "Bob B.", "enabled": false, "departments": []any{},
				"email": nil, "phone": nil}},
		{"given and family names",
			map[string]any{"id": "u3", "userName": "cy", "name": map[string]any{"familyName": "Young"}},
			"", "departments", nil,
			datasync.Record{"uid": "u3", "username": "cy", "nickname": "Young", "enabled": true, "departments": []any{},
				"email": nil, "phone": nil}},
		{"groups as roles: role names under roles, no departments",
			map[string]any{"id": "u4", "userName": "dee"},
			"", "roles", []string{"Auditors", "Admins"},
			datasync.Record{"uid": "u4", "username": "dee", "nickname": "", "enabled": true, "roles": []any{"Auditors", "Admins"},
				"email": nil, "phone": nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := userRecord(c.res, c.password, c.field, c.groups)
			if got[datasync.SourceDataKey] == nil {
				t.Fatal("the resource is not in the record")
			}
			delete(got, datasync.SourceDataKey)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroupRecord(t *testing.T) {
	res := map[string]any{"id": "g1", "displayName": "R&D"}
	want := datasync.Record{"uid": "g1", "title": "R&D", "parentUid": "g0", datasync.SourceDataKey: res}
	if diff := cmp.Diff(want, groupRecord(res, "g0")); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	want["parentUid"] = nil
	if diff := cmp.Diff(want, groupRecord(res, "")); diff != "" {
		t.Errorf("top-level record (-want +got):\n%s", diff)
	}
}
