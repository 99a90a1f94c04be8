package scim

// UserResource is the User resource type (RFC 7643 §4.1) served at /Users,
// with the enterprise extension (§4.3).
var UserResource = &ResourceType{
	Name:        "User",
	Endpoint:    "/Users",
	Description: "User Account",
	Schema:      userSchema,
	Extensions:  []*Schema{enterpriseUserSchema},
}

// userSchema is RFC 7643 §8.7.1's User schema, characteristic for
// characteristic, plus "primary" on addresses: §4.1.2 gives addresses a
// primary value and the RFC's own full example (§8.2) sends one, though the
// schema representation leaves it out.
var userSchema = newSchema(UserSchemaURN, "User", "User Account",
	&Attribute{Name: "userName", Required: true, Uniqueness: uniqServer,
		Description: "The identifier the user signs in with; unique among the service provider's users."},
	&Attribute{Name: "name", Type: TypeComplex,
		Description: "The components of the user's real name.",
		SubAttributes: []*Attribute{
			{Name: "formatted", Description: "The full name, formatted for display."},
			{Name: "familyName", Description: "The family (last) name."},
			{Name: "givenName", Description: "The given (first) name."},
			{Name: "middleName", Description: "The middle name(s)."},
			{Name: "honorificPrefix", Description: "The honorific prefix(es), such as 'Ms.'."},
			{Name: "honorificSuffix", Description: "The honorific suffix(es), such as 'III'."},
		}},
	&Attribute{Name: "displayName", Description: "The name of the user, suitable for display."},
	&Attribute{Name: "nickName", Description: "The casual way to address the user."},
	&Attribute{Name: "profileUrl", Type: TypeReference, ReferenceTypes: []string{"external"},
		Description: "A URL of the user's online profile."},
	&Attribute{Name: "title", Description: "The user's title, such as 'Vice President'."},
	&Attribute{Name: "userType", Description: "The user's relationship to the organization, such as 'Employee' or 'Contractor'."},
	&Attribute{Name: "preferredLanguage", Description: "The user's preferred written or spoken language, such as 'en-US'."},
	&Attribute{Name: "locale", Description: "The user's default location for localizing currency, dates and numbers."},
	&Attribute{Name: "timezone", Description: "The user's time zone in IANA format, such as 'America/Los_Angeles'."},
	&Attribute{Name: "active", Type: TypeBoolean, Description: "The user's administrative status."},
	&Attribute{Name: "password", Mutability: mutWriteOnly, Returned: retNever,
		Description: "The user's cleartext password, to set or reset it. Never returned."},
	multiValuedAttr("emails", "Email addresses for the user.", TypeString, nil, "work", "home", "other"),
	multiValuedAttr("phoneNumbers", "Phone numbers for the user.", TypeString, nil, "work", "home", "mobile", "fax", "pager", "other"),
	multiValuedAttr("ims", "Instant messaging addresses for the user.", TypeString, nil, "aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"),
	multiValuedAttr("photos", "URLs of photos of the user.", TypeReference, []string{"external"}, "photo", "thumbnail"),
	&Attribute{Name: "addresses", Type: TypeComplex, MultiValued: true,
		Description: "Physical mailing addresses for the user.",
		SubAttributes: []*Attribute{
			{Name: "formatted", Description: "The full mailing address, formatted for display."},
			{Name: "streetAddress", Description: "The street address, possibly over several lines."},
			{Name: "locality", Description: "The city or locality."},
			{Name: "region", Description: "The state or region."},
			{Name: "postalCode", Description: "The zip or postal code."},
			{Name: "country", Description: "The country."},
			{Name: "type", CanonicalValues: []string{"work", "home", "other"},
				Description: "A label for the address's function, such as 'work'."},
			{Name: "primary", Type: TypeBoolean,
				Description: "Whether this is the user's preferred address; true for at most one."},
		}},
	&Attribute{Name: "groups", Type: TypeComplex, MultiValued: true, Mutability: mutReadOnly,
		Description: "The groups the user belongs to, directly or through nested groups. Managed through the groups.",
		SubAttributes: []*Attribute{
			{Name: "value", Mutability: mutReadOnly, Description: "The id of the group."},
			{Name: "$ref", Type: TypeReference, ReferenceTypes: []string{"User", "Group"}, Mutability: mutReadOnly,
				Description: "The URI of the group."},
			{Name: "display", Mutability: mutReadOnly, Description: "The group's display name."},
			{Name: "type", CanonicalValues: []string{"direct", "indirect"}, Mutability: mutReadOnly,
				Description: "Whether the membership is 'direct' or 'indirect'."},
		}},
	multiValuedAttr("entitlements", "Entitlements the user has.", TypeString, nil),
	multiValuedAttr("roles", "Roles the user has, such as 'Student' or 'Faculty'.", TypeString, nil),
	multiValuedAttr("x509Certificates", "Certificates issued to the user.", TypeBinary, nil),
)

// enterpriseUserSchema is RFC 7643 §8.7.2's enterprise extension.
var enterpriseUserSchema = newSchema(EnterpriseUserURN, "EnterpriseUser", "Enterprise User",
	&Attribute{Name: "employeeNumber", Description: "The user's number within the organization."},
	&Attribute{Name: "costCenter", Description: "The user's cost center."},
	&Attribute{Name: "organization", Description: "The user's organization."},
	&Attribute{Name: "division", Description: "The user's division."},
	&Attribute{Name: "department", Description: "The user's department."},
	&Attribute{Name: "manager", Type: TypeComplex,
		Description: "The user's manager.",
		SubAttributes: []*Attribute{
			{Name: "value", Description: "The id of the manager's User resource."},
			{Name: "$ref", Type: TypeReference, ReferenceTypes: []string{"User"},
				Description: "The URI of the manager's User resource."},
			{Name: "displayName", Mutability: mutReadOnly, Description: "The manager's display name."},
		}},
)

// multiValuedAttr builds a multi-valued attribute with the sub-attributes
// RFC 7643 §2.4 gives such attributes: value (of valueType), display, type
// (with its canonical values) and primary.
func multiValuedAttr(name, description string, valueType AttrType, refTypes []string, types ...string) *Attribute {
	return &Attribute{Name: name, Type: TypeComplex, MultiValued: true, Description: description,
		SubAttributes: []*Attribute{
			{Name: "value", Type: valueType, ReferenceTypes: refTypes, Description: "The value."},
			{Name: "display", Description: "A human-readable name for the value."},
			{Name: "type", CanonicalValues: types, Description: "A label for the value's function."},
			{Name: "primary", Type: TypeBoolean, Description: "Whether this is the preferred value; true for at most one."},
		}}
}
