package scim

import (
	"errors"
	"strings"
	"testing"
)

// filterUser is a stored user with its meta, as the list handler filters it.
const filterUser = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
	"id": "2819c223-7f76-453a-919d-413861904646",
	"externalId": "Bjensen",
	"userName": "alice@x.example",
	"name": {"givenName": "Alice", "familyName": "Jensen"},
	"displayName": "Alice \"AJ\" Jensen",
	"title": "",
	"active": true,
	"emails": [
		{"value": "alice@x.example", "type": "work", "primary": true},
		{"value": "a.jensen@home.example", "type": "home"}
	],
	"phoneNumbers": [],
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
		"department": "R&D", "manager": {"value": "m-1"}
	},
	"meta": {"resourceType": "User", "created": "2025-06-01T10:00:00Z", "lastModified": "2026-03-01T12:00:00Z"}
}`

// numbersRT is a resource type with the numeric and simple multi-valued
// attributes RFC 7643's User lacks, to test those comparisons.
var numbersRT = &ResourceType{Name: "Thing", Schema: newSchema("urn:example:Thing", "Thing", "",
	&Attribute{Name: "age", Type: TypeInteger},
	&Attribute{Name: "score", Type: TypeDecimal},
	&Attribute{Name: "tags", MultiValued: true},
)}

const filterThing = `{"age": 42, "score": 2.5, "tags": ["Red", "blue"]}`

type filterCase struct {
	filter string
	want   bool
}

func runFilterCases(t *testing.T, rt *ResourceType, resource string, cases []filterCase) {
	t.Helper()
	res := decode(t, resource)
	for _, c := range cases {
		f, err := ParseFilter(rt, c.filter)
		if err != nil {
			t.Errorf("ParseFilter(%s): %v", c.filter, err)
			continue
		}
		if got := f.Match(res); got != c.want {
			t.Errorf("%s: Match = %v, want %v", c.filter, got, c.want)
		}
	}
}

func TestFilterOperators(t *testing.T) {
	runFilterCases(t, UserResource, filterUser, []filterCase{
		{`userName eq "alice@x.example"`, true},
		// userName is not caseExact (RFC 7643 §4.1.1): case is ignored.
		{`userName eq "ALICE@X.EXAMPLE"`, true},
		{`userName eq "bob@x.example"`, false},
		{`userName ne "bob@x.example"`, true},
		{`userName ne "ALICE@x.example"`, false},
		{`userName co "@X."`, true},
		{`userName co "bob"`, false},
		{`userName sw "Alice"`, true},
		{`userName sw "lice"`, false},
		{`userName ew ".EXAMPLE"`, true},
		{`userName ew "x"`, false},
		{`userName gt "alice"`, true},
		{`userName gt "bob"`, false},
		{`userName ge "alice@x.example"`, true},
		{`userName lt "bob"`, true},
		{`userName le "alice"`, false},
		// id and externalId are caseExact.
		{`id eq "2819c223-7f76-453a-919d-413861904646"`, true},
		{`id eq "2819C223-7F76-453A-919D-413861904646"`, false},
		{`externalId eq "Bjensen"`, true},
		{`externalId eq "bjensen"`, false},
		{`externalId sw "bj"`, false},
		// pr: absent, null, "" and [] are all not present.
		{`userName pr`, true},
		{`title pr`, false},
		{`nickName pr`, false},
		{`phoneNumbers pr`, false},
		{`emails pr`, true},
		{`name.givenName pr`, true},
		{`name.middleName pr`, false},
		// ne matches a resource without the attribute (ne is not-eq).
		{`nickName ne "x"`, true},
		{`nickName eq null`, true},
		{`userName eq null`, false},
		{`userName ne null`, true},
		// booleans.
		{`active eq true`, true},
		{`active eq false`, false},
		{`active ne false`, true},
		{`active eq "True"`, true},
		{`active pr`, true},
		// string escapes are JSON's.
		{`displayName eq "Alice \"AJ\" Jensen"`, true},
		{`displayName co "\u0022aj\u0022"`, true},
		{`displayName co "\u0022AJ\u0022"`, true},
		{`displayName co "\\"`, false},
	})
}

func TestFilterAttributes(t *testing.T) {
	runFilterCases(t, UserResource, filterUser, []filterCase{
		// Attribute names and operators ignore case.
		{`USERNAME EQ "alice@x.example"`, true},
		{`username Eq "alice@x.example" AND Active eq TRUE`, true},
		{`NAME.GIVENNAME eq "alice"`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice@x.example"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m-1"`, true},
		// A complex attribute without sub-attribute compares its "value".
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "m-1"`, true},
		// Multi-valued: any value matching is enough.
		{`emails co "home.example"`, true},
		{`emails.value ew "@x.example"`, true},
		{`emails.type eq "home"`, true},
		{`emails.type eq "other"`, false},
		{`emails.primary eq true`, true},
		// valuePath: the same element must pass the whole inner filter.
		{`emails[type eq "work" and value co "@x"]`, true},
		{`emails[type eq "home" and value co "@x."]`, false},
		{`emails[type eq "home" or value co "@x."]`, true},
		{`emails[not (type eq "work")]`, true},
		{`emails[primary eq true] and userName sw "a"`, true},
		{`emails[type eq "other"]`, false},
		// dateTimes compare as instants.
		{`meta.lastModified gt "2026-01-01T00:00:00Z"`, true},
		{`meta.lastModified gt "2026-03-01T13:00:00+02:00"`, true},
		{`meta.lastModified eq "2026-03-01T14:00:00+02:00"`, true},
		{`meta.lastModified lt "2026-01-01T00:00:00Z"`, false},
		{`meta.created le "2025-06-01T10:00:00Z"`, true},
		{`meta.resourceType eq "User"`, true},
	})
}

func TestFilterLogic(t *testing.T) {
	runFilterCases(t, UserResource, filterUser, []filterCase{
		{`userName eq "x" or active eq true`, true},
		{`userName eq "x" and active eq true`, false},
		// and binds tighter than or: false or (true and false).
		{`userName eq "x" or active eq true and title pr`, false},
		{`userName eq "x" or active eq true and emails pr`, true},
		// (true or false) and false, against true or (false and false).
		{`(active eq true or userName eq "x") and title pr`, false},
		{`active eq true or userName eq "x" and title pr`, true},
		{`not (userName eq "x")`, true},
		{`NOT(userName pr)`, false},
		{`not (emails co "home" or title pr) or active eq true`, true},
		{`((((userName pr))))`, true},
	})
}

func TestFilterNumbers(t *testing.T) {
	runFilterCases(t, numbersRT, filterThing, []filterCase{
		{`age eq 42`, true},
		{`age eq 42.0`, true},
		{`age eq 4.2e1`, true},
		{`age gt 41`, true},
		{`age gt 42`, false},
		{`age ge 42`, true},
		{`age lt 100`, true},
		{`age le -1`, false},
		{`score gt 2.25`, true},
		{`score lt 2.5`, false},
		{`score eq 25e-1`, true},
		{`score ne 2.5`, false},
		{`age gt 1e999999999`, false},
		{`tags eq "red"`, true},
		{`tags eq "green"`, false},
		{`tags sw "BL"`, true},
	})
}

func TestFilterErrors(t *testing.T) {
	deep := strings.Repeat("(", 51) + "userName pr" + strings.Repeat(")", 51)
	cases := []struct{ filter, err string }{
		{`nickname2 eq "x"`, `invalid filter: scim: no such attribute: nickname2`},
		{`name.nick eq "x"`, `invalid filter: scim: no such attribute: name.nick`},
		{`urn:example:Other:department eq "x"`, `invalid filter: scim: no such attribute: urn:example:Other:department`},
		{`emails[kind eq "work"]`, `invalid filter: scim: no such attribute: emails.kind`},
		{`userName eq`, `invalid filter: syntax error in "userName eq"`},
		{`userName xx "a"`, `invalid filter: syntax error in "userName xx \"a\""`},
		{`userName eq "a" and`, `invalid filter: syntax error in "userName eq \"a\" and"`},
		{`(userName pr`, `invalid filter: syntax error in "(userName pr"`},
		{`emails[type eq "work"].value eq "a@x"`, `invalid filter: syntax error in "emails[type eq \"work\"].value eq \"a@x\""`},
		{`emails[type eq "a" and value co "b" and primary eq true]`, `invalid filter: syntax error in "emails[type eq \"a\" and value co \"b\" and primary eq true]"`},
		{`active gt true`, `invalid filter: active gt: a boolean takes only eq, ne and pr`},
		{`active co "t"`, `invalid filter: active co: a boolean takes only eq, ne and pr`},
		{`active eq "yes"`, `invalid filter: active eq: wrong type of value: yes is not a boolean`},
		{`userName eq 1`, `invalid filter: userName eq: wrong type of value: 1 is not a string`},
		{`userName eq true`, `invalid filter: userName eq: wrong type of value: true is not a string`},
		{`userName gt null`, `invalid filter: userName gt null: only eq and ne compare with null`},
		{`name eq "x"`, `invalid filter: name is complex: compare one of its sub-attributes`},
		{`meta.lastModified gt "yesterday"`, `invalid filter: meta.lastModified gt: wrong type of value: yesterday is not an RFC 3339 dateTime`},
		{`meta.lastModified co "2026"`, `invalid filter: meta.lastModified co: a dateTime takes only eq, ne, gt, ge, lt, le and pr`},
		{`userName[value eq "x"]`, `invalid filter: userName is not a complex attribute: it takes no [filter]`},
		{deep, `invalid filter: nested deeper than 50`},
		{`userName eq "` + strings.Repeat("a", 4096) + `"`, `invalid filter: longer than 4096 bytes`},
	}
	for _, c := range cases {
		_, err := ParseFilter(UserResource, c.filter)
		var se *Error
		if !errors.As(err, &se) {
			t.Errorf("%.60s: err = %v, want *Error", c.filter, err)
			continue
		}
		if se.Status != 400 || se.ScimType != ScimTypeInvalidFilter || se.Detail != c.err {
			t.Errorf("%.60s: err = %d %s %q\nwant 400 invalidFilter %q", c.filter, se.Status, se.ScimType, se.Detail, c.err)
		}
	}
	_, err := ParseFilter(UserResource, `nickname2 eq "x"`)
	if !errors.Is(err, ErrUnknownAttribute) {
		t.Errorf("errors.Is(%v, ErrUnknownAttribute) = false", err)
	}
	// 50 levels are allowed.
	ok := strings.Repeat("(", 50) + "userName pr" + strings.Repeat(")", 50)
	if _, err := ParseFilter(UserResource, ok); err != nil {
		t.Errorf("50 levels: %v", err)
	}
	if _, err := ParseFilter(numbersRT, `age co 4`); err == nil || err.Error() != `scim: 400 invalidFilter: invalid filter: age co: a number takes only eq, ne, gt, ge, lt, le and pr` {
		t.Errorf("age co 4: %v", err)
	}
}

func TestFilterEqual(t *testing.T) {
	cases := []struct {
		filter, path, want string
		ok                 bool
	}{
		{`userName eq "Alice@x"`, "userName", "Alice@x", true},
		{`userName eq "Alice@x"`, "USERNAME", "Alice@x", true},
		{`userName eq "a\"b"`, "userName", `a"b`, true},
		{`active eq true and userName eq "a" and title pr`, "userName", "a", true},
		{`externalId eq "e1" and (displayName eq "d")`, "displayName", "d", true},
		{`id eq "i1"`, "id", "i1", true},
		{`userName eq "a" or userName eq "b"`, "userName", "", false},
		{`not (userName eq "a")`, "userName", "", false},
		{`userName ne "a"`, "userName", "", false},
		{`userName co "a"`, "userName", "", false},
		{`emails.value eq "a"`, "emails.value", "", false},
		{`userName eq "a"`, "externalId", "", false},
	}
	for _, c := range cases {
		f, err := ParseFilter(UserResource, c.filter)
		if err != nil {
			t.Fatalf("%s: %v", c.filter, err)
		}
		got, ok := f.Equal(c.path)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: Equal(%q) = %q, %v; want %q, %v", c.filter, c.path, got, ok, c.want, c.ok)
		}
	}
}
