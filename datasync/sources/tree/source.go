package tree

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// Source is a [datasync.Source] that reads a tree of departments from a
// [tabular.Table].
type Source struct {
	table tabular.Table
	opts  Options
	// fields are the keys of opts.Fields, sorted: nodes hold their values
	// in this order, so records come out the same on every pull.
	fields []string
}

var _ datasync.DatasetSource = (*Source)(nil)

// Dataset names the table the source reads (see [tabular.Dataset]), so
// that pointing a source at another table is a dataset switch.
func (s *Source) Dataset() string { return tabular.Dataset(s.table) }

// NewSource returns a source reading departments from t as opts maps
// them. Options it cannot use are an error wrapping
// datasync.ErrInvalidSource; columns are checked against the header at
// each pull, since the table may change between pulls.
func NewSource(t tabular.Table, opts Options) (*Source, error) {
	if t == nil {
		return nil, invalid("no table")
	}
	o, err := opts.normalise()
	if err != nil {
		return nil, err
	}
	return &Source{table: t, opts: o, fields: slices.Sorted(maps.Keys(o.Fields))}, nil
}

// Pull reads the whole table, checks the tree, and emits it as
// department records, parents before children, Options.ChunkSize records
// per UserData. Nothing is emitted unless the whole table was read and
// every row is right: row errors come back joined (each a
// *tabular.RowError, at most about 20), a table that failed part-way or a
// cancelled ctx as an error wrapping datasync.ErrIncomplete. emit's error
// is returned unchanged.
func (s *Source) Pull(ctx context.Context, emit func(datasync.UserData) error) error {
	f, errs, err := s.read(ctx)
	if err != nil {
		return err
	}
	parentColumn := s.opts.Parent
	if s.opts.Path != "" {
		parentColumn = s.opts.Path
	}
	order := f.order(errs, parentColumn)
	if err := errs.err(); err != nil {
		return fmt.Errorf("tree: %w", err) // each row error names the table
	}
	for lo := 0; lo < len(order); lo += s.opts.ChunkSize {
		chunk := order[lo:min(lo+s.opts.ChunkSize, len(order))]
		recs := make([]datasync.Record, len(chunk))
		for i, n := range chunk {
			recs[i] = f.nodes[n].record(s.fields)
		}
		if err := emit(datasync.UserData{DataType: datasync.DataTypeDepartment, Records: recs}); err != nil {
			return err
		}
	}
	return nil
}

// record is the node's department record: NocoBase's FormatDepartment.
func (n *node) record(fields []string) datasync.Record {
	rec := datasync.Record{"uid": n.uid, "title": n.title}
	if !n.root {
		rec["parentUid"] = n.parentUID
	}
	for i, v := range n.extra {
		rec[fields[i]] = v
	}
	return rec
}
