package csv_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/csv"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// benchRows is the size of the generated export.
const benchRows = 200_000

// benchCSV is an HR export of benchRows rows: uid, username, nickname,
// email, phone and a 3-level department path out of 1,000; every fifth
// user has a second row, right after the first, in another department.
var benchCSV = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	b.WriteString("uid,username,nickname,email,phone,dept\n")
	row := func(u, dept int) {
		fmt.Fprintf(&b, "u%07d,user%07d,Person %d,user%07d@example.com,+1 555 %07d,Division %d/Group %d/Team %d\n",
			u, u, u, u, u, dept/100, dept/10%10, dept%10)
	}
	for u, n := 0, 0; n < benchRows; u++ {
		row(u, u%1000)
		n++
		if u%5 == 0 && n < benchRows {
			row(u, (u+500)%1000)
			n++
		}
	}
	return b.Bytes()
})

func benchTable() *csv.Table {
	data := benchCSV()
	return csv.New("bench.csv", func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, csv.Options{})
}

// BenchmarkCSVSource is parse and map, no database: both passes of a
// tabular source over the export, with an emit that drops the records.
func BenchmarkCSVSource(b *testing.B) {
	src, err := tabular.NewSource(benchTable(), tabular.Options{
		Mapping: tabular.Mapping{
			UID: "uid", Username: "username", Nickname: "nickname",
			Email: "email", Phone: "phone", DepartmentPath: "dept",
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.SetBytes(int64(len(benchCSV())))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if err := src.Pull(ctx, func(datasync.UserData) error { return nil }); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*benchRows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkTable is this package's share of BenchmarkCSVSource: one pass
// of Rows over the same export.
func BenchmarkTable(b *testing.B) {
	tbl := benchTable()
	ctx := context.Background()
	b.SetBytes(int64(len(benchCSV())))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		rows, err := tbl.Open(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, _, err := rows.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		rows.Close()
		n++
	}
	b.ReportMetric(float64(n*benchRows)/b.Elapsed().Seconds(), "rows/s")
}
