package datasync

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ClearReport is what [Manager.Clear] removed.
type ClearReport struct {
	SourceName string `json:"sourceName"`
	// Totals are the deletions per data type and resource, users first:
	// Read is how many of the source's records each resource was handed,
	// Deleted how many rows it deleted, Unchanged the records it had
	// nothing to delete for (a root user is Kept and counts here too).
	Totals []Progress `json:"totals"`
	// Unlinked counts the adopted rows left in place and unlinked.
	Unlinked int `json:"unlinked"`
}

// deleted sums the report's deletions.
func (r *ClearReport) deleted() int {
	n := 0
	for _, p := range r.Totals {
		n += p.Deleted
	}
	return n
}

// clearOrder is the order Clear deletes in: users leave their departments
// before the departments go.
var clearOrder = []DataType{DataTypeUser, DataTypeDepartment}

// Clear removes what the source named sourceName synced ("clear synced
// data"), in one run transaction:
//
//   - the rows the source adopted (took over rather than created, see
//     [SyncAdoption]) are unlinked and left as they are;
//   - every other record of the source is synced as deleted, users first,
//     so that the resources delete what they made: users with their
//     memberships, departments (never a root user); deletion limits do
//     not apply, clearing is the operator's explicit request;
//   - the source's sync records, their links and its state are removed,
//     and its row (if any) is disabled, which stops its schedule.
//
// Memberships the source gave an adopted user in a department it did not
// create stay with the user. A record a resource cannot delete (a
// department that still has sub-departments no source synced) fails
// Clear, and nothing is removed. Clearing a source with nothing synced,
// or an unknown name, reports zeros: Clear can be run again.
func (m *Manager) Clear(ctx context.Context, sourceName string) (*ClearReport, error) {
	if sourceName == "" {
		return nil, fmt.Errorf("%w: clearing a source needs its name", ErrInvalidSource)
	}
	var rep *ClearReport
	err := m.withRunTx(ctx, sourceName, func(tx bun.Tx) error {
		var err error
		if rep, err = m.clearSource(ctx, tx, sourceName); err != nil {
			return err
		}
		return disableSource(ctx, tx, sourceName)
	})
	if err != nil {
		return nil, fmt.Errorf("datasync: clear source %q: %w", sourceName, err)
	}
	m.log.Info("datasync: cleared the data a source synced", "source", sourceName, "deleted", rep.deleted(), "unlinked", rep.Unlinked)
	return rep, nil
}

// clearSource is Clear's work inside tx, without disabling the source: a
// confirmed dataset switch clears this way and syncs on.
func (m *Manager) clearSource(ctx context.Context, tx bun.Tx, sourceName string) (*ClearReport, error) {
	rep := &ClearReport{SourceName: sourceName}
	var err error
	if rep.Unlinked, err = unlinkAdopted(ctx, tx, sourceName); err != nil {
		return nil, err
	}
	totals := &SourceReport{}
	enc := newRecordEncoder()
	for _, dataType := range clearOrder {
		if !m.Supports(dataType) {
			continue
		}
		uids, err := clearedUIDs(ctx, tx, enc, sourceName, dataType)
		if err != nil {
			return nil, err
		}
		if len(uids) == 0 {
			continue
		}
		r, err := m.deleteRecords(ctx, tx, sourceName, dataType, uids)
		if err != nil {
			return nil, err
		}
		totals.add(r, false)
	}
	rep.Totals = totals.Totals
	return rep, removeSourceRecords(ctx, tx, sourceName)
}

// deleteRecords syncs the source's records of uids as deleted, and fails
// when a resource could not delete one, even with Options.SkipFailed:
// their records are removed next, and what they made would be left
// behind, belonging to no source.
func (m *Manager) deleteRecords(ctx context.Context, tx bun.Tx, sourceName string, dataType DataType, uids []string) (*run, error) {
	data := UserData{DataType: dataType, SourceName: sourceName, Records: make([]Record, len(uids))}
	for i, uid := range uids {
		data.Records[i] = sweptRecord(uid)
	}
	// The default policy: deleting needs none of the source's options,
	// and a source whose options no longer parse can still be cleared.
	r, err := m.syncData(ctx, tx, data, DefaultPolicy(), false)
	if err != nil {
		return nil, fmt.Errorf("delete the %d %s records: %w", len(uids), dataType, err)
	}
	for _, res := range r.results() {
		if failed := res.Detail.FailedRecords; len(failed) > 0 {
			return nil, fmt.Errorf("delete the %d %s records: %w", len(uids), dataType, &FailedError{Resource: res.Resource, Failures: failed})
		}
	}
	return r, nil
}

