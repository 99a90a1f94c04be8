package csv_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/csv"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// row is one row as Rows.Next returns it.
type row struct {
	Line  int
	Cells []string
}

// pass reads a whole pass of t: the header, the rows before the first
// error, and that error (nil at a clean end).
func pass(t *testing.T, tbl tabular.Table) (header []string, got []row, err error) {
	t.Helper()
	rows, err := tbl.Open(context.Background())
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	header = append([]string(nil), rows.Header()...)
	for {
		line, cells, err := rows.Next()
		if err == io.EOF {
			return header, got, nil
		}
		if err != nil {
			return header, got, err
		}
		for i := range cells {
			if rows.Null(i) {
				t.Fatalf("line %d: Null(%d) = true; CSV has no NULL", line, i)
			}
		}
		got = append(got, row{line, append([]string(nil), cells...)})
	}
}

func fromString(name, s string, opts csv.Options) *csv.Table {
	return csv.New(name, func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }, opts)
}

type tableCase struct {
	name   string
	input  string
	opts   csv.Options
	header []string
	rows   []row
	// err, when set, is the RowError the pass ends with.
	err *tabular.RowError
}

func runTableCases(t *testing.T, cases []tableCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			header, rows, err := pass(t, fromString("in.csv", c.input, c.opts))
			if c.err != nil {
				var re *tabular.RowError
				if !errors.As(err, &re) {
					t.Fatalf("err = %v, want a *tabular.RowError", err)
				}
				if *re != *c.err {
					t.Fatalf("err = %#v, want %#v", *re, *c.err)
				}
				if !errors.Is(err, tabular.ErrRow) {
					t.Fatalf("err = %v does not match tabular.ErrRow", err)
				}
			} else if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(header, c.header) {
				t.Errorf("header = %q, want %q", header, c.header)
			}
			if !reflect.DeepEqual(rows, c.rows) {
				t.Errorf("rows = %v, want %v", rows, c.rows)
			}
		})
	}
}

func TestTableRows(t *testing.T) {
	runTableCases(t, []tableCase{
		{name: "plain", input: "uid,name\n1,a\n2,b\n",
			header: []string{"uid", "name"}, rows: []row{{2, []string{"1", "a"}}, {3, []string{"2", "b"}}}},
		{name: "BOM stripped", input: "\uFEFFuid,name\r\n1,a\r\n",
			header: []string{"uid", "name"}, rows: []row{{2, []string{"1", "a"}}}},
		{name: "header names trimmed", input: " uid ,\tname\n1,a\n",
			header: []string{"uid", "name"}, rows: []row{{2, []string{"1", "a"}}}},
		{name: "no final newline", input: "uid\n1",
			header: []string{"uid"}, rows: []row{{2, []string{"1"}}}},
		{name: "TSV", input: "uid\tname\n1\ta, b\n", opts: csv.Options{Comma: '\t'},
			header: []string{"uid", "name"}, rows: []row{{2, []string{"1", "a, b"}}}},
		{name: "semicolon", input: "uid;name\n1;a\n", opts: csv.Options{Comma: ';'},
			header: []string{"uid", "name"}, rows: []row{{2, []string{"1", "a"}}}},
		{name: "quoted newlines keep later lines right", input: "uid,note\n1,\"a\nb\nc\"\n2,x\n3,\"\"\"q\"\"\"\n",
			header: []string{"uid", "note"},
			rows:   []row{{2, []string{"1", "a\nb\nc"}}, {5, []string{"2", "x"}}, {6, []string{"3", `"q"`}}}},
		{name: "blank lines skipped and counted", input: "\nuid\n\n1\n\n\n2\n",
			header: []string{"uid"}, rows: []row{{4, []string{"1"}}, {7, []string{"2"}}}},
		{name: "header only", input: "uid,name\n", header: []string{"uid", "name"}},
		{name: "too few fields", input: "a,b\n1,2\n3\n", header: []string{"a", "b"}, rows: []row{{2, []string{"1", "2"}}},
			err: &tabular.RowError{Table: "in.csv", Line: 3, Reason: "has 1 fields, the header has 2"}},
		{name: "too many fields", input: "a,b\n1,2,3\n", header: []string{"a", "b"},
			err: &tabular.RowError{Table: "in.csv", Line: 2, Reason: "has 3 fields, the header has 2"}},
		{name: "invalid UTF-8", input: "a,b\n1,x\xffy\n", header: []string{"a", "b"},
			err: &tabular.RowError{Table: "in.csv", Line: 2, Column: "b", Reason: "not valid UTF-8"}},
		{name: "invalid UTF-8 in header", input: "a,\xff\n",
			err: &tabular.RowError{Table: "in.csv", Line: 1, Reason: "header column 2 is not valid UTF-8"}},
		{name: "bare quote", input: "a,b\n1,2\n3,x\"y\n", header: []string{"a", "b"}, rows: []row{{2, []string{"1", "2"}}},
			err: &tabular.RowError{Table: "in.csv", Line: 3, Reason: `bare " in non-quoted-field (column 4)`}},
		{name: "unterminated quote", input: "a,b\n1,\"x\ny\n", header: []string{"a", "b"},
			err: &tabular.RowError{Table: "in.csv", Line: 2, Reason: `extraneous or missing " in quoted-field (line 3, column 3)`}},
		{name: "quote in header", input: "a,b\"\n",
			err: &tabular.RowError{Table: "in.csv", Line: 1, Reason: `bare " in non-quoted-field (column 4)`}},
	})
}

