package scim

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// typedResource has an attribute of each type the RFC schemas lack, so
// that every converter is exercised.
var typedResource = &ResourceType{Name: "Typed", Endpoint: "/Typed",
	Schema: newSchema("urn:example:typed", "Typed", "",
		&Attribute{Name: "count", Type: TypeInteger},
		&Attribute{Name: "ratio", Type: TypeDecimal},
		&Attribute{Name: "when", Type: TypeDateTime},
		&Attribute{Name: "tags", MultiValued: true},
		&Attribute{Name: "badge", Type: TypeComplex, SubAttributes: []*Attribute{
			{Name: "number", Required: true},
			{Name: "color"},
		}},
	)}

func TestNormalizeValue(t *testing.T) {
	ent := EnterpriseUserURN + ":"
	cases := []struct {
		rt   *ResourceType
		path string
		v    string // JSON
		want string // JSON of the result, or the error text
	}{
		{UserResource, "active", `"False"`, `false`},
		{UserResource, "active", `true`, `true`},
		{UserResource, "active", `"no"`, `scim: 400 invalidValue: active: want a boolean, got a string "no"`},
		{UserResource, "active", `null`, `null`},
		{UserResource, "userName", `"Ann "`, `"Ann "`},
		{UserResource, "name.givenName", `"Ann"`, `"Ann"`},
		{UserResource, "name", `{"GivenName":"Ann","familyName":null}`, `{"givenName":"Ann"}`},
		{UserResource, "name", `{}`, `null`},
		{UserResource, "emails", `[{"value":"a@x","type":"work"}]`, `[{"value":"a@x","type":"work"}]`},
		{UserResource, "emails", `[]`, `null`},
		{UserResource, "emails", `{"value":"a@x","primary":"True"}`, `{"value":"a@x","primary":true}`},
		{UserResource, "emails", `"a@x"`, `scim: 400 invalidValue: emails: want an object, got a string "a@x"`},
		{UserResource, "emails", `[{"value":"a@x","primary":true},{"value":"b@x","primary":true}]`,
			`scim: 400 invalidValue: emails: [0] and [1] are both primary; at most one value may be`},
		{UserResource, "emails.value", `"a@x"`, `"a@x"`},
		{UserResource, "emails.value", `5`, `scim: 400 invalidValue: emails.value: want a string, got a number 5`},
		{UserResource, "emails.primary", `"TRUE"`, `true`},
		{UserResource, "password", `7`, `scim: 400 invalidValue: password: want a string, got a number`},
		{UserResource, "password", `"pw"`, `"pw"`},
		{UserResource, ent + "manager", `"m1"`, `{"value":"m1"}`},
		{UserResource, ent + "manager", `{"value":"m1","displayName":"Boss"}`, `{"value":"m1"}`},
		{UserResource, ent + "manager", `true`,
			`scim: 400 invalidValue: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value: want a string, got a boolean true`},
		{UserResource, ent + "department", `{"a":1}`,
			`scim: 400 invalidValue: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department: want a string, got an object`},
		{UserResource, "roles", `[{"value":"admin","x":1}]`, `scim: 400 invalidSyntax: roles[0].x: unknown attribute`},
		{GroupResource, "members", `[{"value":"u1","display":"Ann","type":"User"},{"value":"u2","$ref":"https://x/Users/u2"}]`,
			`[{"value":"u1","type":"User"},{"value":"u2","$ref":"https://x/Users/u2"}]`},
		{GroupResource, "displayName", `""`, `""`},
		{typedResource, "count", `42`, `42`},
		{typedResource, "count", `4.5`, `scim: 400 invalidValue: count: want an integer, got a number 4.5`},
		{typedResource, "count", `"42"`, `scim: 400 invalidValue: count: want an integer, got a string "42"`},
		{typedResource, "ratio", `1e3`, `1e3`},
		{typedResource, "ratio", `"1"`, `scim: 400 invalidValue: ratio: want a decimal number, got a string "1"`},
		{typedResource, "when", `"2025-01-02T03:04:05.5+01:00"`, `"2025-01-02T03:04:05.5+01:00"`},
		{typedResource, "when", `"yesterday"`, `scim: 400 invalidValue: when: want an RFC 3339 dateTime, got a string "yesterday"`},
		{typedResource, "tags", `["a","b",null]`, `["a","b"]`},
		{typedResource, "tags", `"a"`, `scim: 400 invalidValue: tags: want an array, got a string "a"`},
		{typedResource, "tags", `[1]`, `scim: 400 invalidValue: tags[0]: want a string, got a number 1`},
		{typedResource, "badge", `{"color":"red"}`, `scim: 400 invalidValue: badge.number: required`},
		{typedResource, "badge", `{"number":"7"}`, `{"number":"7"}`},
	}
	for _, c := range cases {
		p, err := c.rt.Resolve(splitPath(c.path))
		if err != nil {
			t.Fatal(err)
		}
		v := decodeValue(t, c.v)
		got, err := NormalizeValue(p, v)
		if err != nil {
			if err.Error() != c.want {
				t.Errorf("NormalizeValue(%s, %s): %v\nwant %s", c.path, c.v, err, c.want)
			}
			continue
		}
		if diff := cmp.Diff(decodeValue(t, c.want), got); diff != "" {
			t.Errorf("NormalizeValue(%s, %s) (-want +got):\n%s", c.path, c.v, diff)
		}
	}
}

func TestNormalizeValueFloat64(t *testing.T) {
	// A decoder without UseNumber gives float64; the stored form still
	// holds json.Number.
	for _, c := range []struct {
		path string
		v    float64
		want any
	}{
		{"count", 3, json.Number("3")},
		{"ratio", 0.25, json.Number("0.25")},
	} {
		p, _ := typedResource.Resolve("", c.path, "")
		got, err := NormalizeValue(p, c.v)
		if err != nil || got != c.want {
			t.Errorf("NormalizeValue(%s, %v) = %#v, %v; want %#v", c.path, c.v, got, err, c.want)
		}
	}
	p, _ := typedResource.Resolve("", "count", "")
	if _, err := NormalizeValue(p, 3.5); err == nil || err.Error() != "scim: 400 invalidValue: count: want an integer, got a number 3.5" {
		t.Errorf("3.5 as integer: %v", err)
	}
}

func TestNormalizeValueZeroPath(t *testing.T) {
	_, err := NormalizeValue(ResolvedPath{}, "x")
	if err == nil || err.Error() != "scim: 400 invalidPath: no attribute to set" {
		t.Errorf("err = %v", err)
	}
}

func decodeValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := decodeJSON(s, &v); err != nil {
		t.Fatalf("test JSON %s: %v", s, err)
	}
	return v
}
