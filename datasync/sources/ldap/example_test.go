package ldap_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/ldap"
)

// A source is pulled by a datasync manager; here its output is counted.
// It needs a server, so the example only compiles.
func Example() {
	src, err := ldap.New(ldap.Options{
		URL:          "ldap://127.0.0.1:389",
		StartTLS:     true,
		BindDN:       "cn=reader,dc=example,dc=org",
		BindPassword: "reader-secret",
		Users:        ldap.Search{BaseDN: "ou=people,dc=example,dc=org"},
		OUs:          ldap.Search{BaseDN: "ou=people,dc=example,dc=org"},
		Groups:       ldap.GroupSearch{Search: ldap.Search{BaseDN: "ou=groups,dc=example,dc=org"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	n := map[datasync.DataType]int{}
	err = src.Pull(context.Background(), func(d datasync.UserData) error {
		n[d.DataType] += len(d.Records)
		return nil
	})
	if errors.Is(err, datasync.ErrIncomplete) {
		log.Fatal("the directory was not read whole; nothing may be deleted: ", err)
	}
	fmt.Println(n[datasync.DataTypeDepartment], "departments,", n[datasync.DataTypeUser], "users")
}

// Options are checked before any connection: an error names the option.
func ExampleNew() {
	_, err := ldap.New(ldap.Options{
		URL:      "ldaps://dc.example.org",
		StartTLS: true,
		Users:    ldap.Search{BaseDN: "dc=example,dc=org"},
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, datasync.ErrInvalidSource))
	// Output:
	// datasync: invalid source: ldap: option StartTLS: an ldaps:// URL is TLS already; use ldap:// with StartTLS
	// true
}

// ActiveDirectory fills in a domain's attributes and filters.
func ExampleActiveDirectory() {
	opts := ldap.ActiveDirectory("ldaps://dc.example.org", "dc=example,dc=org")
	opts.BindDN, opts.BindPassword = "CN=sync,CN=Users,DC=example,DC=org", "secret"
	fmt.Println(opts.Attributes.ID, opts.Attributes.Username, opts.Disabled.Attribute, opts.Disabled.Bitmask)
	_, err := ldap.New(opts)
	fmt.Println(err)
	// Output:
	// objectGUID sAMAccountName userAccountControl 2
	// <nil>
}
