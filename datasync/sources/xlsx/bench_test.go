package xlsx_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/xlsx"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
)

// BenchmarkRead reads a 100,000-row, 5-column sheet (phones as numbers,
// shared strings) from end to end, per pass.
func BenchmarkRead(b *testing.B) {
	const n = 100_000
	path := filepath.Join(b.TempDir(), "big.xlsx")
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{"uid", "name", "email", "phone", "department"}); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		row := []any{fmt.Sprintf("e%d", i), fmt.Sprintf("User %d", i), fmt.Sprintf("u%d@example.com", i), 13800000000 + i, fmt.Sprintf("Dept %d", i%100)}
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	f.Close()
	t := xlsx.File(path, xlsx.Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if rows := synctest.CountRows(b, t); rows != n {
			b.Fatalf("read %d rows, want %d", rows, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
