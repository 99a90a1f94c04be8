package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// patchUser is a stored user the PATCH cases start from.
const patchUser = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
	"id": "u-1",
	"userName": "alice@x.example",
	"name": {"givenName": "Alice", "familyName": "Jensen"},
	"active": true,
	"emails": [
		{"value": "alice@x.example", "type": "work", "primary": true},
		{"value": "alice@home.example", "type": "home"}
	]
}`

// patchGroup is a stored group with two members.
const patchGroup = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
	"id": "g-1",
	"displayName": "Sales",
	"members": [{"value": "m-1"}, {"value": "m-2"}]
}`

type patchCase struct {
	name     string
	group    bool   // patch patchGroup (GroupResource), else patchUser
	ops      string // the Operations array
	want     string // the result as JSON, when err is ""
	password string
	err      string // the *Error's text
}

func runPatchCases(t *testing.T, cases []patchCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt, start := UserResource, patchUser
			if c.group {
				rt, start = GroupResource, patchGroup
			}
			res := decode(t, start)
			ops, err := ParsePatch([]byte(`{"schemas":["` + PatchOpURN + `"],"Operations":` + c.ops + `}`))
			if err != nil {
				t.Fatalf("ParsePatch: %v", err)
			}
			out, password, err := ApplyPatch(rt, res, ops)
			if diff := cmp.Diff(decode(t, start), res); diff != "" {
				t.Fatalf("ApplyPatch changed its input (-before +after):\n%s", diff)
			}
			checkStored(t, out, password, err, c.want, c.password, c.err)
		})
	}
}

const (
	coreSchemas = `"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]`
	entSchemas  = `"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]`
	userEmails  = `"emails": [{"value": "alice@x.example", "type": "work", "primary": true}, {"value": "alice@home.example", "type": "home"}]`
	userBase    = `"id": "u-1", "userName": "alice@x.example", "name": {"givenName": "Alice", "familyName": "Jensen"}`
)

