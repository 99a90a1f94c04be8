package ldap

import (
	"crypto/tls"
	"fmt"
	"net/url"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// Defaults the zero Options take.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultPageSize    = 500
	DefaultNestedDepth = 5
	DefaultChunkSize   = 1000
)

// Options configure a [Source]. Only URL and Users.BaseDN are required;
// every other zero value means the default named on its field.
type Options struct {
	// URL is the server: ldap://host[:port] or ldaps://host[:port].
	URL string
	// StartTLS upgrades an ldap:// connection with StartTLS before the
	// bind. It cannot be combined with an ldaps:// URL (already TLS).
	StartTLS bool
	// TLS configures ldaps:// and StartTLS; nil uses the system roots.
	// An empty ServerName verifies the URL's host.
	TLS *tls.Config
	// BindDN and BindPassword are the simple bind's credentials; both
	// empty binds anonymously. A service account with read access is
	// usual: the directory's administrator (OpenLDAP's rootdn) bypasses
	// size limits, a service account shows that paging copes with them.
	BindDN, BindPassword string
	// Timeout bounds each LDAP operation (the dial, the bind, each page);
	// DefaultTimeout when zero. A page that takes longer fails the pull
	// as incomplete.
	Timeout time.Duration
	// PageSize is the number of entries asked for per page of the paged
	// search (RFC 2696); DefaultPageSize when zero. Every search is paged,
	// so a server size limit below the directory's size never cuts a
	// read short silently.
	PageSize uint32

	// Users finds the people. Its Filter defaults to
	// "(objectClass=inetOrgPerson)".
	Users Search
	// Groups, when its BaseDN is set, turns groups into departments and
	// their members' memberships. Its Filter defaults to
	// "(objectClass=groupOfNames)".
	Groups GroupSearch
	// OUs, when its BaseDN is set, turns the organizational units under it
	// into departments, each under its parent OU (from the DN), and puts
	// each user in the OU that holds their entry. Its Filter defaults to
	// "(objectClass=organizationalUnit)".
	OUs Search

	// Attributes maps LDAP attributes to record fields.
	Attributes Attributes
	// Disabled, when its Attribute is set, reads whether a user is
	// disabled; users then carry "enabled".
	Disabled Disabled

	// MatchKey is the emitted user data's matchKey: how a user seen for
	// the first time finds an existing one ("email", "phone", "username";
	// empty always creates). Prefer the source's "adopt" option (see
	// datasync.Policy), which "blockSoftMatch" can turn off after the
	// first sync; with a MatchKey set here, a blockSoftMatch source's runs
	// fail.
	MatchKey string
	// ChunkSize is the number of records per emitted UserData;
	// DefaultChunkSize when zero.
	ChunkSize int
}

// Search is one subtree of the directory to read.
type Search struct {
	// BaseDN is where the search starts.
	BaseDN string
	// Filter selects entries (RFC 4515); each search has its own default.
	Filter string
	// Scope is how deep below BaseDN to look; ScopeSubtree when zero.
	Scope Scope
}

// GroupSearch finds groups and says how their members are listed.
type GroupSearch struct {
	Search
	// MemberAttribute lists a group's members by DN: "member" when empty
	// (groupOfNames, Active Directory groups); "uniqueMember" for
	// groupOfUniqueNames. A member that is itself a group nests it.
	MemberAttribute string
	// NestedDepth bounds how many levels of enclosing groups a user
	// inherits: a user of group A, nested in B, nested in C, is in A, B
	// and C with depth 2 or more, and in A and B with depth 1.
	// DefaultNestedDepth when zero; a cycle of groups ends the walk
	// whatever the depth.
	NestedDepth int
}

// Scope is an LDAP search scope.
type Scope int

// The scopes a search may use.
const (
	// ScopeSubtree searches the base entry and everything below it.
	ScopeSubtree Scope = iota
	// ScopeOneLevel searches only the base entry's children.
	ScopeOneLevel
)

// Attributes name the LDAP attributes records are built from. Empty
// fields take the OpenLDAP default named on them; [ActiveDirectory] gives
// the AD ones. Only these attributes (and the member lists) are requested:
// passwords are never asked for.
type Attributes struct {
	// ID is the immutable anchor, a record's uid: "entryUUID" by default.
	// "objectGUID" (Active Directory) is binary and becomes its canonical
	// string form, 3f2504e0-4f89-11d3-9a0c-0305e82c3301.
	ID string
	// Username is "uid" by default ("sAMAccountName" in AD).
	Username string
	// Nickname is "displayName" by default; a user without one gets their
	// "cn".
	Nickname string
	// Email is "mail" by default.
	Email string
	// Phone is "telephoneNumber" by default.
	Phone string
	// MemberOf, when set ("memberOf" in AD or with OpenLDAP's memberof
	// overlay), adds the groups a user's entry lists to those whose member
	// lists name the user.
	MemberOf string
}

