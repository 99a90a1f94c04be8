package xlsx_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/xlsx"
)

// sheetPart is where excelize writes the first sheet.
const sheetPart = "xl/worksheets/sheet1.xml"

// staff writes a workbook of five users, on rows 2 to 6 of sheet "Staff",
// with their phones as numbers, so the phones are in the sheet's XML.
func staff(t *testing.T) string {
	t.Helper()
	s := sheet{"A1": "uid", "B1": "name", "C1": "email", "D1": "phone", "E1": "department"}
	for i := 1; i <= 5; i++ {
		r := i + 1
		s[fmt.Sprint("A", r)] = fmt.Sprint("e", i)
		s[fmt.Sprint("B", r)] = fmt.Sprint("Person ", i)
		s[fmt.Sprint("C", r)] = fmt.Sprintf("p%d@example.com", i)
		s[fmt.Sprint("D", r)] = 13800000000 + i
		s[fmt.Sprint("E", r)] = "R&D"
	}
	return workbook(t, []string{"Staff"}, s)
}

// damage copies the workbook at path into a new users.xlsx, every part as
// it is but the first sheet's, which edit rewrites.
func damage(t *testing.T, path string, edit func(xml string) string) string {
	t.Helper()
	return rewrite(t, path, sheetPart, edit)
}

// rewrite copies the workbook at path into a new users.xlsx, every part as
// it is but part, which edit rewrites.
func rewrite(t *testing.T, path, part string, edit func(xml string) string) string {
	t.Helper()
	src, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range src.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == part {
			edited := edit(string(body))
			if edited == string(body) {
				t.Fatalf("the edit changed nothing in %s", body)
			}
			body = []byte(edited)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "users.xlsx")
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// cutAt cuts the XML just before the first occurrence of mark, plus skip
// bytes of it.
func cutAt(mark string, skip int) func(string) string {
	return func(s string) string {
		i := strings.Index(s, mark)
		if i < 0 {
			return s
		}
		return s[:i+skip]
	}
}

func replace(old, repl string) func(string) string {
	return func(s string) string { return strings.Replace(s, old, repl, 1) }
}

// damages are the ways a sheet's part can come short of whole. Each one
// leaves excelize's iterator ending early or wrong, with no error.
var damages = []struct {
	name string
	edit func(string) string
}{
	{"cut between rows", cutAt(`<row r="4"`, 0)},
	{"cut in a cell", cutAt(`<v>13800000003`, len(`<v>13800`))},
	{"cut in a tag", cutAt(`<c r="B4"`, len(`<c r="B`))},
	{"broken tag", replace(`<row r="4"`, `<row r="4" <`)},
	{"mismatched end tag", replace(`</row><row r="5"`, `</rox><row r="5"`)},
	{"no </sheetData>", replace(`</sheetData>`, ``)},
	{"cut after </sheetData>", cutAt(`</worksheet>`, 0)},
	{"rows out of order", replace(`<row r="5"`, `<row r="3"`)},
	{"an empty sheetData first", replace(`<sheetData>`, `<extLst><sheetData></sheetData></extLst><sheetData>`)},
}

// checkDamaged fails unless err says the read of users.xlsx[Staff] was
// incomplete, without quoting a cell.
func checkDamaged(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, datasync.ErrIncomplete) || !errors.Is(err, xlsx.ErrDamaged) {
		t.Fatalf("err = %v, want ErrIncomplete and ErrDamaged", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "users.xlsx[Staff]") {
		t.Errorf("err = %q, want it to name users.xlsx[Staff]", msg)
	}
	for _, secret := range []string{"1380000", "Person", "example.com", "e3"} {
		if strings.Contains(msg, secret) {
			t.Errorf("err = %q quotes a cell (%s)", msg, secret)
		}
	}
}

func TestDamagedSheetIsIncompleteTable(t *testing.T) {
	good := staff(t)
	_, rows, err := readAll(t, xlsx.File(good, xlsx.Options{}))
	if err != nil || len(rows) != 5 {
		t.Fatalf("the whole workbook: %d rows, %v; want 5 rows", len(rows), err)
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			_, rows, err := readAll(t, xlsx.File(damage(t, good, d.edit), xlsx.Options{}))
			checkDamaged(t, err)
			if len(rows) != 0 {
				t.Errorf("read %d rows of a damaged sheet; want its pass refused before the first", len(rows))
			}
		})
	}
}

func TestDamagedSheetIsIncompletePull(t *testing.T) {
	good := staff(t)
	pull := func(path string) (int, error) {
		src, err := tabular.NewSource(xlsx.File(path, xlsx.Options{Sheet: "Staff"}), tabular.Options{
			Mapping: tabular.Mapping{UID: "uid", Nickname: "name", Email: "email", Phone: "phone", DepartmentPath: "department"},
		})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = src.Pull(context.Background(), func(d datasync.UserData) error {
			if d.DataType == datasync.DataTypeUser {
				n += len(d.Records)
			}
			return nil
		})
		return n, err
	}
	if n, err := pull(good); err != nil || n != 5 {
		t.Fatalf("the whole workbook: %d users, %v; want 5", n, err)
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			_, err := pull(damage(t, good, d.edit))
			checkDamaged(t, err)
		})
	}
}

// TestSheetPartIsFound checks that the check reads the part excelize
// reads, however the workbook points at it, and that a pointer to nothing
// is damage.
func TestSheetPartIsFound(t *testing.T) {
	good := staff(t)
	const rels = "xl/_rels/workbook.xml.rels"
	absolute := rewrite(t, good, rels, replace(`Target="worksheets/sheet1.xml"`, `Target="/xl/worksheets/sheet1.xml"`))
	if _, rows, err := readAll(t, xlsx.File(absolute, xlsx.Options{})); err != nil || len(rows) != 5 {
		t.Errorf("an absolute Target: %d rows, %v; want 5", len(rows), err)
	}
	nowhere := rewrite(t, good, rels, replace(`Target="worksheets/sheet1.xml"`, `Target="worksheets/sheet9.xml"`))
	if _, _, err := readAll(t, xlsx.File(nowhere, xlsx.Options{})); !errors.Is(err, xlsx.ErrDamaged) || !strings.Contains(err.Error(), "sheet9.xml") {
		t.Errorf("a Target to no part: err = %v, want ErrDamaged naming it", err)
	}
}
