package scim

// GroupResource is the Group resource type (RFC 7643 §4.2) served at
// /Groups.
var GroupResource = &ResourceType{
	Name:        "Group",
	Endpoint:    "/Groups",
	Description: "Group",
	Schema:      groupSchema,
}

// groupSchema follows RFC 7643 §8.7.1, with two departures that §4.2's
// text asks for: displayName is required ("REQUIRED" there, though the
// schema representation says false) and members carry "display", which
// clients send and the examples show. Member value, $ref and type are
// immutable as the RFC says: a member is added or removed, never edited.
var groupSchema = newSchema(GroupSchemaURN, "Group", "Group",
	&Attribute{Name: "displayName", Required: true,
		Description: "A human-readable name for the Group."},
	&Attribute{Name: "members", Type: TypeComplex, MultiValued: true,
		Description: "A list of members of the Group.",
		SubAttributes: []*Attribute{
			{Name: "value", Mutability: mutImmutable,
				Description: "The id of the member resource."},
			{Name: "$ref", Type: TypeReference, ReferenceTypes: []string{"User", "Group"}, Mutability: mutImmutable,
				Description: "The URI of the member resource."},
			{Name: "type", CanonicalValues: []string{"User", "Group"}, Mutability: mutImmutable,
				Description: "The type of the member resource: 'User' or 'Group'."},
			{Name: "display", Mutability: mutReadOnly,
				Description: "A human-readable name for the member, set by the service provider."},
		}},
)
