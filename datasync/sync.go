package datasync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// UpdateOrCreate runs data through every resource that accepts its type,
// in resource order, in one transaction: NocoBase's updateOrCreate. It
// stores each record as a sync record (the previous one becomes
// lastMetaData), hands the records to the resources chunk by chunk, and
// records the links the resources return. Records whose content is the
// same as at their last successful sync cost no writes.
//
// Invalid data fails with a *DataError before anything is written. A
// failed record stops the run with a *FailedError and nothing is written,
// unless Options.SkipFailed is set: the results then list it, as
// NocoBase's do. The results hold one SyncResult per resource.
func (m *Manager) UpdateOrCreate(ctx context.Context, data UserData) ([]SyncResult, error) {
	pol, uids, err := m.prepare(ctx, &data)
	if err != nil {
		return nil, err
	}
	var results []SyncResult
	err = m.withRunTx(ctx, data.SourceName, func(tx bun.Tx) error {
		r, err := m.runData(ctx, tx, &data, uids, pol, false, false)
		if err != nil {
			return err
		}
		results = r.results()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// Plan computes what UpdateOrCreate would do with data, writing nothing (a
// dry run): the resources plan each chunk in a read-only transaction
// (REPEATABLE READ on PostgreSQL, so every chunk sees the same snapshot)
// that is then rolled back. Records a resource cannot apply are listed in
// its plan's Failures rather than failing the call. Pass the plan to
// [Manager.Apply] to carry it out.
func (m *Manager) Plan(ctx context.Context, data UserData) (*Plan, error) {
	pol, uids, err := m.prepare(ctx, &data)
	if err != nil {
		return nil, err
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if m.db.Dialect().Name() == dialect.PG {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := m.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("datasync: begin the plan's transaction: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only: nothing to keep or lose
	r, err := m.runData(ctx, tx, &data, uids, pol, true, true)
	if err != nil {
		return nil, err
	}
	return r.plan(), nil
}

// Apply carries out a plan made by [Manager.Plan]: it runs the plan's data
// as UpdateOrCreate does while collecting the plan the run follows, and
// commits only if that plan equals the given one. If the directory or the
// sync records changed in between, it returns ErrStalePlan and writes
// nothing: plan again.
func (m *Manager) Apply(ctx context.Context, plan *Plan) ([]SyncResult, error) {
	if plan == nil || plan.data.Records == nil {
		return nil, &DataError{Message: "the plan carries no data: make it with Manager.Plan"}
	}
	data := plan.data
	pol, uids, err := m.prepare(ctx, &data)
	if err != nil {
		return nil, err
	}
	var results []SyncResult
	err = m.withRunTx(ctx, data.SourceName, func(tx bun.Tx) error {
		r, err := m.runData(ctx, tx, &data, uids, pol, false, true)
		var failed *FailedError
		if errors.As(err, &failed) && !planFails(plan) {
			return fmt.Errorf("%w: %w", ErrStalePlan, err)
		}
		if err != nil {
			return err
		}
		got := r.plan()
		if !reflect.DeepEqual(got.Records, plan.Records) || !reflect.DeepEqual(got.Resources, plan.Resources) {
			return ErrStalePlan
		}
		results = r.results()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// planFails reports whether a plan lists failures: a run of it then stops
// (without SkipFailed) as the plan said it would, which is not staleness.
func planFails(p *Plan) bool {
	for _, rp := range p.Resources {
		if len(rp.Failures) > 0 {
			return true
		}
	}
	return false
}

// withRunTx begins the run transaction, serialises runs of sourceName
// (PostgreSQL: pg_advisory_xact_lock on a key derived from the source
// name, held until the transaction ends; SQLite serialises writers
// itself), calls fn, commits on nil and rolls back on error or panic.
func (m *Manager) withRunTx(ctx context.Context, sourceName string, fn func(tx bun.Tx) error) error {
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("datasync: begin the run's transaction: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback() // the run's error (or panic) is what the caller needs
		}
	}()
	if m.db.Dialect().Name() == dialect.PG {
		// Advisory locks are database-wide; the schema in the key keeps the
		// sync tables of different schemas (tenants, tests) from waiting
		// on each other.
		var schema string
		if err := tx.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return fmt.Errorf("datasync: read the current schema: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", runLockKey(schema, sourceName)); err != nil {
			return fmt.Errorf("datasync: wait for other runs of source %q: %w", sourceName, err)
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	done = true
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("datasync: commit the run: %w", err)
	}
	return nil
}

// runLockKey is the advisory lock of a source's runs: a hash of its schema
// and name, in a namespace of gatehouse's own so hosts' locks do not
// collide with it.
func runLockKey(schema, sourceName string) int64 {
	h := fnv.New64a()
	h.Write([]byte("gatehouse/datasync/run\x00"))
	h.Write([]byte(schema))
	h.Write([]byte{0})
	h.Write([]byte(sourceName))
	return int64(h.Sum64())
}

// prepare loads the policy of data's source and prepares data under it
// (prepareWith).
func (m *Manager) prepare(ctx context.Context, data *UserData) (*Policy, map[string]int, error) {
	pol, err := sourcePolicy(ctx, m.db, data.SourceName)
	if err != nil {
		return nil, nil, err
	}
	uids, err := m.prepareWith(pol, data)
	if err != nil {
		return nil, nil, err
	}
	return pol, uids, nil
}

// prepareWith applies pol to data (its identity and match key, see
// applyPolicy), lets the resources transform it and validates it,
// returning its uids. A push is one UserData: there are no other parts to
// remember for (nil state), so its departments' references are translated
// within it only.
func (m *Manager) prepareWith(pol *Policy, data *UserData) (map[string]int, error) {
	if err := applyPolicy(pol, nil, data); err != nil {
		return nil, err
	}
	if err := m.transform(pol, data); err != nil {
		return nil, err
	}
	return m.validate(data)
}

// syncData runs one UserData inside tx: UpdateOrCreate without its own
// transaction, for source runs, which apply many UserData in one. It
// validates data first; collect keeps the run's plan.
func (m *Manager) syncData(ctx context.Context, tx bun.Tx, data UserData, pol *Policy, collect bool) (*run, error) {
	uids, err := m.validate(&data)
	if err != nil {
		return nil, err
	}
	return m.runData(ctx, tx, &data, uids, pol, false, collect)
}
