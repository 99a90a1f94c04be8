package datasync

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

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
// not emit this time has left the source, and is synced as deleted
// ({"uid", "isDeleted": true}), so its resources remove what it made.
// Only data types the pull emitted are swept (a source that sends no
// departments deletes none), the last emitted first (users leave their
// departments before the departments go). A record swept by an earlier
// pull is not sent again. Users go only within limits. A pull that failed
// or stopped short never gets here: its run rolls back.
func (m *Manager) sweep(ctx context.Context, tx bun.Tx, source string, seen *pullSeen, limits DeletionLimits, collect bool, part func(*run)) error {
	enc := newRecordEncoder()
	for _, dataType := range slices.Backward(seen.order) {
		gone, synced, err := unseenUIDs(ctx, tx, enc, source, dataType, seen)
		if err != nil {
			return err
		}
		if len(gone) == 0 {
			continue
		}
		if dataType == DataTypeUser {
			if err := limits.check(len(gone), synced); err != nil {
				return err
			}
		}
		data := UserData{DataType: dataType, SourceName: source, Records: make([]Record, len(gone))}
		for i, uid := range gone {
			data.Records[i] = sweptRecord(uid)
		}
		r, err := m.syncData(ctx, tx, data, collect)
		if err != nil {
			return fmt.Errorf("datasync: source %q: delete the %d %s records it no longer has: %w", source, len(gone), dataType, err)
		}
		if part != nil {
			part(r)
		}
	}
	return nil
}

// sweptRecord is what the sweep syncs for a uid the source no longer has.
func sweptRecord(uid string) Record { return Record{"uid": uid, "isDeleted": true} }

// unseenUIDs lists the uids of the source's sync records of dataType that
// are not in seen, in the order they were first synced, and counts the
// records synced before the pull: both leave out the records an earlier
// sweep deleted (their hash is a swept record's).
func unseenUIDs(ctx context.Context, db bun.IDB, enc *recordEncoder, source string, dataType DataType, seen *pullSeen) (gone []string, synced int, err error) {
	rows, err := db.NewSelect().TableExpr("?", recordsTable).Column("id", "sourceUk", "metaHash").
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
		var hash sql.NullString
		if err := rows.Scan(&id, &uid, &hash); err != nil {
			return nil, 0, fmt.Errorf("datasync: read the %s sync records of %q: %w", dataType, source, err)
		}
		if _, sum, err := enc.encode(sweptRecord(uid)); err == nil && hash.String == sum {
			continue
		}
		if id <= seen.recordBase {
			synced++
		}
		if _, ok := seen.uids[dataType][uid]; !ok {
			gone = append(gone, uid)
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
