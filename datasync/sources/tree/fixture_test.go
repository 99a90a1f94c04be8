package tree_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tree"
)

// pullCase is one table pulled with options: either the records it emits
// (in order) or the row errors it fails with (their messages, in order).
type pullCase struct {
	name  string
	opts  tree.Options
	table string
	want  []datasync.Record
	errs  []string
}

func runCases(t *testing.T, cases []pullCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := pullAll(t, parseTable(c.table), c.opts)
			if c.errs == nil {
				if err != nil {
					t.Fatalf("Pull: %v", err)
				}
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Errorf("records (-want +got):\n%s", diff)
				}
				return
			}
			if got != nil {
				t.Errorf("a failed pull emitted %d records", len(got))
			}
			if diff := cmp.Diff(c.errs, rowErrorMessages(t, err)); diff != "" {
				t.Errorf("row errors (-want +got):\n%s", diff)
			}
		})
	}
}

// pullAll pulls the table and returns every record emitted, in order.
func pullAll(t testing.TB, table tabular.Table, opts tree.Options) ([]datasync.Record, error) {
	t.Helper()
	src, err := tree.NewSource(table, opts)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	var got []datasync.Record
	err = src.Pull(context.Background(), func(d datasync.UserData) error {
		if d.DataType != datasync.DataTypeDepartment {
			t.Errorf("emitted data type %q", d.DataType)
		}
		got = append(got, d.Records...)
		return nil
	})
	return got, err
}

// rowErrors flattens err (wraps and joins) into its row errors, failing
// the test if any part of it is something else.
func rowErrors(t testing.TB, err error) []*tabular.RowError {
	t.Helper()
	var out []*tabular.RowError
	var walk func(error)
	walk = func(e error) {
		switch e := e.(type) {
		case *tabular.RowError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		default:
			t.Errorf("error part %T (%v) is not a *tabular.RowError", e, e)
		}
	}
	if err == nil {
		t.Fatal("want row errors, got nil")
	}
	walk(err)
	if !errors.Is(err, tabular.ErrRow) {
		t.Errorf("%v does not match tabular.ErrRow", err)
	}
	return out
}

func rowErrorMessages(t testing.TB, err error) []string {
	t.Helper()
	var out []string
	for _, e := range rowErrors(t, err) {
		out = append(out, e.Error())
	}
	return out
}
