package tree

import (
	"fmt"
	"slices"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// Options maps a table's columns to departments. The zero value reads a
// FineReport-style did/fid table whose top level has a NULL parent.
type Options struct {
	// ID and Parent are the columns of a node's id and its parent's id
	// (FineReport's did and fid); "did" and "fid" when empty.
	ID, Parent string
	// Title is the column of the department's title; when empty the id is
	// the title.
	Title string
	// Path, instead of ID and Parent, is a column holding a department's
	// path ("Sales/EMEA/Berlin"): every prefix is a department. It cannot
	// be set together with ID, Parent or Title.
	Path string
	// PathSeparator separates a path's segments; "/" when empty.
	PathSeparator string
	// EmptyParentIsRoot makes an empty parent cell mean the top level, for
	// tables that have no NULL (CSV, Excel). By default only a NULL parent
	// is the top level and an empty one is an error naming the row: in a
	// database export an empty string is far more often a mistake.
	EmptyParentIsRoot bool
	// Fields maps further department record fields (e.g. "sort", a custom
	// field) to columns.
	Fields map[string]string
	// ChunkSize is how many departments one emitted UserData carries;
	// datasync.DefaultChunkSize when 0.
	ChunkSize int
}

// reservedFields are the record keys the source sets itself.
var reservedFields = []string{"uid", "title", "parentUid", "isDeleted"}

// normalise checks o and fills in its defaults. Its errors wrap
// datasync.ErrInvalidSource.
func (o Options) normalise() (Options, error) {
	if o.ChunkSize < 0 {
		return o, invalid("ChunkSize %d is negative", o.ChunkSize)
	}
	if o.ChunkSize == 0 {
		o.ChunkSize = datasync.DefaultChunkSize
	}
	for field, column := range o.Fields {
		if slices.Contains(reservedFields, field) {
			return o, invalid("Fields[%q]: the source sets %q itself", field, field)
		}
		if field == "" || column == "" {
			return o, invalid("Fields: an empty field or column name")
		}
	}
	if o.Path != "" {
		return o.normalisePath()
	}
	if o.PathSeparator != "" {
		return o, invalid("PathSeparator is only for a Path column")
	}
	if o.ID == "" {
		o.ID = "did"
	}
	if o.Parent == "" {
		o.Parent = "fid"
	}
	if o.ID == o.Parent {
		return o, invalid("ID and Parent are the same column %q", o.ID)
	}
	return o, nil
}

func (o Options) normalisePath() (Options, error) {
	if o.ID != "" || o.Parent != "" || o.Title != "" {
		return o, invalid("Path names departments by their path: ID, Parent and Title must be empty")
	}
	if o.EmptyParentIsRoot {
		return o, invalid("EmptyParentIsRoot is only for ID/Parent tables")
	}
	if o.PathSeparator == "" {
		o.PathSeparator = "/"
	}
	return o, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: tree: "+format, append([]any{datasync.ErrInvalidSource}, args...)...)
}
