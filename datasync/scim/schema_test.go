package scim

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rw is the characteristics most attributes have: optional, not
// case-exact, readWrite, returned by default, no uniqueness.
const rw = "single optional ci readWrite default none"

// rfcCharacteristics transcribes RFC 7643 §8.7.1 (User, Group), §8.7.2
// (enterprise) and §3.1 (common attributes) as "type multi required
// caseExact mutability returned uniqueness" per attribute path. Departures
// from §8.7.1, each argued in the schema tables: addresses.primary, Group
// displayName required, members.display.
var rfcCharacteristics = map[string]string{
	"id":                             "string single optional exact readOnly always server",
	"externalId":                     "string single optional exact readWrite default none",
	"meta":                           "complex single optional ci readOnly default none",
	"meta.resourceType":              "string single optional exact readOnly default none",
	"meta.created":                   "dateTime single optional ci readOnly default none",
	"meta.lastModified":              "dateTime single optional ci readOnly default none",
	"meta.location":                  "reference single optional exact readOnly default none",
	"meta.version":                   "string single optional exact readOnly default none",
	"User:userName":                  "string single required ci readWrite default server",
	"User:name":                      "complex " + rw,
	"User:displayName":               "string " + rw,
	"User:nickName":                  "string " + rw,
	"User:profileUrl":                "reference " + rw,
	"User:title":                     "string " + rw,
	"User:userType":                  "string " + rw,
	"User:preferredLanguage":         "string " + rw,
	"User:locale":                    "string " + rw,
	"User:timezone":                  "string " + rw,
	"User:active":                    "boolean " + rw,
	"User:password":                  "string single optional ci writeOnly never none",
	"User:emails":                    "complex multi optional ci readWrite default none",
	"User:phoneNumbers":              "complex multi optional ci readWrite default none",
	"User:ims":                       "complex multi optional ci readWrite default none",
	"User:photos":                    "complex multi optional ci readWrite default none",
	"User:addresses":                 "complex multi optional ci readWrite default none",
	"User:groups":                    "complex multi optional ci readOnly default none",
	"User:entitlements":              "complex multi optional ci readWrite default none",
	"User:roles":                     "complex multi optional ci readWrite default none",
	"User:x509Certificates":          "complex multi optional ci readWrite default none",
	"User:groups.value":              "string single optional ci readOnly default none",
	"User:groups.$ref":               "reference single optional ci readOnly default none",
	"User:groups.display":            "string single optional ci readOnly default none",
	"User:groups.type":               "string single optional ci readOnly default none",
	"User:photos.value":              "reference " + rw,
	"User:x509Certificates.value":    "binary " + rw,
	"Group:displayName":              "string single required ci readWrite default none",
	"Group:members":                  "complex multi optional ci readWrite default none",
	"Group:members.value":            "string single optional ci immutable default none",
	"Group:members.$ref":             "reference single optional ci immutable default none",
	"Group:members.type":             "string single optional ci immutable default none",
	"Group:members.display":          "string single optional ci readOnly default none",
	"Enterprise:employeeNumber":      "string " + rw,
	"Enterprise:costCenter":          "string " + rw,
	"Enterprise:organization":        "string " + rw,
	"Enterprise:division":            "string " + rw,
	"Enterprise:department":          "string " + rw,
	"Enterprise:manager":             "complex " + rw,
	"Enterprise:manager.value":       "string " + rw,
	"Enterprise:manager.$ref":        "reference " + rw,
	"Enterprise:manager.displayName": "string single optional ci readOnly default none",
}

func init() {
	for _, sub := range []string{"formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"} {
		rfcCharacteristics["User:name."+sub] = "string " + rw
	}
	for _, a := range []string{"emails", "phoneNumbers", "ims", "photos", "entitlements", "roles", "x509Certificates"} {
		for _, sub := range []string{"value", "display", "type"} {
			if _, set := rfcCharacteristics["User:"+a+"."+sub]; !set {
				rfcCharacteristics["User:"+a+"."+sub] = "string " + rw
			}
		}
		rfcCharacteristics["User:"+a+".primary"] = "boolean " + rw
	}
	for _, sub := range []string{"formatted", "streetAddress", "locality", "region", "postalCode", "country", "type"} {
		rfcCharacteristics["User:addresses."+sub] = "string " + rw
	}
	rfcCharacteristics["User:addresses.primary"] = "boolean " + rw
}

