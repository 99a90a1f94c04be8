package datasync

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/uptrace/bun"
)

// The row shapes below hold only the columns the engine reads or writes,
// so a chunk's statements carry no more than they need (metaData goes in
// as the JSON already made for the hash, not encoded a second time).

// storedRow is a sync record with one of its links (none: the link
// columns are NULL).
type storedRow struct {
	ID         int64
	SourceUk   string
	MetaHash   string
	LinkID     int64
	Resource   string
	ResourcePk string
}

type newRecordRow struct {
	bun.BaseModel `bun:"table:userDataSyncRecords"`
	SourceName    string          `bun:"sourceName"`
	SourceUk      string          `bun:"sourceUk"`
	DataType      DataType        `bun:"dataType"`
	MetaData      json.RawMessage `bun:"metaData"`
	MetaHash      string          `bun:"metaHash"`
}

type changedRecordRow struct {
	bun.BaseModel `bun:"table:userDataSyncRecords,alias:r"`
	ID            int64           `bun:"id,pk"`
	MetaData      json.RawMessage `bun:"metaData"`
	MetaHash      string          `bun:"metaHash"`
}

type newLinkRow struct {
	bun.BaseModel `bun:"table:userDataSyncRecordsResources"`
	RecordID      int64  `bun:"recordId"`
	Resource      string `bun:"resource"`
	ResourcePk    string `bun:"resourcePk"`
}

var (
	recordsTable = bun.Ident("userDataSyncRecords")
	linksTable   = bun.Ident("userDataSyncRecordsResources")
)

// loadLinkBase is the highest link id before the run (see run.linkBase).
func loadLinkBase(ctx context.Context, db bun.IDB) (int64, error) {
	var base int64
	err := db.NewSelect().TableExpr("?", linksTable).ColumnExpr("COALESCE(MAX(?), 0)", bun.Ident("id")).Scan(ctx, &base)
	if err != nil {
		return 0, fmt.Errorf("datasync: read the last link id: %w", err)
	}
	return base, nil
}

// storedQuery reads a chunk's sync records and their links in one
// statement, links oldest first (NocoBase's order: the first link to a
// resource is the one it updates).
const storedQuery = `SELECT r."id", r."sourceUk", r."metaHash", l."id", l."resource", l."resourcePk"
FROM "userDataSyncRecords" AS r
LEFT JOIN "userDataSyncRecordsResources" AS l ON l."recordId" = r."id"
WHERE r."sourceName" = ? AND r."dataType" = ? AND r."sourceUk" IN (?)
ORDER BY l."id"`

// loadStored returns the sync records of uids with their links. It scans
// rows by hand: it runs for every record of every sync, and a re-sync of
// unchanged data is little else.
func (r *run) loadStored(ctx context.Context, uids []string) ([]storedRow, error) {
	rows, err := r.db.QueryContext(ctx, storedQuery, r.sourceName, r.dataType, bun.List(uids))
	if err != nil {
		return nil, fmt.Errorf("datasync: load sync records: %w", err)
	}
	defer rows.Close()
	out := make([]storedRow, 0, len(uids))
	var hash, resource, pk sql.NullString
	var linkID sql.NullInt64
	for rows.Next() {
		var row storedRow
		if err := rows.Scan(&row.ID, &row.SourceUk, &hash, &linkID, &resource, &pk); err != nil {
			return nil, fmt.Errorf("datasync: load sync records: %w", err)
		}
		row.MetaHash, row.LinkID, row.Resource, row.ResourcePk = hash.String, linkID.Int64, resource.String, pk.String
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("datasync: load sync records: %w", err)
	}
	return out, nil
}

// loadMetaData returns the stored metaData of the sync records ids: a
// changed record's lastMetaData-to-be.
func (r *run) loadMetaData(ctx context.Context, ids []int64) (map[int64]Record, error) {
	var rows []struct {
		ID       int64           `bun:"id"`
		MetaData json.RawMessage `bun:"metaData"`
	}
	err := r.db.NewSelect().TableExpr("?", recordsTable).
		Column("id", "metaData").
		Where("? IN (?)", bun.Ident("id"), bun.List(ids)).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("datasync: load previous metaData: %w", err)
	}
	out := make(map[int64]Record, len(rows))
	for _, row := range rows {
		rec, err := decodeRecord(row.MetaData)
		if err != nil {
			return nil, fmt.Errorf("datasync: sync record %d: %w", row.ID, err)
		}
		out[row.ID] = rec
	}
	return out, nil
}

// insertRecords inserts new sync records and returns their ids by uid.
func (r *run) insertRecords(ctx context.Context, rows []newRecordRow) (map[string]int64, error) {
	var ids []struct {
		ID       int64  `bun:"id"`
		SourceUk string `bun:"sourceUk"`
	}
	err := r.db.NewInsert().Model(&rows).
		Returning("?, ?", bun.Ident("id"), bun.Ident("sourceUk")).
		Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("datasync: insert sync records: %w", err)
	}
	out := make(map[string]int64, len(ids))
	for _, row := range ids {
		out[row.SourceUk] = row.ID
	}
	return out, nil
}

// updateRecords stores changed records: the old metaData becomes
// lastMetaData (copied in SQL, never decoded).
func (r *run) updateRecords(ctx context.Context, rows []changedRecordRow) error {
	_, err := r.db.NewUpdate().Model(&rows).
		Column("metaData", "metaHash").
		Set("? = r.?", bun.Ident("lastMetaData"), bun.Ident("metaData")).
		Set("? = CURRENT_TIMESTAMP", bun.Ident("updatedAt")).
		Bulk().
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("datasync: update sync records: %w", err)
	}
	return nil
}

