package scim

// commonAttributes are the attributes every resource has whatever its
// schema (RFC 7643 §3.1). They are listed in no schema's "attributes";
// [ResourceType.Resolve] finds them on every resource type.
var commonAttributes = func() []*Attribute {
	attrs := []*Attribute{
		{Name: "id", CaseExact: true, Mutability: mutReadOnly, Returned: retAlways, Uniqueness: uniqServer,
			Description: "The resource's identifier, issued by the service provider."},
		{Name: "externalId", CaseExact: true,
			Description: "The resource's identifier in the provisioning client's own system."},
		{Name: "meta", Type: TypeComplex, Mutability: mutReadOnly,
			Description: "Resource metadata maintained by the service provider.",
			SubAttributes: []*Attribute{
				{Name: "resourceType", CaseExact: true, Mutability: mutReadOnly,
					Description: "The name of the resource's type."},
				{Name: "created", Type: TypeDateTime, Mutability: mutReadOnly,
					Description: "When the resource was added to the service provider."},
				{Name: "lastModified", Type: TypeDateTime, Mutability: mutReadOnly,
					Description: "When the resource was last changed."},
				{Name: "location", Type: TypeReference, ReferenceTypes: []string{"uri"}, CaseExact: true, Mutability: mutReadOnly,
					Description: "The URI of the resource."},
				{Name: "version", CaseExact: true, Mutability: mutReadOnly,
					Description: "The resource's version, as served in its ETag."},
			}},
	}
	fillDefaults(attrs)
	return attrs
}()
