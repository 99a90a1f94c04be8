package datasync

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// UnsyncedClearer is a resource that can delete the rows no source synced:
// what a source's first sync does with "firstSync": "clear". The manager
// does not know what a resource's rows are; the users resource implements
// it for the users no sync record is linked to (never a root user), with
// their memberships.
type UnsyncedClearer interface {
	// ClearUnsynced deletes, inside tx, the resource's rows that no sync
	// record of any source links to, and returns how many it deleted.
	// sourceName is the source whose first sync asks for it.
	ClearUnsynced(ctx context.Context, tx bun.IDB, sourceName string) (int, error)
}

// beforePull runs before a source's records come in, inside the run's
// transaction: the dataset-switch check of a task run (see
// [DatasetSwitchError]) and, on the source's first sync, the clear its
// "firstSync" option may ask for. A source's first sync is one where it
// has no sync records yet: a source that has synced never clears again,
// and a confirmed dataset switch is not a first sync (it would otherwise
// delete the rows the source had adopted, which the switch leaves in
// place).
func (m *Manager) beforePull(ctx context.Context, tx bun.Tx, pr *pullRun) error {
	synced, err := sourceHasRecords(ctx, tx, pr.name)
	if err != nil {
		return err
	}
	if err := m.checkDataset(ctx, tx, pr, synced); err != nil {
		return err
	}
	if synced || pr.policy.FirstSync != FirstSyncClear {
		return nil
	}
	return m.clearUnsynced(ctx, tx, pr.name)
}

// checkDataset compares the dataset a task run reads with the one its
// source's records came from. Equal, unknown (no earlier task run kept
// one) or a source with no records: the run goes on. Different: the run
// is refused, or, with ConfirmDatasetSwitch, the source's synced data is
// cleared first. The dataset is kept for the next run (in tx, so only a
// run that commits keeps it).
func (m *Manager) checkDataset(ctx context.Context, tx bun.Tx, pr *pullRun, synced bool) error {
	if pr.dataset == "" {
		return nil
	}
	stored, err := storedDataset(ctx, tx, pr.name)
	if err != nil {
		return err
	}
	if synced && stored != "" && stored != pr.dataset {
		if !pr.policy.ConfirmDatasetSwitch {
			return &DatasetSwitchError{SourceName: pr.name}
		}
		rep, err := m.clearSource(ctx, tx, pr.name)
		if err != nil {
			return fmt.Errorf("datasync: source %q switched datasets: clear what it synced: %w", pr.name, err)
		}
		m.log.Warn("datasync: source switched datasets: cleared what it synced from the old one",
			"source", pr.name, "deleted", rep.deleted(), "unlinked", rep.Unlinked)
	}
	if stored == pr.dataset {
		return nil // an unchanged source writes nothing
	}
	return saveDataset(ctx, tx, pr.name, pr.dataset)
}

// clearUnsynced has every registered UnsyncedClearer delete the rows no
// source synced.
func (m *Manager) clearUnsynced(ctx context.Context, tx bun.Tx, sourceName string) error {
	for _, res := range m.Resources() {
		c, ok := res.(UnsyncedClearer)
		if !ok {
			continue
		}
		n, err := c.ClearUnsynced(ctx, tx, sourceName)
		if err != nil {
			return fmt.Errorf("datasync: source %q: first sync: clear the rows of %q no source synced: %w", sourceName, res.Name(), err)
		}
		m.log.Info("datasync: first sync cleared the rows no source synced", "source", sourceName, "resource", res.Name(), "deleted", n)
	}
	return nil
}

// sourceHasRecords reports whether the source has sync records of any
// data type (swept ones included: the source synced them once).
func sourceHasRecords(ctx context.Context, db bun.IDB, sourceName string) (bool, error) {
	exists, err := db.NewSelect().TableExpr("?", recordsTable).
		Where("? = ?", bun.Ident("sourceName"), sourceName).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("datasync: look for the sync records of %q: %w", sourceName, err)
	}
	return exists, nil
}
