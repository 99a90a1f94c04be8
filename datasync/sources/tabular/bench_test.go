package tabular_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// benchTable is 100,000 rows of 50,000 users, each in one to three of
// 10,000 departments (every third row a user's further department, as
// several rows of an HR export), with 1,000 top-level paths.
func benchTable() *memTable {
	const rows = 100_000
	t := &memTable{header: []string{"id", "login", "name", "mail", "active", "department"}}
	for i := range rows {
		u := i / 2
		if i%3 == 2 {
			u = (i * 7919) % (rows / 2) // a user seen earlier, far from its first row
		}
		id := strconv.Itoa(u)
		d := (i * 31) % 10_000
		t.rows = append(t.rows, []string{
			id, "user" + id, "Name " + id, "user" + id + "@example.com", "yes",
			"Division " + strconv.Itoa(d%1000) + "/Team " + strconv.Itoa(d),
		})
	}
	return t
}

// BenchmarkPull is both passes over an in-memory table, mapping and
// merging included (no parsing, no database): it reports rows/s.
func BenchmarkPull(b *testing.B) {
	t := benchTable()
	src, err := tabular.NewSource(t, tabular.Options{Mapping: tabular.Mapping{
		UID: "id", Username: "login", Nickname: "name", Email: "mail", Enabled: "active", DepartmentPath: "department",
	}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := src.Pull(context.Background(), func(datasync.UserData) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(t.rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