func TestPatchWithPath(t *testing.T) {
	runPatchCases(t, []patchCase{{
		name: "replace a simple attribute",
		ops:  `[{"op":"replace","path":"userName","value":"bob@x.example"}]`,
		want: `{` + coreSchemas + `, "id": "u-1", "userName": "bob@x.example", "name": {"givenName": "Alice", "familyName": "Jensen"}, "active": true, ` + userEmails + `}`,
	}, {
		name: "Entra: Replace active \"False\"",
		ops:  `[{"op":"Replace","path":"active","value":"False"}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": false, ` + userEmails + `}`,
	}, {
		name: "add a sub-attribute, case-insensitive path",
		ops:  `[{"op":"ADD","path":"NAME.middleName","value":"B"}]`,
		want: `{` + coreSchemas + `, "id": "u-1", "userName": "alice@x.example", "name": {"givenName": "Alice", "familyName": "Jensen", "middleName": "B"}, "active": true, ` + userEmails + `}`,
	}, {
		name: "replace a complex attribute merges its sub-attributes",
		ops:  `[{"op":"replace","path":"name","value":{"familyName":"Smith","formatted":"Alice Smith"}}]`,
		want: `{` + coreSchemas + `, "id": "u-1", "userName": "alice@x.example", "name": {"givenName": "Alice", "familyName": "Smith", "formatted": "Alice Smith"}, "active": true, ` + userEmails + `}`,
	}, {
		name: "remove a sub-attribute",
		ops:  `[{"op":"remove","path":"name.givenName"}]`,
		want: `{` + coreSchemas + `, "id": "u-1", "userName": "alice@x.example", "name": {"familyName": "Jensen"}, "active": true, ` + userEmails + `}`,
	}, {
		name: "remove the last sub-attributes removes the attribute",
		ops:  `[{"op":"remove","path":"name.givenName"},{"op":"remove","path":"name.familyName"}]`,
		want: `{` + coreSchemas + `, "id": "u-1", "userName": "alice@x.example", "active": true, ` + userEmails + `}`,
	}, {
		name: "remove an absent attribute changes nothing",
		ops:  `[{"op":"remove","path":"nickName"}]`,
		want: patchUser,
	}, {
		name: "replace with null unassigns",
		ops:  `[{"op":"replace","path":"active","value":null}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, ` + userEmails + `}`,
	}, {
		name: "add null changes nothing",
		ops:  `[{"op":"add","path":"nickName","value":null}]`,
		want: patchUser,
	}, {
		name: "add to a multi-valued attribute appends, without duplicating",
		ops:  `[{"op":"add","path":"emails","value":[{"value":"alice@x.example","type":"work","primary":true},{"value":"a@other.example","type":"other"}]}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true, "emails": [{"value": "alice@x.example", "type": "work", "primary": true}, {"value": "alice@home.example", "type": "home"}, {"value": "a@other.example", "type": "other"}]}`,
	}, {
		name: "add a single value without array",
		ops:  `[{"op":"add","path":"phoneNumbers","value":{"value":"+1 555 0100","type":"work"}}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true, ` + userEmails + `, "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}]}`,
	}, {
		name: "a new primary value makes the others non-primary",
		ops:  `[{"op":"add","path":"emails","value":[{"value":"new@x.example","type":"work","primary":true}]}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true, "emails": [{"value": "alice@x.example", "type": "work", "primary": false}, {"value": "alice@home.example", "type": "home"}, {"value": "new@x.example", "type": "work", "primary": true}]}`,
	}, {
		name: "replace a multi-valued attribute without filter replaces the list",
		ops:  `[{"op":"replace","path":"emails","value":[{"value":"only@x.example","type":"work"}]}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true, "emails": [{"value": "only@x.example", "type": "work"}]}`,
	}, {
		name: "remove a multi-valued attribute",
		ops:  `[{"op":"remove","path":"emails"}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true}`,
	}, {
		name: "extension attribute by URN path",
		ops:  `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"R&D"}]`,
		want: `{` + entSchemas + `, ` + userBase + `, "active": true, ` + userEmails + `, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}}`,
	}, {
		name: "Entra: manager set to a bare id",
		ops:  `[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m-9"}]`,
		want: `{` + entSchemas + `, ` + userBase + `, "active": true, ` + userEmails + `, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m-9"}}}`,
	}, {
		name: "path naming the extension takes an object of its attributes",
		ops: `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"department":"R&D","costCenter":"7"}},
			{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter"}]`,
		want: `{` + entSchemas + `, ` + userBase + `, "active": true, ` + userEmails + `, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}}`,
	}, {
		name: "removing the last extension attribute drops the extension and its schema",
		ops: `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"R&D"},
			{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}]`,
		want: patchUser,
	}, {
		name: "remove with the extension's URN as path removes the extension",
		ops: `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"R&D"},
			{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}]`,
		want: patchUser,
	}, {
		name:     "password comes back apart",
		ops:      `[{"op":"replace","path":"password","value":"s3cret!"}]`,
		want:     patchUser,
		password: "s3cret!",
	}, {
		name: "ops apply in order",
		ops:  `[{"op":"replace","path":"nickName","value":"A"},{"op":"replace","path":"nickName","value":"B"},{"op":"remove","path":"active"}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "nickName": "B", ` + userEmails + `}`,
	}})
}

func TestPatchValueFilters(t *testing.T) {
	runPatchCases(t, []patchCase{{
		name: "replace the sub-attribute of the selected value",
		ops:  `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"alice@new.example"}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true, "emails": [{"value": "alice@new.example", "type": "work", "primary": true}, {"value": "alice@home.example", "type": "home"}]}`,
	}, {
		name: "replace a selected value merges it",
		ops:  `[{"op":"replace","path":"emails[value co \"home\"]","value":{"type":"other","display":"Home"}}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true, "emails": [{"value": "alice@x.example", "type": "work", "primary": true}, {"value": "alice@home.example", "type": "other", "display": "Home"}]}`,
	}, {
		name: "making a selected value primary makes the others non-primary",
		ops:  `[{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true, "emails": [{"value": "alice@x.example", "type": "work", "primary": false}, {"value": "alice@home.example", "type": "home", "primary": true}]}`,
	}, {
		name: "replace through a filter matching nothing",
		ops:  `[{"op":"replace","path":"emails[type eq \"other\"].value","value":"a@b.example"}]`,
		err:  `scim: 400 noTarget: Operations[0]: path emails[type eq "other"].value: no value matches the filter`,
	}, {
		name: "Entra: add through an eq filter matching nothing builds the value",
		ops:  `[{"op":"Add","path":"emails[type eq \"other\"].value","value":"a@b.example"}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true, "emails": [{"value": "alice@x.example", "type": "work", "primary": true}, {"value": "alice@home.example", "type": "home"}, {"value": "a@b.example", "type": "other"}]}`,
	}, {
		name: "Entra: add the first phone number through a filter",
		ops:  `[{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0100"}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true, ` + userEmails + `, "phoneNumbers": [{"value": "+1 555 0100", "type": "mobile"}]}`,
	}, {
		name: "add through a filter that is not all eq, matching nothing",
		ops:  `[{"op":"add","path":"emails[value co \"zzz\"].type","value":"work"}]`,
		err:  `scim: 400 noTarget: Operations[0]: path emails[value co "zzz"].type: no value matches the filter`,
	}, {
		name: "remove the selected values",
		ops:  `[{"op":"remove","path":"emails[type eq \"home\" or type eq \"other\"]"}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true, "emails": [{"value": "alice@x.example", "type": "work", "primary": true}]}`,
	}, {
		name: "remove every value removes the attribute",
		ops:  `[{"op":"remove","path":"emails[value ew \".example\"]"}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true}`,
	}, {
		name: "remove a sub-attribute of the selected values",
		ops:  `[{"op":"remove","path":"emails[primary eq true].primary"}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": true, "emails": [{"value": "alice@x.example", "type": "work"}, {"value": "alice@home.example", "type": "home"}]}`,
	}, {
		// RFC 7644 §3.5.2.2 does not say; no change keeps retries idempotent.
		name: "remove through a filter matching nothing changes nothing",
		ops:  `[{"op":"remove","path":"emails[type eq \"other\"]"}]`,
		want: patchUser,
	}})
}