// clearHashes forgets the hash of records that failed, so the next sync
// retries them.
func (r *run) clearHashes(ctx context.Context, ids []int64) error {
	_, err := r.db.NewUpdate().TableExpr("?", recordsTable).
		Set("? = NULL", bun.Ident("metaHash")).
		Where("? IN (?)", bun.Ident("id"), bun.List(ids)).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("datasync: clear the hashes of failed records: %w", err)
	}
	return nil
}

// linkWrites are one resource's link changes of a chunk, as statements.
type linkWrites struct {
	inserts []newLinkRow
	deletes [][]any // (recordId, resourcePk)
}

// deleteRecords returns the record ids of the links to delete.
func (w *linkWrites) deleteRecords() []any {
	ids := make([]any, len(w.deletes))
	for i, d := range w.deletes {
		ids[i] = d[0]
	}
	return ids
}

func (w *linkWrites) empty() bool { return len(w.inserts) == 0 && len(w.deletes) == 0 }

// writeLinks removes and adds resource's links in two statements at most.
func (r *run) writeLinks(ctx context.Context, resource string, w *linkWrites) error {
	if len(w.deletes) > 0 {
		// By record first, as in linksQuery; the pairs then pick the rows.
		_, err := r.db.NewDelete().TableExpr("?", linksTable).
			Where("? IN (?)", bun.Ident("recordId"), bun.List(w.deleteRecords())).
			Where("? || '' = ?", bun.Ident("resource"), resource).
			Where("(?, ?) IN ?", bun.Ident("recordId"), bun.Ident("resourcePk"), bun.Tuple(w.deletes)).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("datasync: %s: remove links: %w", resource, err)
		}
	}
	if len(w.inserts) > 0 {
		_, err := r.db.NewInsert().Model(&w.inserts).Returning("NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("datasync: %s: add links: %w", resource, err)
		}
	}
	return nil
}

// linksQuery reads the links to one resource of records of one data type
// of the run's source, by uid. The uids must be looked up first, then
// their links by recordId: "resource" alone selects a large share of the
// links (a user's memberships are links to "departments" too), and an
// index on it, read for every uid, makes each call cost the whole table.
// Planners take that path when they lack statistics, as in the
// transaction of a first sync, so the query leaves them no other: CROSS
// JOIN fixes SQLite's join order, appending an empty string to
// "resource" keeps both databases off its index, and there is no ORDER BY
// (SQLite would walk the links in id order); lookupLinks picks the oldest
// link itself.
const linksQuery = `SELECT r."sourceUk", l."resourcePk", l."id"
FROM "userDataSyncRecords" AS r
CROSS JOIN "userDataSyncRecordsResources" AS l
WHERE l."recordId" = r."id" AND r."sourceName" = ? AND r."dataType" = ? AND r."sourceUk" IN (?)
AND l."resource" || '' = ?`

// lookupLinks is Batch.LookupLinks: for each uid linked to resource, its
// oldest link (the one NocoBase would use).
func (r *run) lookupLinks(ctx context.Context, dataType DataType, resource string, uids []string) (map[string]Link, error) {
	out := make(map[string]Link, len(uids))
	if len(uids) == 0 {
		return out, nil
	}
	rows, err := r.db.QueryContext(ctx, linksQuery, r.sourceName, dataType, bun.List(uids), resource)
	if err != nil {
		return nil, fmt.Errorf("datasync: look up %s links: %w", resource, err)
	}
	defer rows.Close()
	oldest := make(map[string]int64, len(uids))
	var uid string
	var pk sql.NullString
	var id int64
	for rows.Next() {
		if err := rows.Scan(&uid, &pk, &id); err != nil {
			return nil, fmt.Errorf("datasync: look up %s links: %w", resource, err)
		}
		if first, seen := oldest[uid]; seen && first < id {
			continue
		}
		oldest[uid] = id
		out[uid] = Link{Resource: resource, ResourcePk: pk.String, New: id > r.linkBase}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("datasync: look up %s links: %w", resource, err)
	}
	return out, nil
}

// uidsQuery is the reverse of linksQuery: from the links (by resource
// and primary key, an index) to their records.
const uidsQuery = `SELECT r."sourceUk", l."resourcePk"
FROM "userDataSyncRecordsResources" AS l
CROSS JOIN "userDataSyncRecords" AS r
WHERE r."id" = l."recordId" AND l."resource" = ? AND l."resourcePk" IN (?) AND r."sourceName" = ? AND r."dataType" = ?`

// lookupUIDs is Batch.LookupUIDs.
func (r *run) lookupUIDs(ctx context.Context, dataType DataType, resource string, pks []string) (map[string]string, error) {
	out := make(map[string]string, len(pks))
	if len(pks) == 0 {
		return out, nil
	}
	rows, err := r.db.QueryContext(ctx, uidsQuery, resource, bun.List(pks), r.sourceName, dataType)
	if err != nil {
		return nil, fmt.Errorf("datasync: look up %s uids: %w", resource, err)
	}
	defer rows.Close()
	var uid string
	var pk sql.NullString
	for rows.Next() {
		if err := rows.Scan(&uid, &pk); err != nil {
			return nil, fmt.Errorf("datasync: look up %s uids: %w", resource, err)
		}
		out[pk.String] = uid
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("datasync: look up %s uids: %w", resource, err)
	}
	return out, nil
}
