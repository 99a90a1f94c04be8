package datasync

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	// Policy is the source's policy. Nil uses the options of the source
	// row named name when there is one, else DefaultPolicy.
	Policy *Policy
	// Approve is the Fingerprint of a *DeletionLimitError an earlier run
	// returned: when the users this run would disable or delete are
	// exactly those, it goes ahead whatever the DeletionLimits; when the
	// source changed meanwhile, the limits apply as usual (and may refuse
	// again, with a new fingerprint).
	Approve string
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
// and no longer has are disabled, deleted or kept, as the policy's
// OnMissing says. Any error rolls the whole run back; a run its
// DeletionLimits refuse returns a *DeletionLimitError with the plans of
// what it would have done, to approve with RunSourceOptions.Approve.
func (m *Manager) RunSource(ctx context.Context, name string, src Source, opts RunSourceOptions) (*SourceReport, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: a source run needs a source name", ErrInvalidSource)
	}
	if src == nil {
		return nil, fmt.Errorf("%w: source %q: no source", ErrInvalidSource, name)
	}
	pol := opts.Policy
	if pol == nil {
		var err error
		if pol, err = sourcePolicy(ctx, m.db, name); err != nil {
			return nil, err
		}
	}
	report := &SourceReport{SourceName: name, DryRun: opts.DryRun}
	collect := opts.Plans || opts.DryRun
	err := m.withRunTx(ctx, name, func(tx bun.Tx) error {
		err := m.pullInTx(ctx, tx, &pullRun{name: name, src: src, policy: pol, approved: opts.Approve, collect: collect, part: func(r *run) {
			report.add(r, collect)
		}})
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

// pullRun is one run of a source inside its transaction.
type pullRun struct {
	name   string
	src    Source
	policy *Policy
	// row is the source's row in a task run; nil for RunSource.
	row *SyncSource
	// dataset identifies the dataset the source reads (sourceDataset) in
	// a task run; "" for RunSource, which skips the dataset-switch check.
	dataset string
	// taskID is the run's task (0 for RunSource): its history is kept
	// under it.
	taskID int64
	// approved is the fingerprint of the deletions an administrator
	// approved (Approve); "" when none.
	approved string
	// delta reads only what changed since the source's watermark
	// (DeltaSource) and deletes nothing.
	delta   bool
	collect bool
	// state is what applying the policy remembers across parts.
	state *policyState
	// at is when the run began: what marks a record missing, and what
	// purges are measured from.
	at time.Time
	// missing are the uids of the source's users marked missing before
	// the run (see reenable).
	missing map[string]struct{}
	// part, when set, gets each part's run once it is applied.
	part func(*run)
	// watch, in a scheduled run, learns how the source's read ended, so
	// the Scheduler can tell a failure that may pass (see transient).
	watch *runWatch
}

// pullInTx applies everything the source emits inside tx, then, the read
// being complete, deals with what the source no longer has (sweep).
func (m *Manager) pullInTx(ctx context.Context, tx bun.Tx, pr *pullRun) error {
	if err := m.beforePull(ctx, tx, pr); err != nil {
		return err
	}
	base, err := lastRecordID(ctx, tx)
	if err != nil {
		return err
	}
	seen := newPullSeen(base)
	pr.state = &policyState{}
	pr.at = time.Now().UTC().Truncate(time.Second)
	if pr.missing, err = missingUserUIDs(ctx, tx, pr.name); err != nil {
		return err
	}
	emit := func(d UserData) error {
		d.SourceName = pr.name
		if err := applyPolicy(pr.policy, pr.state, &d); err != nil {
			return err
		}
		pr.reenable(&d)
		if err := m.transform(pr.policy, &d); err != nil {
			return err
		}
		r, err := m.syncData(ctx, tx, d, pr.policy, pr.collect || pr.taskID != 0)
		if err != nil {
			return err
		}
		seen.add(&d)
		return m.partDone(ctx, tx, pr, r)
	}
	if pr.delta {
		return m.pullDelta(ctx, tx, pr, emit)
	}
	if err := m.fullPull(ctx, tx, pr, emit); err != nil {
		return err
	}
	return m.sweep(ctx, tx, pr, seen)
}

// partDone hands an applied part to the run's observer and keeps its
// history under the run's task.
func (m *Manager) partDone(ctx context.Context, tx bun.Tx, pr *pullRun, r *run) error {
	if pr.part != nil {
		pr.part(r)
	}
	if pr.taskID == 0 {
		return nil
	}
	return m.recordHistory(ctx, tx, pr.taskID, r)
}
