package ldap_test

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/ldap"
)

func TestNewRefusesOptions(t *testing.T) {
	valid := func() ldap.Options {
		return ldap.Options{URL: "ldap://127.0.0.1:389", BindDN: readerDN, BindPassword: "s3cret-pw", Users: ldap.Search{BaseDN: baseDN}}
	}
	cases := []struct {
		name   string
		change func(o *ldap.Options)
		field  string // "" for valid options
	}{
		{"valid", func(o *ldap.Options) {}, ""},
		{"ldaps", func(o *ldap.Options) { o.URL = "ldaps://dc.example.org"; o.TLS = &tls.Config{ServerName: "dc"} }, ""},
		{"StartTLS", func(o *ldap.Options) { o.StartTLS = true }, ""},
		{"Active Directory", func(o *ldap.Options) {
			ad := ldap.ActiveDirectory("ldaps://dc.example.org", "dc=example,dc=org")
			ad.BindDN, ad.BindPassword = o.BindDN, o.BindPassword
			*o = ad
		}, ""},
		{"StartTLS over ldaps", func(o *ldap.Options) { o.URL = "ldaps://dc.example.org"; o.StartTLS = true }, "StartTLS"},
		{"no URL", func(o *ldap.Options) { o.URL = "" }, "URL"},
		{"http URL", func(o *ldap.Options) { o.URL = "http://example.org" }, "URL"},
		{"credentials in the URL", func(o *ldap.Options) { o.URL = "ldap://admin:pw@example.org" }, "URL"},
		{"password without DN", func(o *ldap.Options) { o.BindDN = "" }, "BindDN"},
		{"no users base", func(o *ldap.Options) { o.Users.BaseDN = "" }, "Users.BaseDN"},
		{"bad users filter", func(o *ldap.Options) { o.Users.Filter = "(uid=a" }, "Users.Filter"},
		{"bad groups filter", func(o *ldap.Options) { o.Groups.Filter = "objectClass=group" }, "Groups.Filter"},
		{"unknown scope", func(o *ldap.Options) { o.OUs.Scope = 7 }, "OUs.Scope"},
		{"negative timeout", func(o *ldap.Options) { o.Timeout = -1 }, "Timeout"},
		{"negative chunk", func(o *ldap.Options) { o.ChunkSize = -1 }, "ChunkSize"},
		{"negative depth", func(o *ldap.Options) { o.Groups.NestedDepth = -1 }, "Groups.NestedDepth"},
		{"memberOf without groups", func(o *ldap.Options) { o.Attributes.MemberOf = "memberOf" }, "Attributes.MemberOf"},
		{"disabled without attribute", func(o *ldap.Options) { o.Disabled.Bitmask = 2 }, "Disabled.Attribute"},
		{"disabled value and bitmask", func(o *ldap.Options) { o.Disabled = ldap.Disabled{Attribute: "x", Value: "y", Bitmask: 2} }, "Disabled"},
		{"disabled neither", func(o *ldap.Options) { o.Disabled = ldap.Disabled{Attribute: "x"} }, "Disabled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := valid()
			c.change(&o)
			src, err := ldap.New(o)
			if c.field == "" {
				if err != nil || src == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, datasync.ErrInvalidSource) {
				t.Fatalf("err = %v, want ErrInvalidSource", err)
			}
			if !strings.Contains(err.Error(), "option "+c.field+":") {
				t.Errorf("err = %v, want it to name %s", err, c.field)
			}
			if strings.Contains(err.Error(), o.BindPassword) && o.BindPassword != "" {
				t.Errorf("err shows the password: %v", err)
			}
		})
	}
}
