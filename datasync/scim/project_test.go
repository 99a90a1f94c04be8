package scim

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const servedUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
	"id":"u1","externalId":"e1","userName":"bjensen","active":true,
	"name":{"givenName":"Barbara","familyName":"Jensen"},
	"emails":[{"value":"b@x","type":"work","primary":true},{"value":"b@home","type":"home"}],
	"password":"must not leak","stray":"not in any schema",
	"groups":[{"value":"g1","display":"Admins"}],
	"meta":{"resourceType":"User","version":"W/\"1\""},
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","manager":{"value":"m1","displayName":"Boss"}}}`

func TestProjectUser(t *testing.T) {
	const (
		core = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`
		both = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]`
		ent  = `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`
	)
	cases := []struct {
		name, attributes, excluded string
		want                       string
	}{
		{"no lists: every default attribute, never password",
			"", "",
			`{` + both + `,"id":"u1","externalId":"e1","userName":"bjensen","active":true,
			"name":{"givenName":"Barbara","familyName":"Jensen"},
			"emails":[{"value":"b@x","type":"work","primary":true},{"value":"b@home","type":"home"}],
			"groups":[{"value":"g1","display":"Admins"}],
			"meta":{"resourceType":"User","version":"W/\"1\""},
			"` + ent + `":{"department":"R&D","manager":{"value":"m1","displayName":"Boss"}}}`},
		{"attributes: only those, plus id",
			"userName", "",
			`{` + core + `,"id":"u1","userName":"bjensen"}`},
		{"attributes: names are case-insensitive",
			"USERNAME,Active", "",
			`{` + core + `,"id":"u1","userName":"bjensen","active":true}`},
		{"attributes: a sub-attribute narrows each element",
			"emails.value", "",
			`{` + core + `,"id":"u1","emails":[{"value":"b@x"},{"value":"b@home"}]}`},
		{"attributes: elements without the sub-attribute are left out",
			"emails.primary", "",
			`{` + core + `,"id":"u1","emails":[{"primary":true}]}`},
		{"attributes: two sub-attributes",
			"emails.value,emails.type,name.givenName", "",
			`{` + core + `,"id":"u1","emails":[{"value":"b@x","type":"work"},{"value":"b@home","type":"home"}],"name":{"givenName":"Barbara"}}`},
		{"attributes: the whole attribute wins over a sub-attribute",
			"emails.value,emails", "",
			`{` + core + `,"id":"u1","emails":[{"value":"b@x","type":"work","primary":true},{"value":"b@home","type":"home"}]}`},
		{"attributes: an extension attribute",
			ent + ":department", "",
			`{` + both + `,"id":"u1","` + ent + `":{"department":"R&D"}}`},
		{"attributes: an extension sub-attribute and meta",
			ent + ":manager.value,meta.version", "",
			`{` + both + `,"id":"u1","meta":{"version":"W/\"1\""},"` + ent + `":{"manager":{"value":"m1"}}}`},
		{"attributes: absent attribute",
			"displayName", "",
			`{` + core + `,"id":"u1"}`},
		{"attributes: password is never served",
			"password", "",
			`{` + core + `,"id":"u1"}`},
		{"excludedAttributes: all but those",
			"", "emails,groups,meta,name,externalId",
			`{` + both + `,"id":"u1","userName":"bjensen","active":true,
			"` + ent + `":{"department":"R&D","manager":{"value":"m1","displayName":"Boss"}}}`},
		{"excludedAttributes: id is always served",
			"", "id,userName,active,externalId,name,emails,groups,meta," + ent + ":department," + ent + ":manager",
			`{` + core + `,"id":"u1"}`},
		{"excludedAttributes: sub-attributes",
			"", "emails.type,emails.primary," + ent + ":manager.displayName,name,groups,meta",
			`{` + both + `,"id":"u1","externalId":"e1","userName":"bjensen","active":true,
			"emails":[{"value":"b@x"},{"value":"b@home"}],
			"` + ent + `":{"department":"R&D","manager":{"value":"m1"}}}`},
		{"excludedAttributes: the extension emptied leaves schemas",
			"", ent + ":department," + ent + ":manager,emails,groups,meta,name",
			`{` + core + `,"id":"u1","externalId":"e1","userName":"bjensen","active":true}`},
		{"both lists: attributes select, excludedAttributes remove",
			"userName,emails", "emails.primary,emails.type,userName",
			`{` + core + `,"id":"u1","emails":[{"value":"b@x"},{"value":"b@home"}]}`},
	}
	res := decode(t, servedUser)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inc, err := ParseAttributeList(UserResource, c.attributes)
			if err != nil {
				t.Fatal(err)
			}
			exc, err := ParseAttributeList(UserResource, c.excluded)
			if err != nil {
				t.Fatal(err)
			}
			got := Project(UserResource, res, inc, exc)
			if diff := cmp.Diff(decode(t, c.want), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff(decode(t, servedUser), res); diff != "" {
		t.Errorf("Project modified res (-before +after):\n%s", diff)
	}
}

func TestProjectGroupExcludedMembers(t *testing.T) {
	// Entra reads groups with excludedAttributes=members.
	res := decode(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","displayName":"Admins",
		"members":[{"value":"u1","display":"Ann","type":"User"}],"meta":{"resourceType":"Group"}}`)
	exc, err := ParseAttributeList(GroupResource, "members")
	if err != nil {
		t.Fatal(err)
	}
	want := decode(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","displayName":"Admins","meta":{"resourceType":"Group"}}`)
	if diff := cmp.Diff(want, Project(GroupResource, res, nil, exc)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestProjectReturnedRequest(t *testing.T) {
	rt := &ResourceType{Name: "R", Schema: newSchema("urn:example:r", "R", "",
		&Attribute{Name: "name"},
		&Attribute{Name: "secretHint", Returned: retRequest},
		&Attribute{Name: "box", Type: TypeComplex, SubAttributes: []*Attribute{
			{Name: "label"}, {Name: "key", Returned: retAlways}, {Name: "audit", Returned: retRequest}, {Name: "pin", Returned: retNever},
		}},
	)}
	res := map[string]any{"id": "r1", "name": "n", "secretHint": "h",
		"box": map[string]any{"label": "l", "key": "k", "audit": "a", "pin": "p"}}
	cases := []struct{ attributes, excluded, want string }{
		{"", "", `{"schemas":["urn:example:r"],"id":"r1","name":"n","box":{"label":"l","key":"k"}}`},
		{"secretHint", "", `{"schemas":["urn:example:r"],"id":"r1","secretHint":"h"}`},
		{"box", "", `{"schemas":["urn:example:r"],"id":"r1","box":{"label":"l","key":"k"}}`},
		{"box.audit,box.pin", "", `{"schemas":["urn:example:r"],"id":"r1","box":{"key":"k","audit":"a"}}`},
		{"", "box.key,box.label,secretHint", `{"schemas":["urn:example:r"],"id":"r1","name":"n","box":{"key":"k"}}`},
	}
	for _, c := range cases {
		inc, err1 := ParseAttributeList(rt, c.attributes)
		exc, err2 := ParseAttributeList(rt, c.excluded)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if diff := cmp.Diff(decode(t, c.want), Project(rt, res, inc, exc)); diff != "" {
			t.Errorf("attributes=%q excludedAttributes=%q (-want +got):\n%s", c.attributes, c.excluded, diff)
		}
	}
}

func TestProjectSharesNothing(t *testing.T) {
	res := decode(t, servedUser)
	out := Project(UserResource, res, nil, nil)
	out["emails"].([]any)[0].(map[string]any)["value"] = "changed"
	out["name"].(map[string]any)["givenName"] = "changed"
	out[EnterpriseUserURN].(map[string]any)["department"] = "changed"
	if diff := cmp.Diff(decode(t, servedUser), res); diff != "" {
		t.Errorf("changing the projection changed res (-before +after):\n%s", diff)
	}
}

func TestParseAttributeList(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{" , ", ""},
		{"userName", "userName"},
		{" userName , EMAILS.VALUE,,urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:Department",
			"userName|emails.value|urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"},
		{"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName,meta.created", "name.givenName|meta.created"},
		{"userName,nope", "scim: 400 invalidValue: nope: unknown attribute"},
		{"emails.nope", "scim: 400 invalidValue: emails.nope: unknown attribute"},
		{"department", "scim: 400 invalidValue: department: unknown attribute"},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
			"scim: 400 invalidValue: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User: unknown attribute"},
	}
	for _, c := range cases {
		ps, err := ParseAttributeList(UserResource, c.in)
		var got string
		if err != nil {
			got = err.Error()
		} else {
			var parts []string
			for _, p := range ps {
				parts = append(parts, p.String())
			}
			got = strings.Join(parts, "|")
		}
		if got != c.want {
			t.Errorf("ParseAttributeList(%q) = %s\nwant %s", c.in, got, c.want)
		}
	}
}
