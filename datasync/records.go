package datasync

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/gatehouse-dev/gatehouse/internal/sqllist"
)

// The row shapes below hold only the columns the engine reads or writes,
// so a chunk's statements carry no more than they need (metaData goes in
// as the JSON already made for the hash, not encoded a second time).

// storedLink is one link of a stored sync record, as loadStored reads it.
type storedLink struct {
	id       int64
	resource string
	pk       string
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
	RecordID   int64
	ResourcePk string
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

// hasRecords reports whether the source has sync records of dataType.
func hasRecords(ctx context.Context, db bun.IDB, sourceName string, dataType DataType) (bool, error) {
	exists, err := db.NewSelect().TableExpr("?", recordsTable).
		Where("? = ? AND ? = ?", bun.Ident("sourceName"), sourceName, bun.Ident("dataType"), dataType).
		Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("datasync: look for %s sync records: %w", dataType, err)
	}
	return exists, nil
}

// A chunk's sync records are read one row per record, its links folded
// into one text column, as "<id> <n> <resource><m> <pk>" per link, n and m
// the byte lengths of the strings that follow: any text can be read back,
// and a re-sync (two or three links a user record) reads a third of the
// rows and cells it would one row per link. Links come in no order:
// loadStored puts them oldest first (NocoBase's order: the first link to
// a resource is the one it updates).
const storedLinksSQLite = `(SELECT group_concat(l."id" || ' ' || length(CAST(l."resource" AS BLOB)) || ' ' || l."resource"
	|| length(CAST(COALESCE(l."resourcePk", '') AS BLOB)) || ' ' || COALESCE(l."resourcePk", ''), '')
	FROM "userDataSyncRecordsResources" AS l WHERE l."recordId" = r."id")`

// storedQuery reads a chunk's sync records with their links. The uids come
// as one JSON array: a list of literals costs more to format and to parse
// than the records cost to read.
const storedQuery = `SELECT r."id", r."sourceUk", r."metaHash", ` + storedLinksSQLite + `
FROM "userDataSyncRecords" AS r
WHERE r."sourceName" = ? AND r."dataType" = ? AND r."sourceUk" IN (SELECT j.value FROM json_each(?) AS j)`

// storedQueryPG is storedQuery for PostgreSQL. Planning a first sync's
// chunk, it has no statistics on tables filled in the same transaction,
// and would apply a long IN list as a filter over every record of the
// data type, or join the links by scanning them all. The LATERAL
// subqueries (OFFSET 0 keeps the first from being merged into the join)
// fix the plan instead: for each uid, one probe of the unique index, then
// one of the links' index on recordId.
const storedQueryPG = `SELECT r."id", r."sourceUk", r."metaHash", l."links"
FROM unnest(?::text[]) AS u("uk")
CROSS JOIN LATERAL (
	SELECT "id", "sourceUk", "metaHash" FROM "userDataSyncRecords"
	WHERE "sourceName" = ? AND "dataType" = ? AND "sourceUk" = u."uk" OFFSET 0
) AS r
LEFT JOIN LATERAL (
	SELECT string_agg(l."id"::text || ' ' || octet_length(l."resource") || ' ' || l."resource"
		|| octet_length(COALESCE(l."resourcePk", '')) || ' ' || COALESCE(l."resourcePk", ''), '') AS "links"
	FROM "userDataSyncRecordsResources" AS l WHERE l."recordId" = r."id"
) AS l ON true`

func (r *run) pg() bool { return r.db.Dialect().Name() == dialect.PG }

// storedArgs are the arguments of the dialect's stored query.
func (r *run) storedArgs(uids []string) (string, []any) {
	if r.pg() {
		return storedQueryPG, []any{pgdialect.Array(uids), r.sourceName, r.dataType}
	}
	return storedQuery, []any{r.sourceName, r.dataType, sqllist.JSONArray(uids)}
}

