package ldap_test

import (
	"context"
	"crypto/tls"
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/ldap"
)

func TestPullOverTLS(t *testing.T) {
	srv := startSlapdTLS(t)
	trusting := &tls.Config{RootCAs: srv.Roots, MinVersion: tls.VersionTLS12}
	for _, c := range []struct {
		name     string
		url      string
		startTLS bool
		tls      *tls.Config
		ok       bool
	}{
		{"StartTLS", srv.URL, true, trusting, true},
		{"ldaps", srv.LDAPS, false, trusting, true},
		{"ldaps, certificate not trusted", srv.LDAPS, false, nil, false},
		{"StartTLS, certificate not trusted", srv.URL, true, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := fixtureOptions(c.url)
			opts.StartTLS, opts.TLS = c.startTLS, c.tls
			if c.ok {
				if got := pull(t, opts); len(got.users) != fixtureUsers {
					t.Fatalf("%d users, want %d", len(got.users), fixtureUsers)
				}
				return
			}
			src, err := ldap.New(opts)
			if err != nil {
				t.Fatal(err)
			}
			err = src.Pull(context.Background(), func(datasync.UserData) error { return nil })
			if !errors.Is(err, datasync.ErrSourceAPI) || !errors.Is(err, datasync.ErrIncomplete) {
				t.Fatalf("err = %v, want the certificate refused", err)
			}
		})
	}
}
