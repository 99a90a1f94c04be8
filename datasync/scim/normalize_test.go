package scim

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decode reads a JSON object as the handler does: numbers as json.Number.
func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := decodeJSON(s, &m); err != nil {
		t.Fatalf("test JSON %s: %v", s, err)
	}
	return m
}

func decodeJSON(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(v)
}

type normalizeCase struct {
	name     string
	rt       *ResourceType // UserResource when nil
	body     string
	want     string // the stored form as JSON, when err is ""
	password string
	err      string // the *Error's text
}

func runNormalizeCases(t *testing.T, cases []normalizeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt := c.rt
			if rt == nil {
				rt = UserResource
			}
			res, password, err := Normalize(rt, decode(t, c.body))
			checkStored(t, res, password, err, c.want, c.password, c.err)
		})
	}
}

// checkStored checks what Normalize or ApplyPatch returned: when wantErr is
// set, an *Error with exactly that text; else no error, the stored form
// want (JSON) and the password wantPassword.
func checkStored(t *testing.T, res map[string]any, password string, err error, want, wantPassword, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || err.Error() != wantErr {
			t.Fatalf("err = %v\nwant %s", err, wantErr)
		}
		if _, ok := err.(*Error); !ok {
			t.Fatalf("err is %T, want *Error", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("err = %v", err)
	}
	if diff := cmp.Diff(decode(t, want), res); diff != "" {
		t.Errorf("stored form (-want +got):\n%s", diff)
	}
	if password != wantPassword {
		t.Errorf("password = %q, want %q", password, wantPassword)
	}
}

const (
	userSchemas        = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`
	userSchemasWithEnt = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]`
	groupSchemas       = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]`
)

func TestNormalizeProviderBodies(t *testing.T) {
	runNormalizeCases(t, []normalizeCase{{
		// Okta's "Create the user" request (Okta SCIM 2.0 protocol reference).
		name: "Okta create user",
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",
			"name":{"givenName":"Test","familyName":"User"},
			"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
			"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7",
			"groups":[],"password":"1mz050nq","active":true}`,
		want: `{` + userSchemas + `,"userName":"test.user@okta.local",
			"name":{"givenName":"Test","familyName":"User"},
			"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
			"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","active":true}`,
		password: "1mz050nq",
	}, {
		// Entra's create-user request (Microsoft Entra "Develop and plan
		// provisioning for a SCIM endpoint", User operations).
		name: "Entra create user",
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
			"active":true,"emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
			"meta":{"resourceType":"User"},
			"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[]}`,
		want: `{` + userSchemas + `,"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
			"active":true,"emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
			"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"}}`,
	}, {
		// Entra's user with the attributes of its default mapping, the
		// enterprise ones written flat, and a string boolean.
		name: "Entra flat enterprise attributes and string boolean",
		body: `{` + userSchemasWithEnt + `,"userName":"alice@contoso.com","active":"False","displayName":"Alice",
			"title":"Engineer","preferredLanguage":"en-US",
			"phoneNumbers":[{"type":"work","value":"+1 425 555 0100"},{"type":"mobile","value":"+1 425 555 0101"}],
			"addresses":[{"type":"work","streetAddress":"1 Main St","locality":"Redmond","region":"WA","postalCode":"98052","country":"US","primary":"true"}],
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"701984",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Tour Operations",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"26118915-6090-4610-87e4-49d8ca9f808d"}`,
		want: `{` + userSchemasWithEnt + `,"userName":"alice@contoso.com","active":false,"displayName":"Alice",
			"title":"Engineer","preferredLanguage":"en-US",
			"phoneNumbers":[{"type":"work","value":"+1 425 555 0100"},{"type":"mobile","value":"+1 425 555 0101"}],
			"addresses":[{"type":"work","streetAddress":"1 Main St","locality":"Redmond","region":"WA","postalCode":"98052","country":"US","primary":true}],
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","department":"Tour Operations",
				"manager":{"value":"26118915-6090-4610-87e4-49d8ca9f808d"}}}`,
	}, {
		// Entra's create-group request: its own ADSCIM schema URI is
		// listed, with no attribute from it.
		name: "Entra create group",
		rt:   GroupResource,
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
			"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName","meta":{"resourceType":"Group"}}`,
		want: `{` + groupSchemas + `,"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName"}`,
	}, {
		// Okta's "Create the group" request and a PUT of the group with a member.
		name: "Okta create group",
		rt:   GroupResource,
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[]}`,
		want: `{` + groupSchemas + `,"displayName":"Test SCIMv2"}`,
	}, {
		name: "Okta replace group with members",
		rt:   GroupResource,
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"abf4dd94-a4c0-4f67-89c9-76b03340cb9b",
			"displayName":"Test SCIMv2","members":[{"value":"b1c794f24f4c49f4b5d503a4cb2686ea","display":"SCIM 2 Group A"}]}`,
		want: `{` + groupSchemas + `,"displayName":"Test SCIMv2","members":[{"value":"b1c794f24f4c49f4b5d503a4cb2686ea"}]}`,
	}})
}

func TestNormalizeNames(t *testing.T) {
	runNormalizeCases(t, []normalizeCase{{
		name: "names are case-insensitive and come back canonical",
		body: `{"SCHEMAS":["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"],"USERNAME":"bjensen","Name":{"GIVENNAME":"Barbara"},
			"Emails":[{"Value":"b@x","PRIMARY":"True","TYPE":"Work"}],"EXTERNALID":"e1"}`,
		want: `{` + userSchemas + `,"userName":"bjensen","name":{"givenName":"Barbara"},
			"emails":[{"value":"b@x","primary":true,"type":"Work"}],"externalId":"e1"}`,
	}, {
		name: "extension under its URN key, in any case",
		body: `{` + userSchemasWithEnt + `,"userName":"a",
			"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"Department":"R&D","MANAGER":{"Value":"m1","displayName":"Boss"}}}`,
		want: `{` + userSchemasWithEnt + `,"userName":"a",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","manager":{"value":"m1"}}}`,
	}, {
		name: "extension pieces merge: nested, flat and flat sub-attribute",
		body: `{` + userSchemas + `,"userName":"a",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","manager":{"value":"m1"}},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter":"4130",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.$ref":"../Users/m1"}`,
		want: `{` + userSchemasWithEnt + `,"userName":"a",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","costCenter":"4130",
				"manager":{"value":"m1","$ref":"../Users/m1"}}}`,
	}, {
		name: "core attributes URN-qualified and dotted",
		body: `{` + userSchemas + `,"urn:ietf:params:scim:schemas:core:2.0:User:userName":"a",
			"name":{"givenName":"Barbara"},"name.familyName":"Jensen"}`,
		want: `{` + userSchemas + `,"userName":"a","name":{"givenName":"Barbara","familyName":"Jensen"}}`,
	}, {
		name: "same attribute twice in different case",
		body: `{` + userSchemas + `,"userName":"a","USERNAME":"b"}`,
		err:  `scim: 400 invalidSyntax: userName: given more than once`,
	}, {
		name: "same sub-attribute nested and dotted",
		body: `{` + userSchemas + `,"userName":"a","name":{"givenName":"A"},"name.givenName":"B"}`,
		err:  `scim: 400 invalidSyntax: name.givenName: given more than once`,
	}, {
		name: "same sub-attribute twice in one object",
		body: `{` + userSchemas + `,"userName":"a","name":{"givenName":"A","GivenName":"B"}}`,
		err:  `scim: 400 invalidSyntax: name.givenName: given more than once`,
	}, {
		name: "extension attribute nested and flat",
		body: `{` + userSchemas + `,"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"A"},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"B"}`,
		err: `scim: 400 invalidSyntax: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department: given more than once`,
	}, {
		name: "unknown attribute",
		body: `{` + userSchemas + `,"userName":"a","favoriteColor":"blue"}`,
		err:  `scim: 400 invalidSyntax: favoriteColor: unknown attribute`,
	}, {
		name: "unknown sub-attribute",
		body: `{` + userSchemas + `,"userName":"a","emails":[{"value":"a@x"},{"value":"b@x","verified":true}]}`,
		err:  `scim: 400 invalidSyntax: emails[1].verified: unknown attribute`,
	}, {
		name: "unknown dotted sub-attribute",
		body: `{` + userSchemas + `,"userName":"a","name.nick":"x"}`,
		err:  `scim: 400 invalidSyntax: name.nick: unknown attribute`,
	}, {
		name: "unknown extension attribute",
		body: `{` + userSchemas + `,"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"badge":"7"}}`,
		err:  `scim: 400 invalidSyntax: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:badge: unknown attribute`,
	}, {
		name: "attributes of a schema the type does not have",
		body: `{` + userSchemas + `,"userName":"a","urn:example:custom:2.0:User":{"badge":"7"}}`,
		err:  `scim: 400 invalidSyntax: urn:example:custom:2.0:User: unknown attribute`,
	}, {
		name: "extension attribute on Group",
		rt:   GroupResource,
		body: `{` + groupSchemas + `,"displayName":"g","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"x"}`,
		err:  `scim: 400 invalidSyntax: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department: unknown attribute`,
	}, {
		name: "long unknown name is cut",
		body: `{` + userSchemas + `,"userName":"a","` + strings.Repeat("x", 200) + `":1}`,
		err:  `scim: 400 invalidSyntax: ` + strings.Repeat("x", 128) + `…: unknown attribute`,
	}, {
		name: "unprintable unknown name is quoted",
		body: `{` + userSchemas + `,"userName":"a","bad\nname":1}`,
		err:  `scim: 400 invalidSyntax: "bad\nname": unknown attribute`,
	}, {
		name: "sub-attribute of a multi-valued attribute set flat",
		body: `{` + userSchemas + `,"userName":"a","emails.value":"a@x"}`,
		err:  `scim: 400 invalidValue: emails.value: a sub-attribute of a multi-valued attribute is set through its elements`,
	}})
}