func TestPatchMembers(t *testing.T) {
	runPatchCases(t, []patchCase{{
		name:  "Okta: add members, display dropped, existing not duplicated",
		group: true,
		ops:   `[{"op":"add","path":"members","value":[{"value":"m-3","display":"Carol"},{"value":"m-1"},{"value":"m-3"}]}]`,
		want:  `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g-1", "displayName": "Sales", "members": [{"value": "m-1"}, {"value": "m-2"}, {"value": "m-3"}]}`,
	}, {
		name:  "Okta: remove a member by value filter",
		group: true,
		ops:   `[{"op":"remove","path":"members[value eq \"m-1\"]"}]`,
		want:  `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g-1", "displayName": "Sales", "members": [{"value": "m-2"}]}`,
	}, {
		name:  "Entra: remove members listed in value",
		group: true,
		ops:   `[{"op":"Remove","path":"members","value":[{"value":"m-2"},{"value":"m-404"}]}]`,
		want:  `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g-1", "displayName": "Sales", "members": [{"value": "m-1"}]}`,
	}, {
		name:  "remove all members",
		group: true,
		ops:   `[{"op":"remove","path":"members"}]`,
		want:  `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g-1", "displayName": "Sales"}`,
	}, {
		name:  "replace members",
		group: true,
		ops:   `[{"op":"replace","path":"members","value":[{"value":"m-9"}]}]`,
		want:  `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g-1", "displayName": "Sales", "members": [{"value": "m-9"}]}`,
	}, {
		name:  "Okta: replace with the group's own id and a new displayName",
		group: true,
		ops:   `[{"op":"replace","value":{"id":"g-1","displayName":"Sales EMEA"}}]`,
		want:  `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g-1", "displayName": "Sales EMEA", "members": [{"value": "m-1"}, {"value": "m-2"}]}`,
	}, {
		name:  "a member's value is immutable",
		group: true,
		ops:   `[{"op":"replace","path":"members[value eq \"m-1\"].value","value":"m-7"}]`,
		err:   `scim: 400 mutability: Operations[0]: path members[value eq "m-1"].value: value is immutable`,
	}})
}

