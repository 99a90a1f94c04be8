package scim

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSchemaMarshalJSON(t *testing.T) {
	got, err := json.Marshal(enterpriseUserSchema)
	if err != nil {
		t.Fatal(err)
	}
	str := func(name, desc string) string {
		return `{"name":"` + name + `","type":"string","multiValued":false,"description":"` + desc +
			`","required":false,"caseExact":false,"mutability":"readWrite","returned":"default","uniqueness":"none"}`
	}
	want := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Schema"],` +
		`"id":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","name":"EnterpriseUser","description":"Enterprise User",` +
		`"attributes":[` +
		str("employeeNumber", "The user's number within the organization.") + "," +
		str("costCenter", "The user's cost center.") + "," +
		str("organization", "The user's organization.") + "," +
		str("division", "The user's division.") + "," +
		str("department", "The user's department.") + "," +
		`{"name":"manager","type":"complex","multiValued":false,"description":"The user's manager.","required":false,"caseExact":false,` +
		`"mutability":"readWrite","returned":"default","uniqueness":"none","subAttributes":[` +
		str("value", "The id of the manager's User resource.") + "," +
		`{"name":"$ref","type":"reference","multiValued":false,"description":"The URI of the manager's User resource.","required":false,"caseExact":false,` +
		`"mutability":"readWrite","returned":"default","uniqueness":"none","referenceTypes":["User"]},` +
		`{"name":"displayName","type":"string","multiValued":false,"description":"The manager's display name.","required":false,"caseExact":false,` +
		`"mutability":"readOnly","returned":"default","uniqueness":"none"}]}],` +
		`"meta":{"resourceType":"Schema","location":"/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}}`
	if string(got) != want {
		t.Errorf("MarshalJSON:\n got %s\nwant %s", got, want)
	}
}

// TestSchemaMarshalJSONRoundTrip decodes the served User schema and checks
// what a client reads from it: every attribute, canonicalValues where the
// RFC lists some, subAttributes only on complex attributes.
func TestSchemaMarshalJSONRoundTrip(t *testing.T) {
	b, err := json.Marshal(UserResource.Schema)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ID         string
		Attributes []*Attribute
		Meta       map[string]string
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ID != UserSchemaURN || doc.Meta["location"] != "/Schemas/"+UserSchemaURN {
		t.Errorf("id %q, meta %v", doc.ID, doc.Meta)
	}
	if diff := cmp.Diff(userSchema.Attributes, doc.Attributes); diff != "" {
		t.Errorf("round trip (-tables +served):\n%s", diff)
	}
	var raw map[string]any
	_ = json.Unmarshal(b, &raw)
	for _, a := range raw["attributes"].([]any) {
		m := a.(map[string]any)
		_, hasSubs := m["subAttributes"]
		if hasSubs != (m["type"] == "complex") {
			t.Errorf("%s: type %s, subAttributes present %v", m["name"], m["type"], hasSubs)
		}
	}
}