func characteristics(a *Attribute) string {
	multi, req, ce := "single", "optional", "ci"
	if a.MultiValued {
		multi = "multi"
	}
	if a.Required {
		req = "required"
	}
	if a.CaseExact {
		ce = "exact"
	}
	return strings.Join([]string{string(a.Type), multi, req, ce, a.Mutability, a.Returned, a.Uniqueness}, " ")
}

func collect(got map[string]string, prefix string, attrs []*Attribute) {
	for _, a := range attrs {
		got[prefix+a.Name] = characteristics(a)
		for _, sub := range a.SubAttributes {
			got[prefix+a.Name+"."+sub.Name] = characteristics(sub)
		}
	}
}

func TestSchemaCharacteristicsMatchRFC(t *testing.T) {
	got := map[string]string{}
	collect(got, "", commonAttributes)
	collect(got, "User:", userSchema.Attributes)
	collect(got, "Group:", groupSchema.Attributes)
	collect(got, "Enterprise:", enterpriseUserSchema.Attributes)
	if diff := cmp.Diff(rfcCharacteristics, got); diff != "" {
		t.Errorf("attribute characteristics (-RFC +tables):\n%s", diff)
	}
}

func TestSchemaCanonicalAndReferenceValues(t *testing.T) {
	cases := []struct {
		rt        *ResourceType
		path      string
		canonical []string
		refTypes  []string
	}{
		{UserResource, "emails.type", []string{"work", "home", "other"}, nil},
		{UserResource, "phoneNumbers.type", []string{"work", "home", "mobile", "fax", "pager", "other"}, nil},
		{UserResource, "ims.type", []string{"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"}, nil},
		{UserResource, "photos.type", []string{"photo", "thumbnail"}, nil},
		{UserResource, "addresses.type", []string{"work", "home", "other"}, nil},
		{UserResource, "groups.type", []string{"direct", "indirect"}, nil},
		{UserResource, "roles.type", nil, nil},
		{UserResource, "photos.value", nil, []string{"external"}},
		{UserResource, "profileUrl", nil, []string{"external"}},
		{UserResource, "groups.$ref", nil, []string{"User", "Group"}},
		{UserResource, EnterpriseUserURN + ":manager.$ref", nil, []string{"User"}},
		{GroupResource, "members.type", []string{"User", "Group"}, nil},
		{GroupResource, "members.$ref", nil, []string{"User", "Group"}},
		{GroupResource, "meta.location", nil, []string{"uri"}},
	}
	for _, c := range cases {
		p, err := c.rt.Resolve(splitPath(c.path))
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		a := p.Attr
		if p.Sub != nil {
			a = p.Sub
		}
		if diff := cmp.Diff(c.canonical, a.CanonicalValues); diff != "" {
			t.Errorf("%s canonicalValues (-want +got):\n%s", c.path, diff)
		}
		if diff := cmp.Diff(c.refTypes, a.ReferenceTypes); diff != "" {
			t.Errorf("%s referenceTypes (-want +got):\n%s", c.path, diff)
		}
	}
}

func TestResolve(t *testing.T) {
	ent := EnterpriseUserURN
	cases := []struct {
		rt             *ResourceType
		uri, name, sub string
		want           string // ResolvedPath.String(), or the error
	}{
		{UserResource, "", "userName", "", "userName"},
		{UserResource, "", "USERNAME", "", "userName"},
		{UserResource, "", "name", "GIVENNAME", "name.givenName"},
		{UserResource, "", "emails", "value", "emails.value"},
		{UserResource, "", "id", "", "id"},
		{UserResource, "", "EXTERNALID", "", "externalId"},
		{UserResource, "", "meta", "lastmodified", "meta.lastModified"},
		{UserResource, strings.ToUpper(UserSchemaURN), "userName", "", "userName"},
		{UserResource, UserSchemaURN, "id", "", "id"},
		{UserResource, strings.ToLower(ent), "Department", "", ent + ":department"},
		{UserResource, ent, "manager", "value", ent + ":manager.value"},
		{GroupResource, "", "members", "$REF", "members.$ref"},
		{GroupResource, "", "displayname", "", "displayName"},
		// Errors.
		{UserResource, "", "department", "", "scim: no such attribute: department"},
		{UserResource, "", "userName", "x", "scim: no such attribute: userName.x"},
		{UserResource, "", "emails", "nope", "scim: no such attribute: emails.nope"},
		{UserResource, "urn:x:y", "userName", "", "scim: no such attribute: urn:x:y:userName"},
		{UserResource, ent, "userName", "", "scim: no such attribute: " + ent + ":userName"},
		{GroupResource, ent, "department", "", "scim: no such attribute: " + ent + ":department"},
		{GroupResource, "", "userName", "", "scim: no such attribute: userName"},
		{UserResource, "", "", "", "scim: no such attribute: "},
	}
	for _, c := range cases {
		p, err := c.rt.Resolve(c.uri, c.name, c.sub)
		got := ""
		if err != nil {
			got = err.Error()
			if !errors.Is(err, ErrUnknownAttribute) {
				t.Errorf("Resolve(%q, %q, %q): %v does not wrap ErrUnknownAttribute", c.uri, c.name, c.sub, err)
			}
		} else {
			got = p.String()
		}
		if got != c.want {
			t.Errorf("Resolve(%q, %q, %q) = %s, want %s", c.uri, c.name, c.sub, got, c.want)
		}
	}
}