func TestPatchWithoutPath(t *testing.T) {
	runPatchCases(t, []patchCase{{
		name: "Okta: deactivate",
		ops:  `[{"op":"replace","value":{"active":false}}]`,
		want: `{` + coreSchemas + `, ` + userBase + `, "active": false, ` + userEmails + `}`,
	}, {
		name: "Entra: dotted and URN-qualified keys",
		ops: `[{"op":"Replace","value":{"name.givenName":"Alicia","displayName":"Alicia J",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Ops",
			"emails[type eq \"work\"].value":"alicia@x.example","active":"True"}}]`,
		want: `{` + entSchemas + `, "id": "u-1", "userName": "alice@x.example", "name": {"givenName": "Alicia", "familyName": "Jensen"}, "displayName": "Alicia J", "active": true,
			"emails": [{"value": "alicia@x.example", "type": "work", "primary": true}, {"value": "alice@home.example", "type": "home"}],
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"}}`,
	}, {
		name: "extension object nested under its URN, schemas ignored",
		ops:  `[{"op":"add","value":{"schemas":["x"],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"42"},"nickName":"Al"}}]`,
		want: `{` + entSchemas + `, ` + userBase + `, "nickName": "Al", "active": true, ` + userEmails + `, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "42"}}`,
	}, {
		name: "add a complex value merges it",
		ops:  `[{"op":"add","value":{"name":{"honorificPrefix":"Dr."},"emails":[{"value":"x@y.example"}]}}]`,
		want: `{` + coreSchemas + `, "id": "u-1", "userName": "alice@x.example", "name": {"givenName": "Alice", "familyName": "Jensen", "honorificPrefix": "Dr."}, "active": true,
			"emails": [{"value": "alice@x.example", "type": "work", "primary": true}, {"value": "alice@home.example", "type": "home"}, {"value": "x@y.example"}]}`,
	}, {
		name:     "password among the values",
		ops:      `[{"op":"replace","value":{"password":"n3w-Passw0rd","nickName":"A"}}]`,
		want:     `{` + coreSchemas + `, ` + userBase + `, "nickName": "A", "active": true, ` + userEmails + `}`,
		password: "n3w-Passw0rd",
	}})
}

func TestPatchErrors(t *testing.T) {
	runPatchCases(t, []patchCase{{
		name: "remove without path",
		ops:  `[{"op":"remove"}]`,
		err:  `scim: 400 noTarget: Operations[0]: remove needs a path`,
	}, {
		name: "unknown attribute",
		ops:  `[{"op":"replace","path":"nickname2","value":"x"}]`,
		err:  `scim: 400 invalidPath: Operations[0]: path nickname2: scim: no such attribute: nickname2`,
	}, {
		name: "unknown key without path",
		ops:  `[{"op":"replace","value":{"nickName":"x","colour":"red"}}]`,
		err:  `scim: 400 invalidPath: Operations[0]: path colour: scim: no such attribute: colour`,
	}, {
		name: "unknown sub-attribute after a filter",
		ops:  `[{"op":"replace","path":"emails[type eq \"work\"].colour","value":"red"}]`,
		err:  `scim: 400 invalidPath: Operations[0]: path emails[type eq "work"].colour: emails has no sub-attribute colour: scim: no such attribute`,
	}, {
		name: "unknown attribute in the filter",
		ops:  `[{"op":"remove","path":"emails[colour eq \"red\"]"}]`,
		err:  `scim: 400 invalidPath: Operations[0]: path emails[colour eq "red"]: scim: no such attribute: emails.colour`,
	}, {
		name: "syntax error",
		ops:  `[{"op":"remove","path":"emails[type eq"}]`,
		err:  `scim: 400 invalidPath: Operations[0]: path emails[type eq: syntax error`,
	}, {
		name: "filter on a single-valued attribute",
		ops:  `[{"op":"remove","path":"name[givenName eq \"Alice\"]"}]`,
		err:  `scim: 400 invalidPath: Operations[0]: path name[givenName eq "Alice"]: name is not multi-valued and complex, so it takes no [filter]`,
	}, {
		name: "sub-attribute of a multi-valued attribute without filter",
		ops:  `[{"op":"replace","path":"emails.value","value":"a@b.example"}]`,
		err:  `scim: 400 invalidPath: Operations[0]: path emails.value: emails is multi-valued: select its values with a filter, as emails[type eq "work"].value`,
	}, {
		name: "readOnly attribute",
		ops:  `[{"op":"replace","path":"id","value":"u-2"}]`,
		err:  `scim: 400 mutability: Operations[0]: id is readOnly`,
	}, {
		name: "readOnly sub-attribute",
		ops:  `[{"op":"replace","path":"meta.created","value":"2026-01-01T00:00:00Z"}]`,
		err:  `scim: 400 mutability: Operations[0]: meta.created is readOnly`,
	}, {
		name: "remove readOnly",
		ops:  `[{"op":"remove","path":"groups"}]`,
		err:  `scim: 400 mutability: Operations[0]: groups is readOnly`,
	}, {
		name: "remove the password",
		ops:  `[{"op":"remove","path":"password"}]`,
		err:  `scim: 400 mutability: Operations[0]: password can only be set`,
	}, {
		name: "wrong type",
		ops:  `[{"op":"replace","path":"active","value":"maybe"}]`,
		err:  `scim: 400 invalidValue: Operations[0]: active: want a boolean, got a string "maybe"`,
	}, {
		name: "without path, value not an object",
		ops:  `[{"op":"add","value":"x"}]`,
		err:  `scim: 400 invalidValue: Operations[0]: add without a path needs an object of attributes as value`,
	}, {
		name: "two primaries in one add",
		ops:  `[{"op":"add","path":"emails","value":[{"value":"a@b.example","primary":true},{"value":"c@b.example","primary":true}]}]`,
		err:  `scim: 400 invalidValue: Operations[0]: emails: [0] and [1] are both primary; at most one value may be`,
	}, {
		name: "required attribute removed",
		ops:  `[{"op":"remove","path":"userName"}]`,
		err:  `scim: 400 invalidValue: userName: required`,
	}, {
		name: "all or nothing: a later failure undoes the earlier ops",
		ops:  `[{"op":"replace","path":"nickName","value":"A"},{"op":"replace","path":"id","value":"u-2"}]`,
		err:  `scim: 400 mutability: Operations[1]: id is readOnly`,
	}})
}

