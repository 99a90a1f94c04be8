package ldap_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/slapdtest"
)

// The directory the fixture holds, and the account the tests bind as. The
// reader is not the rootdn: slapd exempts its rootdn from size limits.
const (
	baseDN       = slapdtest.BaseDN
	readerDN     = "cn=reader,dc=example,dc=org"
	readerSecret = "reader-secret"
	fixtureUsers = 300
	sizeLimit    = slapdtest.SizeLimit
)

// startSlapd starts slapd loaded with testdata/directory.ldif and stops
// it when t ends (see slapdtest for skipping without slapd).
func startSlapd(t testing.TB) *slapdtest.Server {
	t.Helper()
	return slapdtest.Start(t, slapdtest.Options{LDIF: "testdata/directory.ldif"})
}

// startSlapdTLS is startSlapd with a certificate: ldaps:// and StartTLS.
func startSlapdTLS(t testing.TB) *slapdtest.Server {
	t.Helper()
	return slapdtest.Start(t, slapdtest.Options{LDIF: "testdata/directory.ldif", TLS: true})
}
