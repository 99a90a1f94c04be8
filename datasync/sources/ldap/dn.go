package ldap

import (
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// normDN is dn in one spelling, so that a DN in a member list finds the
// entry it names however either was written: parsed, attribute types and
// values lower-cased (the attributes DNs are made of compare
// case-insensitively), RDNs joined with ",". A DN that does not parse is
// returned lower-cased: it then matches only its own spelling.
func normDN(dn string) string {
	parsed, err := goldap.ParseDN(dn)
	if err != nil {
		return strings.ToLower(dn)
	}
	return strings.ToLower(parsed.String())
}

// parentDN is the normalised DN of the entry holding the one normalised
// DN dn names ("" for a top-level entry). It cuts at the first comma not
// escaped by a backslash: normDN writes a comma inside a value as "\,".
func parentDN(dn string) string {
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++ // skip the escaped character
		case ',':
			return dn[i+1:]
		}
	}
	return ""
}