func TestNormalizeDrops(t *testing.T) {
	runNormalizeCases(t, []normalizeCase{{
		name: "read-only attributes are dropped",
		body: `{` + userSchemas + `,"id":"2819c223","userName":"a","meta":{"resourceType":"User","version":"W/\"1\""},
			"groups":[{"value":"g1","display":"G"}],
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"displayName":"Boss"}}}`,
		want: `{` + userSchemas + `,"userName":"a"}`,
	}, {
		name: "read-only attributes are dropped before their type is checked",
		body: `{` + userSchemas + `,"id":5,"userName":"a","meta":"x","groups":"x"}`,
		want: `{` + userSchemas + `,"userName":"a"}`,
	}, {
		name: "nulls, empty arrays and empty objects mean unassigned",
		body: `{` + userSchemasWithEnt + `,"userName":"a","displayName":null,"name":{"givenName":null},"emails":[null],
			"phoneNumbers":[],"addresses":[{}],"password":null,
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":null},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division":null}`,
		want: `{` + userSchemas + `,"userName":"a"}`,
	}, {
		name: "strings are kept as given, canonical values not enforced",
		body: `{` + userSchemas + `,"userName":" Mixed Case ","emails":[{"value":"A@X.ORG ","type":"corporate"}],"ims":[{"value":"x","type":"matrix"}]}`,
		want: `{` + userSchemas + `,"userName":" Mixed Case ","emails":[{"value":"A@X.ORG ","type":"corporate"}],"ims":[{"value":"x","type":"matrix"}]}`,
	}, {
		name: "unknown schema URIs in schemas are left out",
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:other","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"a"}`,
		want: `{` + userSchemas + `,"userName":"a"}`,
	}, {
		name:     "password is taken out",
		body:     `{` + userSchemas + `,"userName":"a","Password":"s3cret!"}`,
		want:     `{` + userSchemas + `,"userName":"a"}`,
		password: "s3cret!",
	}})
}

func TestNormalizeValues(t *testing.T) {
	long := strings.Repeat("y", 65)
	runNormalizeCases(t, []normalizeCase{{
		name: "string booleans in any case",
		body: `{` + userSchemas + `,"userName":"a","active":"TRUE","emails":[{"value":"a@x","primary":"false"}]}`,
		want: `{` + userSchemas + `,"userName":"a","active":true,"emails":[{"value":"a@x","primary":false}]}`,
	}, {
		name: "other strings are not booleans",
		body: `{` + userSchemas + `,"userName":"a","emails":[{"value":"a@x"},{"value":"b@x","primary":"yes"}]}`,
		err:  `scim: 400 invalidValue: emails[1].primary: want a boolean, got a string "yes"`,
	}, {
		name: "numbers are not booleans",
		body: `{` + userSchemas + `,"userName":"a","active":1}`,
		err:  `scim: 400 invalidValue: active: want a boolean, got a number 1`,
	}, {
		name: "long values are not echoed",
		body: `{` + userSchemas + `,"userName":"a","active":"` + long + `"}`,
		err:  `scim: 400 invalidValue: active: want a boolean, got a string`,
	}, {
		name: "values of 64 characters are",
		body: `{` + userSchemas + `,"userName":"a","active":"` + long[:64] + `"}`,
		err:  `scim: 400 invalidValue: active: want a boolean, got a string "` + long[:64] + `"`,
	}, {
		name: "passwords are never echoed",
		body: `{` + userSchemas + `,"userName":"a","password":12345}`,
		err:  `scim: 400 invalidValue: password: want a string, got a number`,
	}, {
		name: "userName must be a string",
		body: `{` + userSchemas + `,"userName":5}`,
		err:  `scim: 400 invalidValue: userName: want a string, got a number 5`,
	}, {
		name: "a multi-valued attribute must be an array",
		body: `{` + userSchemas + `,"userName":"a","emails":{"value":"a@x"}}`,
		err:  `scim: 400 invalidValue: emails: want an array, got an object`,
	}, {
		name: "a complex attribute must be an object",
		body: `{` + userSchemas + `,"userName":"a","name":"Barbara Jensen"}`,
		err:  `scim: 400 invalidValue: name: want an object, got a string "Barbara Jensen"`,
	}, {
		name: "manager takes a bare id, as Entra sends it",
		body: `{` + userSchemas + `,"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m1"}}`,
		want: `{` + userSchemasWithEnt + `,"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m1"}}}`,
	}, {
		name: "nesting deeper than the schema: object in a sub-attribute",
		body: `{` + userSchemas + `,"userName":"a","name":{"givenName":{"first":"B"}}}`,
		err:  `scim: 400 invalidValue: name.givenName: want a string, got an object`,
	}, {
		name: "nesting deeper than the schema: array in an array",
		body: `{` + userSchemas + `,"userName":"a","emails":[[{"value":"a@x"}]]}`,
		err:  `scim: 400 invalidValue: emails[0]: want an object, got an array`,
	}, {
		name: "nesting deeper than the schema: array in an extension attribute",
		body: `{` + userSchemas + `,"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":["a","b"]}}`,
		err:  `scim: 400 invalidValue: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department: want a string, got an array`,
	}, {
		name: "extension object must be an object",
		body: `{` + userSchemas + `,"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"R&D"}`,
		err:  `scim: 400 invalidValue: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User: want an object, got a string "R&D"`,
	}, {
		name: "binary values are base64",
		body: `{` + userSchemas + `,"userName":"a","x509Certificates":[{"value":"MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}]}`,
		want: `{` + userSchemas + `,"userName":"a","x509Certificates":[{"value":"MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}]}`,
	}, {
		name: "binary values that are not base64",
		body: `{` + userSchemas + `,"userName":"a","x509Certificates":[{"value":"%%%"}]}`,
		err:  `scim: 400 invalidValue: x509Certificates[0].value: want base64, got a string "%%%"`,
	}, {
		name: "at most one primary",
		body: `{` + userSchemas + `,"userName":"a","emails":[{"value":"a@x","primary":true},{"value":"b@x","primary":false},{"value":"c@x","primary":"True"}]}`,
		err:  `scim: 400 invalidValue: emails: [0] and [2] are both primary; at most one value may be`,
	}, {
		name: "one primary per attribute, not per resource",
		body: `{` + userSchemas + `,"userName":"a","emails":[{"value":"a@x","primary":true}],"phoneNumbers":[{"value":"1","primary":true}]}`,
		want: `{` + userSchemas + `,"userName":"a","emails":[{"value":"a@x","primary":true}],"phoneNumbers":[{"value":"1","primary":true}]}`,
	}})
}

