package datasync

import (
	"context"
	"fmt"
)

// runPerRecord is NocoBase's loop for a resource with only the per-record
// interface: Update with the primary keys of the record's links to the
// resource, or Create when it has none. Unlike NocoBase it skips records
// that are unchanged since their last successful sync, so a re-sync costs
// the resource nothing. In a dry run nothing is called: the plan lists the
// calls (and a planned Create shows as a link, as a batch create does).
func (r *run) runPerRecord(ctx context.Context, s *resourceStep, c *chunk) (*ResourcePlan, []FailedRecord, error) {
	name := s.res.Name()
	plan := &ResourcePlan{Resource: name, PerRecord: true}
	var failures []FailedRecord
	for i := range c.recs {
		rec := &c.recs[i]
		if rec.Unchanged {
			plan.Unchanged++
			continue
		}
		pks := rec.LinksTo(name)
		if len(pks) == 0 {
			plan.Creates = append(plan.Creates, RecordChange{UID: rec.SourceUk})
		} else {
			plan.Updates = append(plan.Updates, RecordChange{UID: rec.SourceUk, PK: pks[0]})
		}
		if r.dryRun {
			if len(pks) == 0 {
				rec.Resources = append(rec.Resources, Link{Resource: name, New: true})
			}
			continue
		}
		changes, recErr, err := r.callPerRecord(ctx, s.perRecord, rec, pks)
		if err != nil {
			return nil, nil, err
		}
		if recErr != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, nil, fmt.Errorf("datasync: %s: run stopped at records[%d]: %w", name, rec.Index, ctxErr)
			}
			failed := FailedRecord{Record: rec.MetaData, Message: recErr.Error()}
			r.markFailed(name, c, []FailedRecord{failed})
			if !r.m.opts.SkipFailed {
				return nil, nil, &FailedError{Resource: name, Failures: []FailedRecord{failed}}
			}
			failures = append(failures, failed)
			continue
		}
		// Written record by record, as NocoBase does: the resource's next
		// call may look its earlier records' links up.
		if err := r.applyLinkChanges(ctx, name, c, changes); err != nil {
			return nil, nil, err
		}
	}
	return plan, failures, nil
}

// callPerRecord calls Create or Update for rec and returns its link
// changes, or the record's error (recErr). With SkipFailed the call runs
// inside a savepoint, so a failed record's partial writes are undone and
// the run goes on; err is a savepoint that failed, which stops the run.
func (r *run) callPerRecord(ctx context.Context, res UserDataResource, rec *BatchRecord, pks []string) (changes []LinkChange, recErr, err error) {
	call := func() ([]RecordResourceChanged, error) {
		if len(pks) == 0 {
			return res.Create(ctx, r.db, &rec.OriginRecord, r.matchKey)
		}
		return res.Update(ctx, r.db, &rec.OriginRecord, pks, r.matchKey)
	}
	var changed []RecordResourceChanged
	if r.m.opts.SkipFailed {
		changed, recErr, err = r.inSavepoint(ctx, call)
	} else {
		changed, recErr = call()
	}
	if recErr != nil || err != nil {
		return nil, recErr, err
	}
	changes = make([]LinkChange, len(changed))
	for i, ch := range changed {
		changes[i] = LinkChange{UID: rec.SourceUk, ResourcePk: ch.ResourcePk, IsDeleted: ch.IsDeleted}
	}
	return changes, nil, nil
}

// savepoint is the one the engine sets around a per-record call; calls do
// not nest, so one name serves.
const savepoint = "gatehouse_datasync_record"

func (r *run) inSavepoint(ctx context.Context, call func() ([]RecordResourceChanged, error)) (changed []RecordResourceChanged, recErr, err error) {
	if _, err := r.db.ExecContext(ctx, "SAVEPOINT "+savepoint); err != nil {
		return nil, nil, fmt.Errorf("datasync: savepoint: %w", err)
	}
	changed, recErr = call()
	if recErr != nil {
		if _, err := r.db.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+savepoint); err != nil {
			return nil, recErr, fmt.Errorf("datasync: undo a failed record: %w (it failed with: %w)", err, recErr)
		}
	}
	if _, err := r.db.ExecContext(ctx, "RELEASE SAVEPOINT "+savepoint); err != nil {
		return nil, recErr, fmt.Errorf("datasync: release savepoint: %w", err)
	}
	return changed, recErr, nil
}
