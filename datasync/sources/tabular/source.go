package tabular

import (
	"context"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// Source is a [datasync.Source] over a [Table]: it maps each row to a user
// record and makes departments from path columns. Build it with
// [NewSource].
type Source struct {
	table Table
	opts  Options
}

var _ datasync.DatasetSource = (*Source)(nil)

// Dataset names the table the source reads (see [Dataset]), so that
// pointing a source at another table is a dataset switch.
func (s *Source) Dataset() string { return Dataset(s.table) }

// NewSource returns a source reading t through opts. Options that cannot
// work are an error wrapping datasync.ErrInvalidSource: neither a UID nor
// a Username column, both Department and DepartmentPath, a Fields entry
// without a column or naming a reserved field (uid, departments, roles,
// isDeleted, parentUid, or one the Mapping has a column for by name), a
// negative ChunkSize. Whether the table has the mapped columns is checked
// at each Pull, against the header it then has.
func NewSource(t Table, opts Options) (*Source, error) {
	if t == nil {
		return nil, fmt.Errorf("%w: tabular: no table", datasync.ErrInvalidSource)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return &Source{table: t, opts: opts}, nil
}

// Pull reads the table twice. The first pass validates every row, counts
// each user's rows and gathers the department paths, then emits the
// departments, parents first. The second pass emits the users, each
// merged from its rows as soon as its last row is read. An error of the
// table, or a table that changed between the passes, matches
// datasync.ErrIncomplete; a bad row is a *RowError; emit's error is
// returned unchanged.
func (s *Source) Pull(ctx context.Context, emit func(datasync.UserData) error) error {
	counts, depts, total, err := s.firstPass(ctx)
	if err != nil {
		return err
	}
	if depts != nil {
		if err := depts.emit(newChunker(datasync.DataTypeDepartment, "", s.opts.ChunkSize, emit)); err != nil {
			return err
		}
	}
	return s.secondPass(ctx, counts, depts, total, emit)
}

// firstPass counts the rows of each user uid and collects the department
// paths (nil without a DepartmentPath column).
func (s *Source) firstPass(ctx context.Context) (*rowCounts, *departments, int, error) {
	counts := newRowCounts()
	var depts *departments
	if s.opts.Mapping.DepartmentPath != "" {
		depts = newDepartments(s.opts.PathSeparator)
	}
	total, err := s.scan(ctx, func(_ *columns, w *row) error {
		counts.add(w.uid)
		if depts != nil && w.dept != "" {
			depts.add(w.dept, w.path)
		}
		return nil
	})
	return counts, depts, total, err
}

// secondPass emits the users. counts is used up: each row read takes one
// off its user's count, and a user whose count reaches zero is complete.
// As many rows as the first pass, none beyond a user's count, means every
// count reached zero: every user was emitted.
func (s *Source) secondPass(ctx context.Context, counts *rowCounts, depts *departments, total int, emit func(datasync.UserData) error) error {
	name := s.table.Name()
	users := newChunker(datasync.DataTypeUser, s.opts.MatchKey, s.opts.ChunkSize, emit)
	pending := make(map[int32]*partialUser) // users some of whose rows are still to come
	n, err := s.scan(ctx, func(cols *columns, w *row) error {
		at, ok := counts.take(w.uid)
		if !ok {
			return changedError(name, fmt.Sprintf("line %d has a user row the first pass did not", w.line))
		}
		if depts != nil && w.dept != "" && !depts.has(w.dept) {
			return changedError(name, fmt.Sprintf("line %d has a department path the first pass did not", w.line))
		}
		if at.first && at.last {
			return users.add(oneRowRecord(cols, w))
		}
		p := pending[at.user]
		if at.first {
			p = newPartialUser(cols, w.uid)
			pending[at.user] = p
		}
		if err := p.merge(name, cols, w); err != nil {
			return err
		}
		if !at.last {
			return nil
		}
		delete(pending, at.user)
		return users.add(p.record(cols))
	})
	if err != nil {
		return err
	}
	if n != total {
		return changedError(name, fmt.Sprintf("%d rows, then %d", total, n))
	}
	return users.flush()
}