func TestNormalizeRequiredAndSchemas(t *testing.T) {
	runNormalizeCases(t, []normalizeCase{
		{name: "userName missing", body: `{` + userSchemas + `,"displayName":"a"}`,
			err: `scim: 400 invalidValue: userName: required`},
		{name: "userName empty", body: `{` + userSchemas + `,"userName":""}`,
			err: `scim: 400 invalidValue: userName: required`},
		{name: "userName null", body: `{` + userSchemas + `,"userName":null}`,
			err: `scim: 400 invalidValue: userName: required`},
		{name: "group displayName missing", rt: GroupResource, body: `{` + groupSchemas + `,"members":[{"value":"u1"}]}`,
			err: `scim: 400 invalidValue: displayName: required`},
		{name: "schemas missing", body: `{"userName":"a"}`,
			err: `scim: 400 invalidValue: schemas: required, and must list urn:ietf:params:scim:schemas:core:2.0:User`},
		{name: "schemas null", body: `{"schemas":null,"userName":"a"}`,
			err: `scim: 400 invalidValue: schemas: required, and must list urn:ietf:params:scim:schemas:core:2.0:User`},
		{name: "schemas not an array", body: `{"schemas":"urn:ietf:params:scim:schemas:core:2.0:User","userName":"a"}`,
			err: `scim: 400 invalidValue: schemas: want an array of strings, got a string "urn:ietf:params:scim:schemas:core:2.0:User"`},
		{name: "schemas holding a number", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",2],"userName":"a"}`,
			err: `scim: 400 invalidValue: schemas[1]: want a string, got a number 2`},
		{name: "schemas without the core schema", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"userName":"a"}`,
			err: `scim: 400 invalidValue: schemas: must list urn:ietf:params:scim:schemas:core:2.0:User`},
		{name: "schemas twice", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a"}`,
			err: `scim: 400 invalidSyntax: schemas: given more than once`},
		{name: "schemas checked before attributes", body: `{"schemas":[],"favoriteColor":"blue"}`,
			err: `scim: 400 invalidValue: schemas: must list urn:ietf:params:scim:schemas:core:2.0:User`},
	})
}

