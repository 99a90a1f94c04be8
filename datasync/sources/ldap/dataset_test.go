package ldap_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/ldap"
)

// TestDataset: the dataset is the server and the searches, never the
// credentials or how entries are read.
func TestDataset(t *testing.T) {
	base := func() ldap.Options {
		return ldap.Options{URL: "ldap://127.0.0.1:389", BindDN: "cn=reader,dc=example,dc=org", BindPassword: "s3cret-pw",
			Users: ldap.Search{BaseDN: "ou=people,dc=example,dc=org"}}
	}
	dataset := func(o ldap.Options) string {
		t.Helper()
		src, err := ldap.New(o)
		if err != nil {
			t.Fatal(err)
		}
		return src.Dataset()
	}
	want := dataset(base())
	if strings.Contains(want, "s3cret-pw") || strings.Contains(want, "cn=reader") {
		t.Fatalf("dataset %q holds the credentials", want)
	}
	same := map[string]func(*ldap.Options){
		"password rotated": func(o *ldap.Options) { o.BindPassword = "n3w" },
		"bind DN":          func(o *ldap.Options) { o.BindDN = "cn=sync,dc=example,dc=org" },
		"page size":        func(o *ldap.Options) { o.PageSize = 10 },
		"nickname mapping": func(o *ldap.Options) { o.Attributes.Nickname = "cn" },
	}
	for name, change := range same {
		o := base()
		change(&o)
		if got := dataset(o); got != want {
			t.Errorf("%s: dataset %q, want %q", name, got, want)
		}
	}
	other := map[string]func(*ldap.Options){
		"server":       func(o *ldap.Options) { o.URL = "ldap://dc2.example.org" },
		"users base":   func(o *ldap.Options) { o.Users.BaseDN = "ou=contractors,dc=example,dc=org" },
		"users filter": func(o *ldap.Options) { o.Users.Filter = "(objectClass=person)" },
		"groups":       func(o *ldap.Options) { o.Groups.BaseDN = "ou=groups,dc=example,dc=org" },
		"OUs":          func(o *ldap.Options) { o.OUs.BaseDN = "dc=example,dc=org" },
	}
	for name, change := range other {
		o := base()
		change(&o)
		if got := dataset(o); got == want {
			t.Errorf("%s: dataset unchanged %q", name, got)
		}
	}
}
