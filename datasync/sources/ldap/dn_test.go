package ldap

import "testing"

func TestNormDNAndParent(t *testing.T) {
	cases := []struct {
		in, norm, parent string
	}{
		{"uid=Ann,OU=People,dc=Example,dc=org", "uid=ann,ou=people,dc=example,dc=org", "ou=people,dc=example,dc=org"},
		{"uid=ann, ou=people , dc=example,dc=org", "uid=ann,ou=people,dc=example,dc=org", "ou=people,dc=example,dc=org"},
		{`cn=Smith\, Ann,ou=people,dc=org`, `cn=smith\, ann,ou=people,dc=org`, "ou=people,dc=org"},
		{`cn=a\\,ou=x`, `cn=a\\,ou=x`, "ou=x"},
		{"dc=org", "dc=org", ""},
		{"not a dn", "not a dn", ""},
	}
	for _, c := range cases {
		norm := normDN(c.in)
		if norm != c.norm {
			t.Errorf("normDN(%q) = %q, want %q", c.in, norm, c.norm)
		}
		if p := parentDN(norm); p != c.parent {
			t.Errorf("parentDN(%q) = %q, want %q", norm, p, c.parent)
		}
	}
}

// FuzzParentDN: whatever the DN, normDN and parentDN never panic, and the
// parent is a proper suffix of the DN.
func FuzzParentDN(f *testing.F) {
	for _, s := range []string{"uid=a,ou=b,dc=c", `cn=a\,b,dc=c`, `cn=a\`, "", ",", `\\,`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dn string) {
		norm := normDN(dn)
		p := parentDN(norm)
		if len(p) >= len(norm) && p != "" {
			t.Fatalf("parentDN(%q) = %q, not shorter", norm, p)
		}
		if len(p) > 0 && norm[len(norm)-len(p):] != p {
			t.Fatalf("parentDN(%q) = %q, not a suffix", norm, p)
		}
	})
}