func TestNormalizeLimits(t *testing.T) {
	emails := func(n int) string {
		var b bytes.Buffer
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"value":"u@x"}`)
		}
		return b.String()
	}
	res, _, err := Normalize(UserResource, decode(t, `{`+userSchemas+`,"userName":"a","emails":[`+emails(MaxValues)+`]}`))
	if err != nil {
		t.Fatalf("%d values: %v", MaxValues, err)
	}
	if n := len(res["emails"].([]any)); n != MaxValues {
		t.Errorf("kept %d emails, want %d", n, MaxValues)
	}
	_, _, err = Normalize(UserResource, decode(t, `{`+userSchemas+`,"userName":"a","emails":[`+emails(MaxValues+1)+`]}`))
	if err == nil || err.Error() != `scim: 400 invalidValue: emails: 10001 values, more than the 10000 allowed` {
		t.Errorf("err = %v", err)
	}
}

func TestNormalizeDoesNotModifyBody(t *testing.T) {
	body := decode(t, `{`+userSchemas+`,"UserName":"a","name":{"GivenName":"B"},"emails":[{"Value":"a@x","primary":"True"}]}`)
	before := decode(t, `{`+userSchemas+`,"UserName":"a","name":{"GivenName":"B"},"emails":[{"Value":"a@x","primary":"True"}]}`)
	if _, _, err := Normalize(UserResource, body); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, body); diff != "" {
		t.Errorf("body changed (-before +after):\n%s", diff)
	}
}