func TestSplitPath(t *testing.T) {
	cases := map[string]string{
		"userName":                           "|userName|",
		"name.givenName":                     "|name|givenName",
		"emails.value.x":                     "|emails|value.x",
		UserSchemaURN + ":userName":          UserSchemaURN + "|userName|",
		EnterpriseUserURN + ":manager.value": EnterpriseUserURN + "|manager|value",
		"URN:a:b":                            "URN:a|b|",
		"urn:":                               "|urn:|",
		"urn:x":                              "|urn:x|",
		"":                                   "||",
	}
	for in, want := range cases {
		uri, name, sub := splitPath(in)
		if got := uri + "|" + name + "|" + sub; got != want {
			t.Errorf("splitPath(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestResolvedPathGet(t *testing.T) {
	res := map[string]any{
		"userName": "bjensen",
		"name":     map[string]any{"givenName": "Barbara"},
		"emails": []any{
			map[string]any{"value": "a@x", "type": "work"},
			map[string]any{"type": "home"},
			map[string]any{"value": "c@x"},
		},
		"phoneNumbers": []any{map[string]any{"type": "work"}},
		EnterpriseUserURN: map[string]any{
			"department": "R&D",
			"manager":    map[string]any{"value": "m1"},
		},
	}
	cases := []struct {
		path string
		want any
	}{
		{"userName", "bjensen"},
		{"name.givenName", "Barbara"},
		{"name.familyName", nil},
		{"emails.value", []any{"a@x", "c@x"}},
		{"emails.type", []any{"work", "home"}},
		{"phoneNumbers.value", nil},
		{"addresses.type", nil},
		{"displayName", nil},
		{EnterpriseUserURN + ":department", "R&D"},
		{EnterpriseUserURN + ":manager.value", "m1"},
		{EnterpriseUserURN + ":costCenter", nil},
	}
	for _, c := range cases {
		p, err := UserResource.Resolve(splitPath(c.path))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, p.Get(res)); diff != "" {
			t.Errorf("Get(%s) (-want +got):\n%s", c.path, diff)
		}
	}
	if got := (ResolvedPath{}).Get(res); got != nil {
		t.Errorf("zero path Get = %v, want nil", got)
	}
	p, _ := UserResource.Resolve(EnterpriseUserURN, "department", "")
	if got := p.Get(map[string]any{EnterpriseUserURN: "not an object"}); got != nil {
		t.Errorf("Get on a malformed extension = %v, want nil", got)
	}
}

func TestSchemaURNsAndLookups(t *testing.T) {
	if diff := cmp.Diff([]string{UserSchemaURN, EnterpriseUserURN}, UserResource.SchemaURNs()); diff != "" {
		t.Errorf("User SchemaURNs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{GroupSchemaURN}, GroupResource.SchemaURNs()); diff != "" {
		t.Errorf("Group SchemaURNs (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		got  *Attribute
		want string
	}{
		{userSchema.Attr("EMAILS"), "emails"},
		{userSchema.Attr("emails").Sub("PRIMARY"), "primary"},
		{groupSchema.Attr("Members").Sub("$Ref"), "$ref"},
	} {
		if c.got == nil || c.got.Name != c.want {
			t.Errorf("lookup of %s = %v", c.want, c.got)
		}
	}
	for _, missing := range []*Attribute{userSchema.Attr("id"), userSchema.Attr("nope"), userSchema.Attr("userName").Sub("x")} {
		if missing != nil {
			t.Errorf("lookup = %s, want nil", fmt.Sprint(missing.Name))
		}
	}
}