// clearedUIDs lists the uids of the source's records of dataType, in the
// order they were first synced, but those a sweep deleted already (their
// hash is a swept record's): their rows are gone.
func clearedUIDs(ctx context.Context, db bun.IDB, enc *recordEncoder, sourceName string, dataType DataType) ([]string, error) {
	var rows []struct {
		SourceUk string         `bun:"sourceUk"`
		MetaHash sql.NullString `bun:"metaHash"`
	}
	err := db.NewSelect().TableExpr("?", recordsTable).Column("sourceUk", "metaHash").
		Where("? = ? AND ? = ?", bun.Ident("sourceName"), sourceName, bun.Ident("dataType"), dataType).
		OrderExpr("? ASC", bun.Ident("id")).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read the %s sync records of source %q: %w", dataType, sourceName, err)
	}
	uids := make([]string, 0, len(rows))
	for _, row := range rows {
		if _, sum, err := enc.encode(sweptRecord(row.SourceUk)); err == nil && row.MetaHash.String == sum {
			continue
		}
		uids = append(uids, row.SourceUk)
	}
	return uids, nil
}

// unlinkAdopted removes the links of the source's records to the rows it
// adopted, and the adoptions, and returns how many rows it adopted. The
// records, now linked to nothing of theirs, delete nothing when synced as
// deleted.
func unlinkAdopted(ctx context.Context, tx bun.IDB, sourceName string) (int, error) {
	_, err := tx.NewDelete().TableExpr("?", linksTable).
		Where("? IN (SELECT r.? FROM ? AS r WHERE r.? = ?)",
			bun.Ident("recordId"), bun.Ident("id"), recordsTable, bun.Ident("sourceName"), sourceName).
		Where("EXISTS (SELECT 1 FROM ? AS a WHERE a.? = ? AND a.? = ?.? AND a.? = ?.?)",
			bun.Ident("userDataSyncAdoptions"), bun.Ident("sourceName"), sourceName,
			bun.Ident("resource"), linksTable, bun.Ident("resource"),
			bun.Ident("resourcePk"), linksTable, bun.Ident("resourcePk")).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("unlink the rows source %q adopted: %w", sourceName, err)
	}
	res, err := tx.NewDelete().Model((*SyncAdoption)(nil)).
		Where("? = ?", bun.Ident("sourceName"), sourceName).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("remove the adoptions of source %q: %w", sourceName, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("remove the adoptions of source %q: %w", sourceName, err)
	}
	return int(n), nil
}

// removeSourceRecords removes the source's sync records, their links and
// its state: the source starts again as if it had never synced.
func removeSourceRecords(ctx context.Context, tx bun.IDB, sourceName string) error {
	queries := []*bun.DeleteQuery{
		tx.NewDelete().TableExpr("?", linksTable).
			Where("? IN (SELECT r.? FROM ? AS r WHERE r.? = ?)",
				bun.Ident("recordId"), bun.Ident("id"), recordsTable, bun.Ident("sourceName"), sourceName),
		tx.NewDelete().TableExpr("?", recordsTable).Where("? = ?", bun.Ident("sourceName"), sourceName),
		tx.NewDelete().Model((*SyncState)(nil)).Where("? = ?", bun.Ident("sourceName"), sourceName),
	}
	for _, q := range queries {
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("remove the sync records of source %q: %w", sourceName, err)
		}
	}
	return nil
}

// disableSource disables the source's row, if there is one.
func disableSource(ctx context.Context, tx bun.IDB, sourceName string) error {
	_, err := tx.NewUpdate().Model((*SyncSource)(nil)).
		Set("? = ?", bun.Ident("enabled"), false).
		Set("? = ?", bun.Ident("updatedAt"), time.Now().UTC()).
		Where("? = ?", bun.Ident("name"), sourceName).Exec(ctx)
	if err != nil {
		return fmt.Errorf("disable source %q: %w", sourceName, err)
	}
	return nil
}
