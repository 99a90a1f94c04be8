package xlsx_test

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/xlsx"
)

// rezip copies the sample workbook's parts as they are, with the
// directory's sizes for part changed to claimed and its compressed bytes
// replaced by padding bytes when padding > 0, and adds any extra parts.
func rezip(t *testing.T, part string, claimed uint64, padding int) string {
	t.Helper()
	src, err := zip.OpenReader("testdata/users.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), "users.xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	for _, f := range src.File {
		h := f.FileHeader
		raw, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(raw)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == part {
			h.UncompressedSize64 = claimed
			if padding > 0 {
				body = make([]byte, padding)
				h.CompressedSize64 = uint64(padding)
			}
		}
		w, err := zw.CreateRaw(&h)
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
	return path
}

func TestOpenRefusesUnsafeZips(t *testing.T) {
	cases := []struct {
		name  string
		path  string
		is    error
		names string
	}{
		// The fuzzer's find: a flipped byte made the shared strings claim
		// 3.7 GB from 226 bytes, and excelize allocated it.
		{"damaged size", rezip(t, "xl/sharedStrings.xml", 3724542403, 0), xlsx.ErrDamaged, `"xl/sharedStrings.xml"`},
		{"part held in memory", rezip(t, "xl/styles.xml", 300<<20, 300<<10), xlsx.ErrTooLarge, `"xl/styles.xml"`},
		{"whole workbook", rezip(t, "xl/worksheets/sheet1.xml", 5<<30, 5<<20), xlsx.ErrTooLarge, "users.xlsx"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := xlsx.File(c.path, xlsx.Options{}).Open(context.Background())
			if err == nil {
				rs.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.names) || !strings.Contains(err.Error(), "users.xlsx") {
				t.Errorf("err = %v, want %v naming users.xlsx and %s", err, c.is, c.names)
			}
		})
	}
}