func TestParsePatch(t *testing.T) {
	ops, err := ParsePatch([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"active","value":"False"},{"op":"ADD","value":{"n":1.50}},{"op":"remove","path":"x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []PatchOp{
		{Op: "replace", Path: "active", Value: "False"},
		{Op: "add", Value: map[string]any{"n": json.Number("1.50")}},
		{Op: "remove", Path: "x"},
	}
	if diff := cmp.Diff(want, ops); diff != "" {
		t.Errorf("ops (-want +got):\n%s", diff)
	}

	many := `{"schemas":["` + PatchOpURN + `"],"Operations":[` + strings.Repeat(`{"op":"remove","path":"x"},`, maxPatchOps) + `{"op":"remove","path":"x"}]}`
	cases := []struct{ body, err string }{
		{`{`, `scim: 400 invalidSyntax: PATCH body is not a PatchOp: unexpected EOF`},
		{`{"schemas":["` + PatchOpURN + `"],"Operations":[]} {}`, `scim: 400 invalidSyntax: PATCH body has data after its JSON object`},
		{`{"Operations":[{"op":"remove","path":"x"}]}`, `scim: 400 invalidSyntax: PATCH body: schemas must contain urn:ietf:params:scim:api:messages:2.0:PatchOp`},
		{`{"schemas":["` + PatchOpURN + `"],"Operations":[]}`, `scim: 400 invalidValue: PATCH body: Operations must hold 1 to 10000 operations, not 0`},
		{many, `scim: 400 invalidValue: PATCH body: Operations must hold 1 to 10000 operations, not 10001`},
		{`{"schemas":["` + PatchOpURN + `"],"Operations":[{"op":"move","path":"x"}]}`, `scim: 400 invalidSyntax: Operations[0].op "move": must be add, replace or remove`},
		{`{"schemas":["` + PatchOpURN + `"],"Operations":[{"op":"add","path":"x"}]}`, `scim: 400 invalidValue: Operations[0]: add needs a value`},
		{`{"schemas":["` + PatchOpURN + `"],"Operations":[{"op":"add","path":7,"value":1}]}`, `scim: 400 invalidSyntax: PATCH body is not a PatchOp: json: cannot unmarshal number into Go struct field .Operations.path of type string`},
	}
	for _, c := range cases {
		_, err := ParsePatch([]byte(c.body))
		var se *Error
		if !errors.As(err, &se) || err.Error() != c.err {
			t.Errorf("%.60s: err = %v\nwant %s", c.body, err, c.err)
		}
	}
}

func TestApplyPatchOpLimit(t *testing.T) {
	ops := make([]PatchOp, maxPatchOps+1)
	_, _, err := ApplyPatch(UserResource, decode(t, patchUser), ops)
	if err == nil || err.Error() != `scim: 400 invalidValue: PATCH holds 10001 operations, more than 10000` {
		t.Errorf("err = %v", err)
	}
}

// BenchmarkApplyPatchMembers adds 1,000 members to a group of 1,000 in
// one PATCH: the set-based add keeps it linear.
func BenchmarkApplyPatchMembers(b *testing.B) {
	members := func(from, n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"value": fmt.Sprintf("m-%05d", from+i)}
		}
		return out
	}
	res := map[string]any{"schemas": []any{GroupSchemaURN}, "id": "g-1", "displayName": "Big", "members": members(0, 1000)}
	ops := []PatchOp{{Op: "add", Path: "members", Value: members(1000, 1000)}}
	for b.Loop() {
		out, _, err := ApplyPatch(GroupResource, res, ops)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(out["members"].([]any)); n != 2000 {
			b.Fatalf("%d members, want 2000", n)
		}
	}
}