func TestTableFile(t *testing.T) {
	want := [][]string{
		{"e1", "ada", "Ada Lovelace", "ada@example.com", "+44 20 0000 0001", "Engineering/Compilers"},
		{"e1", "ada", "Ada Lovelace", "ada@example.com", "+44 20 0000 0001", "Research"},
		{"e2", "grace", "Grace Hopper", "grace@example.com", "+1 202 000 0002", "Engineering/Compilers"},
		{"e3", "alan", "Turing, Alan", "alan@example.com", "", "Research/Cryptography"},
	}
	// users.csv starts with a BOM; users.tsv is found to be tab-separated
	// by its name alone.
	for _, path := range []string{"testdata/users.csv", "testdata/users.tsv"} {
		t.Run(path, func(t *testing.T) {
			tbl := csv.File(path, csv.Options{})
			if got, wantName := tbl.Name(), path[len("testdata/"):]; got != wantName {
				t.Errorf("Name() = %q, want %q", got, wantName)
			}
			header, rows, err := pass(t, tbl)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"uid", "username", "nickname", "email", "phone", "dept"}; !reflect.DeepEqual(header, want) {
				t.Errorf("header = %q, want %q", header, want)
			}
			if len(rows) != len(want) {
				t.Fatalf("%d rows, want %d", len(rows), len(want))
			}
			for i, r := range rows {
				if r.Line != i+2 || !reflect.DeepEqual(r.Cells, want[i]) {
					t.Errorf("row %d = %v, want line %d %q", i, r, i+2, want[i])
				}
			}
		})
	}
}

func TestTableName(t *testing.T) {
	if got := csv.File("/data/hr/users.csv", csv.Options{}).Name(); got != "users.csv" {
		t.Errorf("File name = %q", got)
	}
	if got := csv.File("/data/hr/users.csv", csv.Options{Name: "HR export"}).Name(); got != "HR export" {
		t.Errorf("File with Options.Name = %q", got)
	}
	if got := fromString("upload", "", csv.Options{}).Name(); got != "upload" {
		t.Errorf("New name = %q", got)
	}
}

func TestTableNoHeader(t *testing.T) {
	for _, input := range []string{"", "\n\n\r\n", "\uFEFF", "\uFEFF\n"} {
		_, _, err := pass(t, fromString("empty.csv", input, csv.Options{}))
		if !errors.Is(err, csv.ErrNoHeader) || !strings.Contains(err.Error(), "empty.csv") {
			t.Errorf("%q: err = %v, want ErrNoHeader naming empty.csv", input, err)
		}
	}
}

func TestTableInvalidDelimiter(t *testing.T) {
	for _, comma := range []rune{'"', '\n', '\r', -1} {
		_, _, err := pass(t, fromString("in.csv", "a\n1\n", csv.Options{Comma: comma}))
		if !errors.Is(err, datasync.ErrInvalidSource) {
			t.Errorf("comma %q: err = %v, want ErrInvalidSource", comma, err)
		}
	}
}

func TestTableOpenError(t *testing.T) {
	_, _, err := pass(t, csv.File("testdata/missing.csv", csv.Options{}))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
}

// TestTableErrorsHideCells checks that no error repeats a cell: the cell
// may be personal data and errors end up in task messages and logs.
func TestTableErrorsHideCells(t *testing.T) {
	const secret = "s3cret-value"
	for _, input := range []string{
		"a,b\n" + secret + "\n",
		"a,b\n1," + secret + "\xff\n",
		"a,b\n1," + secret + "\"\n",
		"a,b\n1,\"" + secret,
	} {
		_, _, err := pass(t, fromString("in.csv", input, csv.Options{}))
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("%q: err = %v, want an error without the cell", input, err)
		}
	}
}

// failingReader returns its data, then err: a connection lost part-way.
type failingReader struct {
	data   string
	err    error
	closed bool
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func (r *failingReader) Close() error {
	r.closed = true
	return nil
}

func TestTableReadErrorIsIncomplete(t *testing.T) {
	lost := errors.New("connection reset")
	var b strings.Builder
	b.WriteString("uid,name\n")
	for range 10000 {
		b.WriteString("12345,somebody\n")
	}
	full := b.String()
	// Cut mid-header, at a row boundary, and mid-row: none may look like
	// the end of the file.
	for _, n := range []int{4, len("uid,name\n") + 15*500, len(full) / 2} {
		fr := &failingReader{data: full[:n], err: lost}
		tbl := csv.New("in.csv", func() (io.ReadCloser, error) { return fr, nil }, csv.Options{})
		_, _, err := pass(t, tbl)
		if !errors.Is(err, datasync.ErrIncomplete) || !errors.Is(err, lost) {
			t.Errorf("cut at %d: err = %v, want ErrIncomplete and the cause", n, err)
		}
		var re *csv.ReadError
		if !errors.As(err, &re) || re.Table != "in.csv" {
			t.Errorf("cut at %d: err = %#v, want a *csv.ReadError for in.csv", n, err)
		}
		if !fr.closed {
			t.Errorf("cut at %d: stream not closed", n)
		}
	}
}

func TestTableContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fr := &failingReader{data: "uid\n1\n2\n", err: io.EOF}
	tbl := csv.New("in.csv", func() (io.ReadCloser, error) { return fr, nil }, csv.Options{})
	rows, err := tbl.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if line, _, err := rows.Next(); err != nil || line != 2 {
		t.Fatalf("Next = %d, %v", line, err)
	}
	cancel()
	_, _, err = rows.Next()
	if !errors.Is(err, context.Canceled) || !errors.Is(err, datasync.ErrIncomplete) {
		t.Fatalf("after cancel: err = %v, want context.Canceled and ErrIncomplete", err)
	}
	if want := "csv: in.csv: read stopped after line 2: context canceled"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if err := rows.Close(); err != nil || !fr.closed {
		t.Fatalf("Close = %v, closed = %v", err, fr.closed)
	}
	if _, err := tbl.Open(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open on a cancelled context: err = %v", err)
	}
}
