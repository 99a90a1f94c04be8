package scim

import "encoding/json"

// schemaSchemaURN is the schema of a schema resource (RFC 7643 §7).
const schemaSchemaURN = "urn:ietf:params:scim:schemas:core:2.0:Schema"

// MarshalJSON writes the schema resource of RFC 7643 §7, as /Schemas
// serves it: id, name, description, every attribute with all of its
// characteristics (canonicalValues and referenceTypes only where the
// attribute has some, subAttributes only for complex ones), and meta.
// meta.location is relative ("/Schemas/<id>"): the handler knows the base
// URL it is mounted under and prefixes it.
func (s *Schema) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Schemas     []string     `json:"schemas"`
		ID          string       `json:"id"`
		Name        string       `json:"name"`
		Description string       `json:"description"`
		Attributes  []*Attribute `json:"attributes"`
		Meta        schemaMeta   `json:"meta"`
	}{[]string{schemaSchemaURN}, s.ID, s.Name, s.Description, s.Attributes,
		schemaMeta{ResourceType: "Schema", Location: "/Schemas/" + s.ID}})
}

type schemaMeta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location"`
}
