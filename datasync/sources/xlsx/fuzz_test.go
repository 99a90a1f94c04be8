package xlsx_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/xlsx"
)

// FuzzFile reads mutated workbooks: an upload is user input, and user
// input never panics. Every pass either fails to open, or reads to the end
// or to an error, with rows of the header's width.
func FuzzFile(f *testing.F) {
	sample, err := os.ReadFile("testdata/users.xlsx")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.xlsx")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		rs, err := xlsx.File(path, xlsx.Options{}).Open(context.Background())
		if err != nil {
			return
		}
		defer rs.Close()
		for {
			_, cells, err := rs.Next()
			if err != nil {
				if err != io.EOF && err.Error() == "" {
					t.Fatal("an error without a message")
				}
				return
			}
			if len(cells) != len(rs.Header()) {
				t.Fatalf("a row of %d cells under a header of %d", len(cells), len(rs.Header()))
			}
		}
	})
}
