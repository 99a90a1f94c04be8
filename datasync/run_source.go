package datasync

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// RunSourceOptions change how [Manager.RunSource] runs a source.
type RunSourceOptions struct {
	// DryRun rolls the run back at its end: the report says what the run
	// would write, and nothing stays written. (A source's later parts
	// depend on what its earlier parts write, such as the departments a
	// user joins, so a dry run of a whole source writes and then undoes.)
	DryRun bool
	// Plans keeps the plan of every part in the report. Plans hold every
	// change, so their memory grows with the changes; the totals do not.
	Plans bool
	// Limits bound the synced users the run may delete.
	Limits DeletionLimits
}

// SourceReport is what [Manager.RunSource] did or, dry, would do.
type SourceReport struct {
	SourceName string
	DryRun     bool
	// Totals sum the parts' progress per data type and resource, in the
	// order they first ran. Read is how many records the resource was
	// handed, Deleted includes the records the source no longer has.
	Totals []Progress
	// Plans are the parts' plans, in order, the deletions last (with
	// RunSourceOptions.Plans or DryRun).
	Plans []*Plan
}

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("datasync: dry run")

// RunSource runs src now, as the source named name, and reports what it
// did: what [Manager.Pull] does in the background with a registered
// source type and a task, for a host or tool that holds a Source itself.
// Everything src emits is applied in one transaction; when src.Pull
// returns nil (a complete read), the records the source synced before
// and no longer has are deleted. Any error rolls the whole run back.
func (m *Manager) RunSource(ctx context.Context, name string, src Source, opts RunSourceOptions) (*SourceReport, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: a source run needs a source name", ErrInvalidSource)
	}
	if src == nil {
		return nil, fmt.Errorf("%w: source %q: no source", ErrInvalidSource, name)
	}
	report := &SourceReport{SourceName: name, DryRun: opts.DryRun}
	collect := opts.Plans || opts.DryRun
	err := m.withRunTx(ctx, name, func(tx bun.Tx) error {
		err := m.pullInTx(ctx, tx, name, src, opts.Limits, collect, func(r *run) {
			report.add(r, collect)
		})
		if err == nil && opts.DryRun {
			return errDryRun
		}
		return err
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, err
	}
	return report, nil
}

// add sums a part's progress into the report, and keeps its plan.
func (rep *SourceReport) add(r *run, collect bool) {
	for _, s := range r.steps {
		rep.addProgress(s.progress)
	}
	if collect {
		rep.Plans = append(rep.Plans, r.plan())
	}
}

func (rep *SourceReport) addProgress(p Progress) {
	for i := range rep.Totals {
		t := &rep.Totals[i]
		if t.DataType == p.DataType && t.Resource == p.Resource {
			t.Read += p.Read
			t.Created += p.Created
			t.Updated += p.Updated
			t.Deleted += p.Deleted
			t.Unchanged += p.Unchanged
			t.Failed += p.Failed
			t.Disabled += p.Disabled
			t.Memberships += p.Memberships
			return
		}
	}
	rep.Totals = append(rep.Totals, p)
}

// pullInTx applies everything src emits inside tx, then, the read being
// complete, deletes what the source no longer has within limits (sweep).
// part, when set, gets each part's run once it is applied.
func (m *Manager) pullInTx(ctx context.Context, tx bun.Tx, name string, src Source, limits DeletionLimits, collect bool, part func(*run)) error {
	base, err := lastRecordID(ctx, tx)
	if err != nil {
		return err
	}
	seen := newPullSeen(base)
	err = src.Pull(ctx, func(d UserData) error {
		d.SourceName = name
		r, err := m.syncData(ctx, tx, d, collect)
		if err != nil {
			return err
		}
		seen.add(&d)
		if part != nil {
			part(r)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return m.sweep(ctx, tx, name, seen, limits, collect, part)
}