// Disabled says how a disabled user is recognised: by Value, compared
// case-insensitively with the attribute's value, or by Bitmask, any of
// whose bits set in the attribute's integer value means disabled (Active
// Directory: userAccountControl with bit 2, ACCOUNTDISABLE). Exactly one
// of Value and Bitmask must be set with Attribute. A user without the
// attribute is enabled.
type Disabled struct {
	Attribute string
	Value     string
	Bitmask   uint64
}

// ActiveDirectory returns Options for a Microsoft Active Directory domain
// at url, with users and groups under baseDN: person accounts, groups as
// departments (members by "member", nesting via groups' own membership),
// objectGUID as the anchor, sAMAccountName as the username, and disabled
// accounts from userAccountControl's ACCOUNTDISABLE bit. Set BindDN and
// BindPassword (and TLS) on the result.
func ActiveDirectory(url, baseDN string) Options {
	return Options{
		URL: url,
		Users: Search{
			BaseDN: baseDN,
			Filter: "(&(objectCategory=person)(objectClass=user))",
		},
		Groups: GroupSearch{Search: Search{BaseDN: baseDN, Filter: "(objectClass=group)"}},
		Attributes: Attributes{
			ID:       "objectGUID",
			Username: "sAMAccountName",
		},
		Disabled: Disabled{Attribute: "userAccountControl", Bitmask: 2},
	}
}

// withDefaults validates o and fills in its defaults. Errors wrap
// datasync.ErrInvalidSource and never show the bind password.
func (o Options) withDefaults() (Options, error) {
	for _, check := range []func() error{o.checkConnection, o.checkNumbers, o.checkSearches, o.Disabled.validate} {
		if err := check(); err != nil {
			return o, err
		}
	}
	setDefault(&o.Timeout, DefaultTimeout)
	setDefault(&o.PageSize, DefaultPageSize)
	setDefault(&o.ChunkSize, DefaultChunkSize)
	setDefault(&o.Groups.NestedDepth, DefaultNestedDepth)
	setDefault(&o.Groups.MemberAttribute, "member")
	setDefault(&o.Users.Filter, "(objectClass=inetOrgPerson)")
	setDefault(&o.Groups.Filter, "(objectClass=groupOfNames)")
	setDefault(&o.OUs.Filter, "(objectClass=organizationalUnit)")
	a := &o.Attributes
	setDefault(&a.ID, "entryUUID")
	setDefault(&a.Username, "uid")
	setDefault(&a.Nickname, "displayName")
	setDefault(&a.Email, "mail")
	setDefault(&a.Phone, "telephoneNumber")
	return o, nil
}

func (o Options) checkConnection() error {
	u, err := url.Parse(o.URL)
	if err != nil || u.Host == "" {
		return optionError("URL", "want ldap://host[:port] or ldaps://host[:port]")
	}
	switch {
	case u.Scheme != "ldap" && u.Scheme != "ldaps":
		return optionError("URL", fmt.Sprintf("scheme %q: want ldap or ldaps", u.Scheme))
	case u.User != nil:
		return optionError("URL", "credentials go in BindDN and BindPassword, not the URL")
	case u.Scheme == "ldaps" && o.StartTLS:
		return optionError("StartTLS", "an ldaps:// URL is TLS already; use ldap:// with StartTLS")
	case o.BindDN == "" && o.BindPassword != "":
		return optionError("BindDN", "a bind password needs a bind DN")
	}
	return nil
}

func (o Options) checkNumbers() error {
	switch {
	case o.Timeout < 0:
		return optionError("Timeout", "must not be negative")
	case o.ChunkSize < 0:
		return optionError("ChunkSize", "must not be negative")
	case o.Groups.NestedDepth < 0:
		return optionError("Groups.NestedDepth", "must not be negative")
	}
	return nil
}

func (o Options) checkSearches() error {
	if o.Users.BaseDN == "" {
		return optionError("Users.BaseDN", "is required")
	}
	if o.Attributes.MemberOf != "" && o.Groups.BaseDN == "" {
		return optionError("Attributes.MemberOf", "names groups: it needs Groups.BaseDN")
	}
	for i, q := range []Search{o.Users, o.Groups.Search, o.OUs} {
		if err := q.validate([]string{"Users", "Groups", "OUs"}[i]); err != nil {
			return err
		}
	}
	return nil
}

func (q Search) validate(name string) error {
	if q.Scope != ScopeSubtree && q.Scope != ScopeOneLevel {
		return optionError(name+".Scope", fmt.Sprintf("unknown scope %d", q.Scope))
	}
	if q.Filter == "" {
		return nil
	}
	if _, err := goldap.CompileFilter(q.Filter); err != nil {
		return optionError(name+".Filter", err.Error())
	}
	return nil
}

func (d Disabled) validate() error {
	switch {
	case d.Attribute == "" && (d.Value != "" || d.Bitmask != 0):
		return optionError("Disabled.Attribute", "is required with Value or Bitmask")
	case d.Attribute != "" && (d.Value == "") == (d.Bitmask == 0):
		return optionError("Disabled", "set exactly one of Value and Bitmask")
	}
	return nil
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

func optionError(field, reason string) error {
	return fmt.Errorf("%w: ldap: option %s: %s", datasync.ErrInvalidSource, field, reason)
}
