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
				"departments": []any{}, "email": nil, "phone": nil}},
		{"enterprise department after the groups, as the main one, trimmed",
			map[string]any{"id": "u5", "userName": "eve", EnterpriseUserURN: map[string]any{"department": " R&D ", "manager": map[string]any{"value": "u1"}}},
			"", "departments", []string{"g1"},
			datasync.Record{"uid": "u5", "username": "eve", "nickname": "", "enabled": true,
				"departments": []any{"g1", map[string]any{"uid": "department:R&D", "isMain": true}}, "email": nil, "phone": nil}},
		{"groups as roles: the enterprise department alone under departments",
			map[string]any{"id": "u6", "userName": "fay", EnterpriseUserURN: map[string]any{"department": "Sales"}},
			"", "roles", []string{"Auditors"},
			datasync.Record{"uid": "u6", "username": "fay", "nickname": "", "enabled": true, "roles": []any{"Auditors"},
				"departments": []any{map[string]any{"uid": "department:Sales", "isMain": true}}, "email": nil, "phone": nil}},
		{"a blank department is none",
			map[string]any{"id": "u7", "userName": "gus", EnterpriseUserURN: map[string]any{"department": "  ", "employeeNumber": "7"}},
			"", "departments", nil,
			datasync.Record{"uid": "u7", "username": "gus", "nickname": "", "enabled": true, "departments": []any{},
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

func TestEnterpriseDeptRecord(t *testing.T) {
	want := datasync.Record{
		"uid": "department:R&D", "title": "R&D", "parentUid": nil,
		datasync.SourceDataKey: map[string]any{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "R&D"},
	}
	got := enterpriseDeptRecord("R&D")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	stored := &datasync.StoredRecord{OriginRecord: datasync.OriginRecord{MetaData: got}}
	if !isEnterpriseDept(stored) || !isEnterpriseDeptUID(got["uid"].(string)) {
		t.Error("the record is not recognized as an enterprise department")
	}
	group := &datasync.StoredRecord{OriginRecord: datasync.OriginRecord{MetaData: groupRecord(map[string]any{"id": "g1", "displayName": "R&D"}, "")}}
	if isEnterpriseDept(group) || isEnterpriseDeptUID("0b6f2d4e-8a1c-4f3e-9d2b-7c5a1e6f8b90") {
		t.Error("a group is taken for an enterprise department")
	}
}