// loadStored gives the chunk's records their sync record ids and links,
// marks the unchanged ones and returns the positions of the changed ones
// with their ids. It scans rows by hand into reused buffers: it runs for
// every record of every sync, and a re-sync of unchanged data is little
// else.
func (r *run) loadStored(ctx context.Context, c *chunk, uids []string) (changedAt []int, changed []int64, err error) {
	query, args := r.storedArgs(uids)
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("datasync: load sync records: %w", err)
	}
	defer rows.Close()
	var id int64
	var uk, hash, links sql.RawBytes
	var buf []storedLink
	for rows.Next() {
		if err := rows.Scan(&id, &uk, &hash, &links); err != nil {
			return nil, nil, fmt.Errorf("datasync: load sync records: %w", err)
		}
		i, ok := c.index(r, string(uk))
		if !ok {
			return nil, nil, fmt.Errorf("datasync: sync record %d has uid %q, which was not asked for", id, uk)
		}
		rec := &c.recs[i]
		rec.ID = id
		rec.Unchanged = len(hash) > 0 && string(hash) == c.hash[i]
		rec.LastFailed = len(hash) == 0
		if !rec.Unchanged {
			changedAt, changed = append(changedAt, i), append(changed, id)
		}
		if buf, err = r.parseLinks(buf[:0], links); err != nil {
			return nil, nil, fmt.Errorf("datasync: sync record %d: %w", id, err)
		}
		slices.SortFunc(buf, func(a, b storedLink) int { return cmp.Compare(a.id, b.id) })
		for _, l := range buf {
			rec.Resources = append(rec.Resources, Link{Resource: l.resource, ResourcePk: l.pk, New: l.id > r.linkBase})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("datasync: load sync records: %w", err)
	}
	return changedAt, changed, nil
}

var errLinksEncoding = errors.New("malformed links")

// parseLinks appends the links of s, in storedLinksSQLite's encoding, to
// buf. Resource names repeat on every record, so each is made a string
// once a run.
func (r *run) parseLinks(buf []storedLink, s []byte) ([]storedLink, error) {
	for len(s) > 0 {
		var l storedLink
		var n int64
		var text []byte
		var ok bool
		if l.id, s, ok = cutNumber(s); !ok {
			return nil, errLinksEncoding
		}
		if n, s, ok = cutNumber(s); !ok || n > int64(len(s)) {
			return nil, errLinksEncoding
		}
		text, s = s[:n], s[n:]
		if l.resource, ok = r.resourceNames[string(text)]; !ok {
			l.resource = string(text)
			r.resourceNames[l.resource] = l.resource
		}
		if n, s, ok = cutNumber(s); !ok || n > int64(len(s)) {
			return nil, errLinksEncoding
		}
		l.pk, s = string(s[:n]), s[n:]
		buf = append(buf, l)
	}
	return buf, nil
}

