package csv_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/csv"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// FuzzCSVSource feeds random files through a tabular source. Whatever the
// bytes, Pull must not panic, every record it emits must have a uid, and
// every error must say where the file is wrong: a *tabular.RowError with
// a line, a *tabular.HeaderError (a mapped column missing or named
// twice), or ErrNoHeader for a file without a header. A read of bytes in
// memory never fails, so a ReadError would be a bug.
func FuzzCSVSource(f *testing.F) {
	for _, path := range []string{"testdata/users.csv", "testdata/users.tsv"} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"",
		"\uFEFF",
		"username,email,dept\n",
		"username,email,dept\nada,ada@example.com,Sales/EMEA\nada,,Sales/APAC\n",
		"username,email,dept\r\nada,\"a\r\nb\",x\r\n",
		"username,email,dept\nada,a@x,\"Sales\"EMEA\"\n",
		"username,email,dept\nada,a@x\n",
		"username,email,dept\nada,a@x,Sales//EMEA\n",
		"username,email,dept\n,a@x,Sales\n",
		"username,email,dept\nada,\xff,Sales\n",
		"username,username,dept\n",
		"email,dept\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl := csv.New("fuzz.csv", func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, csv.Options{})
		src, err := tabular.NewSource(tbl, tabular.Options{
			Mapping:   tabular.Mapping{Username: "username", Email: "email", DepartmentPath: "dept"},
			ChunkSize: 3,
		})
		if err != nil {
			t.Fatal(err)
		}
		err = src.Pull(context.Background(), func(d datasync.UserData) error {
			for i, rec := range d.Records {
				if _, ok := rec.UID(); !ok {
					t.Fatalf("%s record %d has no uid: %v", d.DataType, i, rec)
				}
			}
			return nil
		})
		if err == nil {
			return
		}
		var (
			rowErr    *tabular.RowError
			headerErr *tabular.HeaderError
			readErr   *csv.ReadError
		)
		switch {
		case errors.As(err, &readErr):
			t.Fatalf("a read from memory failed: %v", err)
		case errors.As(err, &rowErr):
			if rowErr.Line < 1 || rowErr.Table != "fuzz.csv" {
				t.Fatalf("row error without a line or table: %#v", rowErr)
			}
		case errors.As(err, &headerErr):
			if headerErr.Table != "fuzz.csv" {
				t.Fatalf("header error without the table: %#v", headerErr)
			}
		case errors.Is(err, csv.ErrNoHeader):
		default:
			t.Fatalf("unexpected error %T: %v", err, err)
		}
	})
}
