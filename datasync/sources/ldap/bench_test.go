package ldap_test

import (
	"context"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/ldap"
)

// BenchmarkPull reads the whole fixture (14 departments, 300 users with
// memberships) from a local slapd, in pages of 100, without a database.
func BenchmarkPull(b *testing.B) {
	srv := startSlapd(b)
	opts := fixtureOptions(srv.URL)
	opts.PageSize = 100
	src, err := ldap.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	entries := 0
	for b.Loop() {
		err := src.Pull(context.Background(), func(d datasync.UserData) error {
			entries += len(d.Records)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(entries)/b.Elapsed().Seconds(), "entries/s")
}
