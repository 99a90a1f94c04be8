package tree_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tree"
)

func TestNewSourceRefuses(t *testing.T) {
	var table tabular.Table = parseTable("did,fid")
	cases := []struct {
		name  string
		opts  tree.Options
		want  string
		table tabular.Table
	}{
		{"negative chunk size", tree.Options{ChunkSize: -1}, "ChunkSize -1 is negative", table},
		{"a field the source sets", tree.Options{Fields: map[string]string{"parentUid": "p"}}, `Fields["parentUid"]`, table},
		{"an empty column name", tree.Options{Fields: map[string]string{"sort": ""}}, "empty field or column", table},
		{"path and id", tree.Options{Path: "p", ID: "did"}, "ID, Parent and Title must be empty", table},
		{"path and title", tree.Options{Path: "p", Title: "t"}, "ID, Parent and Title must be empty", table},
		{"path and EmptyParentIsRoot", tree.Options{Path: "p", EmptyParentIsRoot: true}, "EmptyParentIsRoot is only", table},
		{"a separator without a path", tree.Options{PathSeparator: ">"}, "PathSeparator is only", table},
		{"id and parent the same column", tree.Options{ID: "x", Parent: "x"}, `the same column "x"`, table},
		{"no table", tree.Options{}, "no table", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := tree.NewSource(c.table, c.opts)
			if src != nil || !errors.Is(err, datasync.ErrInvalidSource) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("NewSource = %v, %v; want an ErrInvalidSource saying %q", src, err, c.want)
			}
		})
	}
}

func TestMissingColumn(t *testing.T) {
	for _, c := range []struct {
		header string
		opts   tree.Options
		want   string
	}{
		{"did,title", tree.Options{}, `tree: tree.csv: column "fid" is not in the header`},
		{"did,fid,title", tree.Options{Title: "name"}, `tree: tree.csv: column "name" is not in the header`},
		{"did,fid,title", tree.Options{Fields: map[string]string{"sort": "ord"}}, `tree: tree.csv: column "ord" is not in the header`},
		{"did,fid,title", tree.Options{Path: "path"}, `tree: tree.csv: column "path" is not in the header`},
	} {
		got, err := pullAll(t, parseTable(c.header+"\na,\\N,A"), c.opts)
		if got != nil || err == nil || err.Error() != c.want {
			t.Errorf("%+v: Pull = %d records, %v; want %q", c.opts, len(got), err, c.want)
		}
	}
}
