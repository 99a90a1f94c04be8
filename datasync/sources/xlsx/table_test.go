package xlsx_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/xlsx"
)

// sheet is the content of one sheet for workbook: cell reference → value.
type sheet map[string]any

// workbook writes an .xlsx file with the sheets in order and returns its
// path. A time.Time cell gets a yyyy-mm-dd date format, as a date typed
// into Excel would.
func workbook(t *testing.T, names []string, sheets ...sheet) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	dateFmt := "yyyy-mm-dd"
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for ref, v := range sheets[i] {
			if err := f.SetCellValue(name, ref, v); err != nil {
				t.Fatal(err)
			}
			if _, ok := v.(time.Time); ok {
				if err := f.SetCellStyle(name, ref, ref, date); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	path := filepath.Join(t.TempDir(), "users.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// row is what one Next call returned.
type row struct {
	Line  int
	Cells []string
}

// readAll reads a pass to the end, or to its first error.
func readAll(t *testing.T, tb tabular.Table) (header []string, got []row, err error) {
	t.Helper()
	rs, err := tb.Open(context.Background())
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if cerr := rs.Close(); cerr != nil {
			t.Errorf("Close: %v", cerr)
		}
	}()
	for {
		line, cells, err := rs.Next()
		if err == io.EOF {
			return rs.Header(), got, nil
		}
		if err != nil {
			return rs.Header(), got, err
		}
		got = append(got, row{line, append([]string(nil), cells...)})
	}
}

func TestFileReadsTheFirstSheet(t *testing.T) {
	path := workbook(t, []string{"Staff", "Departments"},
		sheet{
			// Rows 1 and 2 are blank: the header is the first non-empty row.
			"A3": "uid", "B3": " phone ", "C3": "employee no", "D3": "hired", "E3": "score", "F3": "name",
			"A4": "e1", "B4": 13800000000, "C4": 12345678901234, "D4": time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "E4": 3.25, "F4": "Ada",
			// Row 5 is absent: a blank row in the middle is skipped.
			"A6": "e2", "C6": 7, "F6": "Grace", // empty cells in the middle
			"A7": "e3", "B7": "+86 138 0000 0001", // a short row
			"A8": true,
		},
		sheet{"A1": "did", "A2": "rnd"},
	)
	tb := xlsx.File(path, xlsx.Options{})
	header, got, err := readAll(t, tb)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"uid", "phone", "employee no", "hired", "score", "name"}, header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	want := []row{
		{4, []string{"e1", "13800000000", "12345678901234", "2024-03-01", "3.25", "Ada"}},
		{6, []string{"e2", "", "7", "", "", "Grace"}},
		{7, []string{"e3", "+86 138 0000 0001", "", "", "", ""}},
		{8, []string{"TRUE", "", "", "", "", ""}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if got, want := tb.Name(), "users.xlsx[Staff]"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
}

func TestFileReadsANamedSheet(t *testing.T) {
	path := workbook(t, []string{"Staff", "Departments"},
		sheet{"A1": "uid", "A2": "e1"},
		sheet{"A1": "did", "B1": "name", "A2": 10, "B2": "R&D", "A3": 11, "B3": "Sales"},
	)
	tb := xlsx.File(path, xlsx.Options{Sheet: "Departments"})
	if got, want := tb.Name(), "users.xlsx[Departments]"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	header, got, err := readAll(t, tb)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"did", "name"}, header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	want := []row{{2, []string{"10", "R&D"}}, {3, []string{"11", "Sales"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestPassesRepeat(t *testing.T) {
	path := workbook(t, []string{"Staff"}, sheet{"A1": "uid", "A2": "e1", "A4": "e2"})
	tb := xlsx.File(path, xlsx.Options{})
	_, first, err := readAll(t, tb)
	if err != nil {
		t.Fatal(err)
	}
	_, second, err := readAll(t, tb)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, second); diff != "" || len(first) != 2 {
		t.Errorf("second pass differs or is short (-first +second):\n%s", diff)
	}
}

func TestCellRightOfTheHeaderIsARowError(t *testing.T) {
	path := workbook(t, []string{"Staff"}, sheet{
		"A1": "uid", "B1": "name",
		"A2": "e1", "B2": "Ada",
		"A3": "e2", "B3": "Grace", "D3": "secret",
	})
	_, got, err := readAll(t, xlsx.File(path, xlsx.Options{}))
	var re *tabular.RowError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *tabular.RowError", err)
	}
	if re.Line != 3 || re.Table != "users.xlsx[Staff]" || !errors.Is(err, tabular.ErrRow) {
		t.Errorf("RowError = %+v, want line 3 of users.xlsx[Staff]", re)
	}
	if strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "column D") {
		t.Errorf("error %q should name column D and not quote the cell", err)
	}
	if len(got) != 1 {
		t.Errorf("read %d rows before the error, want 1", len(got))
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.xlsx")
	if err := os.WriteFile(corrupt, []byte("PK\x03\x04 not really a zip"), 0o600); err != nil {
		t.Fatal(err)
	}
	encrypted := filepath.Join(dir, "locked.xlsx")
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "uid")
	if err := f.SaveAs(encrypted, excelize.Options{Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	legacy := filepath.Join(dir, "old.xls")
	if err := os.WriteFile(legacy, append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), 0o600); err != nil {
		t.Fatal(err)
	}
	good := workbook(t, []string{"Staff"}, sheet{"A1": "uid"})
	empty := workbook(t, []string{"Staff", "Blank"}, sheet{"A1": "uid"}, sheet{})

	cases := []struct {
		name   string
		table  *xlsx.Table
		is     error
		naming []string
	}{
		{"missing file", xlsx.File(filepath.Join(dir, "gone.xlsx"), xlsx.Options{}), os.ErrNotExist, []string{"gone.xlsx"}},
		{"corrupt", xlsx.File(corrupt, xlsx.Options{}), nil, []string{"corrupt.xlsx"}},
		{"xls", xlsx.File(legacy, xlsx.Options{}), nil, []string{"old.xls", ".xls workbook"}},
		{"encrypted", xlsx.File(encrypted, xlsx.Options{}), xlsx.ErrEncrypted, []string{"locked.xlsx"}},
		{"missing sheet", xlsx.File(good, xlsx.Options{Sheet: "Payroll"}), xlsx.ErrSheetNotFound, []string{"users.xlsx", `"Payroll"`}},
		{"no header", xlsx.File(empty, xlsx.Options{Sheet: "Blank"}), xlsx.ErrNoHeader, []string{"users.xlsx[Blank]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := c.table.Open(context.Background())
			if err == nil {
				rs.Close()
				t.Fatal("Open succeeded")
			}
			var oe *xlsx.OpenError
			if !errors.As(err, &oe) {
				t.Errorf("err = %T %v, want an *xlsx.OpenError", err, err)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("err = %v, want it to match %v", err, c.is)
			}
			for _, s := range c.naming {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("err = %q, want it to name %s", err, s)
				}
			}
		})
	}
}

func TestCancelMidRead(t *testing.T) {
	path := workbook(t, []string{"Staff"}, sheet{"A1": "uid", "A2": "e1", "A3": "e2"})
	ctx, cancel := context.WithCancel(context.Background())
	rs, err := xlsx.File(path, xlsx.Options{}).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if _, _, err := rs.Next(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, _, err := rs.Next(); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "after row 2") {
		t.Errorf("Next after cancel = %v, want context.Canceled naming row 2", err)
	}
}

// countdown is a context cancelled after its Err has been asked n times.
type countdown struct {
	context.Context
	n int
}

func (c *countdown) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

// TestCancelWhileChecking cancels Open while it checks the sheet's XML,
// which for a big sheet takes a while.
func TestCancelWhileChecking(t *testing.T) {
	path := workbook(t, []string{"Staff"}, sheet{"A1": "uid", "A2": "e1", "A3": "e2"})
	ctx := &countdown{Context: context.Background(), n: 2} // Open's first look, then row 1
	rs, err := xlsx.File(path, xlsx.Options{}).Open(ctx)
	if err == nil {
		rs.Close()
	}
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "up to row 2") {
		t.Errorf("Open = %v, want context.Canceled at row 2", err)
	}
}

// TestCloseReleasesTheFile checks that no descriptor stays open on the
// workbook, during a pass or after it, so the file can be replaced.
func TestCloseReleasesTheFile(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd to count open files")
	}
	path := workbook(t, []string{"Staff"}, sheet{"A1": "uid", "A2": "e1"})
	rs, err := xlsx.File(path, xlsx.Options{}).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	during := openOn(t, path)
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
	if after := openOn(t, path); during+after != 0 {
		t.Errorf("descriptors on the workbook: %d during the pass, %d after Close; want 0", during, after)
	}
}

func openOn(t *testing.T, path string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && target == path {
			n++
		}
	}
	return n
}
