package datasync

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/uptrace/bun"
)

// pullSeen is what a pull emitted: the uids of each data type, and the
// data types in the order they first came; recordBase is the last sync
// record id before the pull.
type pullSeen struct {
	uids       map[DataType]map[string]struct{}
	order      []DataType
	recordBase int64
}

func newPullSeen(recordBase int64) *pullSeen {
	return &pullSeen{uids: map[DataType]map[string]struct{}{}, recordBase: recordBase}
}

// add notes the uids of d, once it has been applied.
func (p *pullSeen) add(d *UserData) {
	set, ok := p.uids[d.DataType]
	if !ok {
		set = make(map[string]struct{}, len(d.Records))
		p.uids[d.DataType] = set
		p.order = append(p.order, d.DataType)
	}
	for _, rec := range d.Records {
		if uid, ok := rec.UID(); ok {
			set[uid] = struct{}{}
		}
	}
}

// sweep ends a complete pull: a record the source synced before and did
// not emit this time has left the source, and the policy's OnMissing says
// what becomes of it (see planSweep): nothing (keep), deleted ({"uid",
// "isDeleted": true}, so its resources remove what it made), or marked
// missing (disable). Only data types the pull emitted are swept (a source
// that sends no departments sweeps none), the last emitted first (users
// leave before their departments go). A pull that failed or stopped short
// never gets here: its run rolls back.
//
// The users the sweep would newly disable or delete go only within the
// policy's DeletionLimits, or when they are exactly what an administrator
// approved (pr.approved is their fingerprint). A refusal that can be
// approved still runs the whole sweep, to plan it: the error carries the
// plans, and the run's transaction rolls back.
func (m *Manager) sweep(ctx context.Context, tx bun.Tx, pr *pullRun, seen *pullSeen) error {
	if pr.policy.OnMissing == MissingKeep {
		return nil
	}
	sp, err := planSweep(ctx, tx, pr, seen)
	if err != nil {
		return err
	}
	refused := sp.refusal(pr)
	if refused != nil && refused.Fingerprint == "" {
		return refused
	}
	collect := pr.collect || pr.taskID != 0 || refused != nil
	for _, part := range sp.parts {
		data := UserData{DataType: part.dataType, SourceName: pr.name, Records: part.records}
		r, err := m.syncData(ctx, tx, data, pr.policy, collect)
		if err != nil {
			return fmt.Errorf("datasync: source %q: %s the %d %s records it no longer has: %w", pr.name, part.action, len(part.records), part.dataType, err)
		}
		if refused != nil {
			refused.Plans = append(refused.Plans, r.plan())
			continue
		}
		if err := m.partDone(ctx, tx, pr, r); err != nil {
			return err
		}
	}
	if refused != nil {
		return refused
	}
	return nil
}

// sweptRecord is what the sweep syncs for a uid the source no longer has,
// to delete what it made.
func sweptRecord(uid string) Record { return Record{"uid": uid, "isDeleted": true} }

// goneRecord is a sync record its source did not emit in a complete pull.
type goneRecord struct {
	uid string
	// missingSince is the record's mark when an earlier pull found it
	// missing, "" when not.
	missingSince string
}

// goneRecords lists the source's sync records of dataType that are not in
// seen, in the order they were first synced, and counts the records
// synced before the pull that are neither deleted nor missing: the
// deletion limits' whole. Both leave out the records an earlier sweep
// deleted (their hash is a swept record's).
func goneRecords(ctx context.Context, db bun.IDB, enc *recordEncoder, source string, dataType DataType, seen *pullSeen) (gone []goneRecord, synced int, err error) {
	rows, err := db.NewSelect().TableExpr("?", recordsTable).Column("id", "sourceUk", "metaHash").
		ColumnExpr("? AS ?", missingSinceExpr(db), bun.Ident("missingSince")).
		Where("? = ? AND ? = ?", bun.Ident("sourceName"), source, bun.Ident("dataType"), dataType).
		OrderExpr("? ASC", bun.Ident("id")).
		Rows(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("datasync: read the %s sync records of %q: %w", dataType, source, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var uid string
		var hash, since sql.NullString
		if err := rows.Scan(&id, &uid, &hash, &since); err != nil {
			return nil, 0, fmt.Errorf("datasync: read the %s sync records of %q: %w", dataType, source, err)
		}
		if _, sum, err := enc.encode(sweptRecord(uid)); err == nil && hash.String == sum {
			continue
		}
		if id <= seen.recordBase && !since.Valid {
			synced++
		}
		if _, ok := seen.uids[dataType][uid]; !ok {
			gone = append(gone, goneRecord{uid: uid, missingSince: since.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("datasync: read the %s sync records of %q: %w", dataType, source, err)
	}
	return gone, synced, nil
}

// lastRecordID is the newest sync record's id: the records a run adds
// have larger ones.
func lastRecordID(ctx context.Context, db bun.IDB) (int64, error) {
	var id int64
	err := db.NewSelect().TableExpr("?", recordsTable).ColumnExpr("COALESCE(MAX(?), 0)", bun.Ident("id")).Scan(ctx, &id)
	if err != nil {
		return 0, fmt.Errorf("datasync: read the last sync record id: %w", err)
	}
	return id, nil
}
