package scim

import (
	"fmt"
	"strings"
)

// AttrType is an attribute's data type (RFC 7643 §2.3).
type AttrType string

// The data types of RFC 7643 §2.3.
const (
	TypeString    AttrType = "string"
	TypeBoolean   AttrType = "boolean"
	TypeDecimal   AttrType = "decimal"
	TypeInteger   AttrType = "integer"
	TypeDateTime  AttrType = "dateTime"
	TypeReference AttrType = "reference"
	TypeComplex   AttrType = "complex"
	TypeBinary    AttrType = "binary"
)

// The schema URNs this package serves.
const (
	UserSchemaURN     = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupSchemaURN    = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseUserURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// Attribute is one attribute definition with its characteristics
// (RFC 7643 §2.2 and §7). The tables leave a characteristic empty when it
// has the RFC's default (mutability readWrite, returned default,
// uniqueness none, type string); [newSchema] fills those in, so every
// Attribute reachable from a [Schema] has all of them set.
type Attribute struct {
	Name            string       `json:"name"`
	Type            AttrType     `json:"type"`
	MultiValued     bool         `json:"multiValued"`
	Description     string       `json:"description"`
	Required        bool         `json:"required"`
	CaseExact       bool         `json:"caseExact"`
	Mutability      string       `json:"mutability"` // "readOnly", "readWrite", "immutable", "writeOnly"
	Returned        string       `json:"returned"`   // "always", "never", "default", "request"
	Uniqueness      string       `json:"uniqueness"` // "none", "server", "global"
	CanonicalValues []string     `json:"canonicalValues,omitempty"`
	ReferenceTypes  []string     `json:"referenceTypes,omitempty"`
	SubAttributes   []*Attribute `json:"subAttributes,omitempty"`
}

// Sub returns the sub-attribute called name, matched case-insensitively as
// RFC 7644 §3.10 requires of attribute names; nil if there is none.
func (a *Attribute) Sub(name string) *Attribute {
	return findAttr(a.SubAttributes, name)
}

// Schema is a resource schema or extension: ID is its URN.
type Schema struct {
	ID, Name, Description string
	Attributes            []*Attribute
}

// Attr returns the schema's attribute called name (case-insensitive); nil
// if there is none. The common attributes id, externalId and meta belong to
// no schema: [ResourceType.Resolve] finds them.
func (s *Schema) Attr(name string) *Attribute {
	return findAttr(s.Attributes, name)
}

// ResourceType is a kind of resource served at Endpoint: its core Schema
// and the extension schemas it may carry (RFC 7643 §6).
type ResourceType struct {
	Name, Endpoint, Description string
	Schema                      *Schema
	Extensions                  []*Schema
}

// SchemaURNs lists the URNs of rt's schemas, core first, as a resource's
// "schemas" and the ResourceType document list them.
func (rt *ResourceType) SchemaURNs() []string {
	urns := []string{rt.Schema.ID}
	for _, ext := range rt.Extensions {
		urns = append(urns, ext.ID)
	}
	return urns
}

// ResolvedPath is an attribute path resolved against a resource type, with
// canonical names. URN is "" for core and common attributes and the
// extension's URN for an extension attribute (whose value lives under that
// key in a resource); Sub is nil when the path names the whole attribute.
type ResolvedPath struct {
	URN       string
	Attr, Sub *Attribute
}

// String is the path as a client would write it: "emails.value",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".
func (p ResolvedPath) String() string {
	if p.Attr == nil {
		return p.URN
	}
	sub := ""
	if p.Sub != nil {
		sub = p.Sub.Name
	}
	return joinPath(p.URN, p.Attr.Name, sub)
}

// Get returns the value at p in res (a resource in stored form), nil if it
// is absent. For a sub-attribute of a multi-valued attribute it returns
// the []any of that sub-attribute's values across the elements that have
// one ("emails.value" → every address), nil if none has.
func (p ResolvedPath) Get(res map[string]any) any {
	if p.Attr == nil {
		return nil
	}
	v := attrValue(res, p)
	if p.Sub == nil || v == nil {
		return v
	}
	if !p.Attr.MultiValued {
		m, _ := v.(map[string]any)
		return m[p.Sub.Name]
	}
	elems, _ := v.([]any)
	var out []any
	for _, e := range elems {
		if m, ok := e.(map[string]any); ok && m[p.Sub.Name] != nil {
			out = append(out, m[p.Sub.Name])
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// attrValue is the value of p's attribute (not its sub-attribute) in res.
func attrValue(res map[string]any, p ResolvedPath) any {
	return container(res, p.URN, false)[p.Attr.Name]
}

// container is the map of res holding the attributes of urn: res itself
// for "" (core and common attributes), else the object under the
// extension's URN, created when create is set; nil if absent.
func container(res map[string]any, urn string, create bool) map[string]any {
	if urn == "" {
		return res
	}
	m, ok := res[urn].(map[string]any)
	if !ok && create {
		m = map[string]any{}
		res[urn] = m
	}
	return m
}

// Resolve finds the attribute path uri:name.sub of rt. uri is "" or one of
// rt's schema URNs, name an attribute of that schema, or with uri "" or
// the core URN a common attribute (id, externalId, meta); sub is "" or a
// sub-attribute of name. All three match case-insensitively (RFC 7644
// §3.10) and come back canonical. Extension attributes need their URN:
// the RFC lets clients omit only the core schema's.
//
// An unknown path gives an error wrapping [ErrUnknownAttribute] whose text
// names the path as given.
func (rt *ResourceType) Resolve(uri, name, sub string) (ResolvedPath, error) {
	var p ResolvedPath
	switch {
	case uri == "" || strings.EqualFold(uri, rt.Schema.ID):
		p.Attr = rt.coreAttr(name)
	default:
		ext := rt.extension(uri)
		if ext != nil {
			p.URN = ext.ID
			p.Attr = ext.Attr(name)
		}
	}
	if p.Attr != nil && sub != "" {
		p.Sub = p.Attr.Sub(sub)
	}
	if p.Attr == nil || (sub != "" && p.Sub == nil) {
		return ResolvedPath{}, fmt.Errorf("%w: %s", ErrUnknownAttribute, joinPath(uri, name, sub))
	}
	return p, nil
}

// coreAttr returns the attribute called name (case-insensitive) of rt's
// core schema or, failing that, the common attribute; nil if neither has
// one.
func (rt *ResourceType) coreAttr(name string) *Attribute {
	if a := rt.Schema.Attr(name); a != nil {
		return a
	}
	return findAttr(commonAttributes, name)
}

// extension returns rt's extension schema with URN uri (case-insensitive),
// nil if rt has none.
func (rt *ResourceType) extension(uri string) *Schema {
	for _, ext := range rt.Extensions {
		if strings.EqualFold(ext.ID, uri) {
			return ext
		}
	}
	return nil
}

// joinPath writes a path back the way RFC 7644 §3.10 spells it.
func joinPath(uri, name, sub string) string {
	s := name
	if sub != "" {
		s += "." + sub
	}
	if uri != "" {
		s = uri + ":" + s
	}
	return s
}

func findAttr(attrs []*Attribute, name string) *Attribute {
	for _, a := range attrs {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// The mutability, returned and uniqueness values of RFC 7643 §7.
const (
	mutReadOnly  = "readOnly"
	mutReadWrite = "readWrite"
	mutImmutable = "immutable"
	mutWriteOnly = "writeOnly"

	retAlways  = "always"
	retNever   = "never"
	retDefault = "default"
	retRequest = "request"

	uniqNone   = "none"
	uniqServer = "server"
)

// newSchema completes a schema table: every characteristic left empty gets
// the RFC 7643 §2.2 default, so the tables can state only what differs.
func newSchema(id, name, description string, attrs ...*Attribute) *Schema {
	fillDefaults(attrs)
	return &Schema{ID: id, Name: name, Description: description, Attributes: attrs}
}

func fillDefaults(attrs []*Attribute) {
	for _, a := range attrs {
		if a.Type == "" {
			a.Type = TypeString
		}
		if a.Mutability == "" {
			a.Mutability = mutReadWrite
		}
		if a.Returned == "" {
			a.Returned = retDefault
		}
		if a.Uniqueness == "" {
			a.Uniqueness = uniqNone
		}
		fillDefaults(a.SubAttributes)
	}
}

// splitPath splits a path as RFC 7644 §3.10 writes it,
// "[urn:...:Schema:]attr[.sub]", into its parts. The URN ends at the last
// colon: a URN's own dots ("2.0") come before it, an attribute's after.
func splitPath(s string) (uri, name, sub string) {
	if len(s) > 4 && strings.EqualFold(s[:4], "urn:") {
		if i := strings.LastIndexByte(s, ':'); i > 4 {
			uri, s = s[:i], s[i+1:]
		}
	}
	name, sub, _ = strings.Cut(s, ".")
	return uri, name, sub
}