// cutNumber reads the decimal number that starts s, up to a space, and
// returns what follows the space.
func cutNumber(s []byte) (int64, []byte, bool) {
	head, rest, found := bytes.Cut(s, []byte{' '})
	n, err := strconv.ParseInt(string(head), 10, 64)
	return n, rest, found && err == nil && n >= 0
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

// insertRecordsPG inserts sync records from one array per column:
// PostgreSQL then parses and plans a short statement, not one row of
// values per record.
const insertRecordsPG = `INSERT INTO "userDataSyncRecords" ("sourceName", "sourceUk", "dataType", "metaData", "metaHash")
SELECT ?, u."uk", ?, u."md"::json, u."h" FROM unnest(?::text[], ?::text[], ?::text[]) AS u("uk", "md", "h")
RETURNING "id", "sourceUk"`

// insertRecords inserts new sync records and returns their ids by uid.
func (r *run) insertRecords(ctx context.Context, rows []newRecordRow) (map[string]int64, error) {
	if r.pg() {
		return r.insertRecordsPG(ctx, rows)
	}
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

func (r *run) insertRecordsPG(ctx context.Context, rows []newRecordRow) (map[string]int64, error) {
	uks, metaData, hashes := make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
	for i, row := range rows {
		uks[i], metaData[i], hashes[i] = row.SourceUk, string(row.MetaData), row.MetaHash
	}
	res, err := r.db.QueryContext(ctx, insertRecordsPG, r.sourceName, r.dataType,
		pgdialect.Array(uks), pgdialect.Array(metaData), pgdialect.Array(hashes))
	if err != nil {
		return nil, fmt.Errorf("datasync: insert sync records: %w", err)
	}
	defer res.Close()
	out := make(map[string]int64, len(rows))
	var id int64
	var uk string
	for res.Next() {
		if err := res.Scan(&id, &uk); err != nil {
			return nil, fmt.Errorf("datasync: insert sync records: %w", err)
		}
		out[uk] = id
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("datasync: insert sync records: %w", err)
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
	if len(w.inserts) == 0 {
		return nil
	}
	var err error
	if r.pg() {
		err = r.insertLinksPG(ctx, resource, w.inserts)
	} else {
		_, err = r.db.ExecContext(ctx, insertLinksSQLite, resource, linksJSON(w.inserts))
	}
	if err != nil {
		return fmt.Errorf("datasync: %s: add links: %w", resource, err)
	}
	return nil
}

// insertLinksPG adds links from arrays, as insertRecordsPG does; the
// links get their ids in array order, as with a list of values.
const insertLinksPG = `INSERT INTO "userDataSyncRecordsResources" ("recordId", "resource", "resourcePk")
SELECT u."id", ?, u."pk" FROM unnest(?::bigint[], ?::text[]) AS u("id", "pk")`

// insertLinksSQLite is insertLinksPG for SQLite: the rows come as one
// JSON argument, [[recordId, resourcePk], ...], which json_each yields in
// array order. A VALUES list of literals costs more to format and to
// parse than the rows cost to write; ->> yields an INTEGER for the JSON
// number and TEXT for the string, as the literals did. (Sync records stay
// a VALUES list: their metaData would have to be escaped into a JSON
// string and unescaped again, which measured slower.)
const insertLinksSQLite = `INSERT INTO "userDataSyncRecordsResources" ("recordId", "resource", "resourcePk")
SELECT j.value ->> 0, ?, j.value ->> 1 FROM json_each(?) AS j`

// linksJSON is the argument of insertLinksSQLite.
func linksJSON(links []newLinkRow) string {
	size := 2
	for _, l := range links {
		size += len(l.ResourcePk) + 28
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	for i, l := range links {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, l.RecordID, 10)
		b = append(b, ',')
		b = sqllist.AppendJSONString(b, l.ResourcePk)
		b = append(b, ']')
	}
	return string(append(b, ']'))
}

func (r *run) insertLinksPG(ctx context.Context, resource string, links []newLinkRow) error {
	ids, pks := make([]int64, len(links)), make([]string, len(links))
	for i, l := range links {
		ids[i], pks[i] = l.RecordID, l.ResourcePk
	}
	_, err := r.db.ExecContext(ctx, insertLinksPG, resource, pgdialect.Array(ids), pgdialect.Array(pks))
	return err
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

// queryLinks reads, for each uid linked to resource, its oldest link (the
// one NocoBase would use).
func (r *run) queryLinks(ctx context.Context, dataType DataType, resource string, uids []string) (map[string]Link, error) {
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
// and primary key, an index) to their records. It suits a few keys: the
// index on (resource, resourcePk) does not know the records' data type,
// and a department's key is shared by its own link and every membership
// link to it, each of which costs a read of its record.
const uidsQuery = `SELECT r."sourceUk", l."resourcePk"
FROM "userDataSyncRecordsResources" AS l
CROSS JOIN "userDataSyncRecords" AS r
WHERE r."id" = l."recordId" AND l."resource" = ? AND l."resourcePk" IN (?) AND r."sourceName" = ? AND r."dataType" = ?`

// uidsByRecordQuery is uidsQuery from the other side, for many keys: every
// record of the data type, then its links by the covering index on
// (recordId, resource, resourcePk). The join order is fixed as in
// linksQuery.
const uidsByRecordQuery = `SELECT r."sourceUk", l."resourcePk"
FROM "userDataSyncRecords" AS r
CROSS JOIN "userDataSyncRecordsResources" AS l
WHERE l."recordId" = r."id" AND l."resource" || '' = ? AND l."resourcePk" IN (?) AND r."sourceName" = ? AND r."dataType" = ?`

// manyKeys is where queryUIDs starts asking whether reading every record
// of the data type costs less than following each key's links.
const manyKeys = 64

// queryUIDs reads the uids of the records linked to resource's rows pks.
func (r *run) queryUIDs(ctx context.Context, dataType DataType, resource string, pks []string) (map[string]string, error) {
	out := make(map[string]string, len(pks))
	if len(pks) == 0 {
		return out, nil
	}
	query := uidsQuery
	if len(pks) >= manyKeys {
		n, err := r.countRecords(ctx, dataType)
		if err != nil {
			return nil, err
		}
		// A key has one link of the data type and maybe many others
		// (memberships): reading the records wins well before they
		// outnumber the keys.
		if n <= 4*len(pks) {
			query = uidsByRecordQuery
		}
	}
	rows, err := r.db.QueryContext(ctx, query, resource, bun.List(pks), r.sourceName, dataType)
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

// countRecords is how many sync records of dataType the source has, read
// once per run: it only steers queryUIDs, so a count that the run's own
// inserts make stale does no harm.
func (r *run) countRecords(ctx context.Context, dataType DataType) (int, error) {
	if n, ok := r.lookups.counts[dataType]; ok {
		return n, nil
	}
	n, err := r.db.NewSelect().TableExpr("?", recordsTable).
		Where("? = ? AND ? = ?", bun.Ident("sourceName"), r.sourceName, bun.Ident("dataType"), dataType).
		Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("datasync: count the %s sync records: %w", dataType, err)
	}
	if r.lookups.counts == nil {
		r.lookups.counts = map[DataType]int{}
	}
	r.lookups.counts[dataType] = int(n)
	return int(n), nil
}
