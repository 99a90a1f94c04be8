package datasync

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"

	"github.com/gatehouse-dev/gatehouse/internal/sqllist"
)

// RecordQuery selects the sync records [Manager.StoredRecords] reads: those
// of one source and data type, narrowed to UIDs when it is not empty, to
// the records every one of Fields matches and, when Listing is set, to
// those whose list it names holds one of its values. Records marked
// missing (MissingSinceKey) are left out unless IncludeMissing is set.
type RecordQuery struct {
	SourceName     string
	DataType       DataType
	UIDs           []string
	Fields         []FieldMatch
	Listing        *ListMatch
	IncludeMissing bool
}

// FieldMatch narrows a RecordQuery to the records whose metaData holds the
// string Value at Path: a record key, or keys into nested objects
// ({SourceDataKey, "externalId"}). FoldCase compares with SQL's lower() on
// both sides, which folds the ASCII letters A–Z on both databases (and
// more on PostgreSQL): a caller needing Unicode case folding passes only
// ASCII values here and compares the rest itself. The match is done by the
// database, so a source of 100,000 users need not be read to find one.
type FieldMatch struct {
	Path     []string
	Value    string
	FoldCase bool
}

// ListMatch narrows a RecordQuery to the records whose list at the record
// key Key holds one of Values: an entry equal to a value (a string, or a
// number written as the value is) or an object whose "uid" is. So
// {Key: "departments", Values: []string{uid}} finds a department's
// members, whether their records list it as "uid" or {"uid": "uid",
// "isMain": true}, and {Key: "roles", Values: []string{name}} the users
// a source gives role name. The database does the match: finding a
// group's members does not read the source's other users. A ListMatch
// with no Values matches no record.
type ListMatch struct {
	Key    string
	Values []string
}

// StoredRecord is a sync record as stored, with when it was first and
// last written and, when its source no longer has it (see
// MissingSinceKey), the time of its mark.
type StoredRecord struct {
	OriginRecord
	CreatedAt, UpdatedAt time.Time
	MissingSince         string
}

// StoredRecords returns the sync records q selects that still have a link
// to a resource row, oldest (lowest id) first, each with its links oldest
// first: what a source made and still has, for a host that serves the
// source's own view of it (a SCIM server's GET and list). Records synced
// as deleted have no links, so they are never among them.
//
// Records and links are read in two queries: read through a transaction
// ([Editor.DB]) to see them as of one moment. The uids are one bound
// argument however many there are.
func (m *Manager) StoredRecords(ctx context.Context, db bun.IDB, q RecordQuery) ([]*StoredRecord, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	return loadRecords(ctx, db, q, true)
}

// check refuses a query that can select nothing meaningful.
func (q *RecordQuery) check() error {
	if q.SourceName == "" {
		return &DataError{Message: "a record query needs a sourceName"}
	}
	if q.DataType != DataTypeUser && q.DataType != DataTypeDepartment {
		return &DataError{Message: fmt.Sprintf("dataType must be user or department, got %q", q.DataType)}
	}
	for i, f := range q.Fields {
		if len(f.Path) == 0 {
			return &DataError{Message: fmt.Sprintf("fields[%d]: a field match needs a path", i)}
		}
		for _, key := range f.Path {
			if !pathKey(key) {
				return &DataError{Message: fmt.Sprintf("fields[%d]: path key %q: want a non-empty key without quotes or backslashes", i, key)}
			}
		}
	}
	if q.Listing != nil && !pathKey(q.Listing.Key) {
		return &DataError{Message: fmt.Sprintf("listing: key %q: want a non-empty key without quotes or backslashes", q.Listing.Key)}
	}
	return nil
}

// pathKey reports whether key may be a key of a JSON path in SQL:
// SQLite's JSON paths cannot quote an empty key, quotes or backslashes.
func pathKey(key string) bool {
	return key != "" && !strings.ContainsAny(key, "\"\\")
}

// jsonPath is path as a SQLite JSON path, each key quoted; pathKey has
// checked the keys.
func jsonPath(path ...string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, key := range path {
		b.WriteString(`."` + key + `"`)
	}
	return b.String()
}

// fieldExpr is the SQL of the text at path in a record's metaData (alias
// r), NULL when there is none.
func fieldExpr(db bun.IDB, path []string) schema.QueryWithArgs {
	if db.Dialect().Name() == dialect.PG {
		return bun.SafeQuery(`(r."metaData" #>> ?)`, pgdialect.Array(path))
	}
	return bun.SafeQuery(`json_extract(r."metaData", ?)`, jsonPath(path...))
}

// storedRow is a sync record as loadRecords reads it.
type storedRow struct {
	ID           int64           `bun:"id"`
	SourceUk     string          `bun:"sourceUk"`
	MetaData     json.RawMessage `bun:"metaData"`
	LastMetaData json.RawMessage `bun:"lastMetaData"`
	CreatedAt    time.Time       `bun:"createdAt"`
	UpdatedAt    time.Time       `bun:"updatedAt"`
	MissingSince sql.NullString  `bun:"missingSince"`
}

// storedLinkRow is a link as loadRecords reads it; a NULL resourcePk
// reads as "".
type storedLinkRow struct {
	RecordID   int64          `bun:"recordId"`
	Resource   string         `bun:"resource"`
	ResourcePk sql.NullString `bun:"resourcePk"`
}

// loadRecords reads the records q selects, with their links; linked keeps
// only those with at least one.
func loadRecords(ctx context.Context, db bun.IDB, q RecordQuery, linked bool) ([]*StoredRecord, error) {
	var rows []storedRow
	sel := db.NewSelect().TableExpr("? AS r", recordsTable).
		Column("r.id", "r.sourceUk", "r.metaData", "r.lastMetaData", "r.createdAt", "r.updatedAt").
		ColumnExpr("? AS ?", missingSinceExpr(db), bun.Ident("missingSince")).
		OrderExpr("r.? ASC", bun.Ident("id"))
	q.where(db, sel)
	if linked {
		sel.Where("EXISTS (SELECT 1 FROM ? AS l WHERE l.? = r.?)", linksTable, bun.Ident("recordId"), bun.Ident("id"))
	}
	if err := sel.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("datasync: read the %s sync records of %q: %w", q.DataType, q.SourceName, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	out := make([]*StoredRecord, len(rows))
	byID := make(map[int64]*StoredRecord, len(rows))
	for i, row := range rows {
		rec, err := storedRecord(q, row)
		if err != nil {
			return nil, err
		}
		out[i], byID[row.ID] = rec, rec
	}
	var links []storedLinkRow
	lsel := db.NewSelect().TableExpr("? AS l", linksTable).
		Column("l.recordId", "l.resource", "l.resourcePk").
		Join("JOIN ? AS r ON r.? = l.?", recordsTable, bun.Ident("id"), bun.Ident("recordId")).
		OrderExpr("l.? ASC", bun.Ident("id"))
	q.where(db, lsel)
	if err := lsel.Scan(ctx, &links); err != nil {
		return nil, fmt.Errorf("datasync: read the links of the %s sync records of %q: %w", q.DataType, q.SourceName, err)
	}
	for _, l := range links {
		// A record written between the two reads (outside a
		// transaction) is not among the rows: its links are skipped.
		if rec, ok := byID[l.RecordID]; ok {
			rec.Resources = append(rec.Resources, Link{Resource: l.Resource, ResourcePk: l.ResourcePk.String})
		}
	}
	if !linked {
		return out, nil
	}
	// Outside a transaction the links may have gone between the reads.
	kept := out[:0]
	for _, rec := range out {
		if len(rec.Resources) > 0 {
			kept = append(kept, rec)
		}
	}
	return kept, nil
}

// where adds q's conditions on the records (alias r) to sel.
func (q *RecordQuery) where(db bun.IDB, sel *bun.SelectQuery) {
	sel.Where("r.? = ? AND r.? = ?", bun.Ident("sourceName"), q.SourceName, bun.Ident("dataType"), q.DataType)
	if len(q.UIDs) > 0 {
		sel.Where("?", sqllist.InTexts(db, bun.Ident("r.sourceUk"), q.UIDs))
	}
	for _, f := range q.Fields {
		if f.FoldCase {
			sel.Where("lower(?) = lower(?)", fieldExpr(db, f.Path), f.Value)
		} else {
			sel.Where("? = ?", fieldExpr(db, f.Path), f.Value)
		}
	}
	if q.Listing != nil {
		if pre, ok := listPrefilter(db, q.Listing.Values); ok {
			sel.Where("?", pre)
		}
		sel.Where("EXISTS (?)", listEntries(db, *q.Listing))
	}
	if !q.IncludeMissing {
		sel.Where("? IS NULL", missingSinceExpr(db))
	}
}

// listEntries selects the entries of the list at m.Key in a record's
// (alias r) metaData that name one of m.Values: an entry is a value
// (string or number) or an object with a "uid". A key holding no list
// has no entries.
func listEntries(db bun.IDB, m ListMatch) schema.QueryWithArgs {
	if db.Dialect().Name() == dialect.PG {
		return bun.SafeQuery(`SELECT 1 FROM json_array_elements(CASE WHEN json_typeof(r."metaData"->?) = 'array' `+
			`THEN r."metaData"->? END) AS d(e) `+
			`WHERE (CASE json_typeof(d.e) WHEN 'object' THEN d.e->>'uid' ELSE d.e#>>'{}' END) = ANY(?)`,
			m.Key, m.Key, pgdialect.Array(m.Values))
	}
	// json_each walks a scalar or an object too: the type check keeps
	// SQLite to lists, as json_array_elements keeps PostgreSQL.
	path := jsonPath(m.Key)
	return bun.SafeQuery(`SELECT 1 FROM json_each(r."metaData", ?) AS d `+
		`WHERE json_type(r."metaData", ?) = 'array' `+
		`AND CAST(CASE d.type WHEN 'object' THEN json_extract(d.value, '$.uid') ELSE d.value END AS TEXT) IN (SELECT value FROM json_each(?))`,
		path, path, sqllist.JSONArray(m.Values))
}

// listPrefilter is a cheap test that a record (alias r) may list one of
// values: its metaData's text holds one of them. Parsing the JSON of
// every record of a source of 100,000 users to walk a list costs ten
// times more than a substring search does, and few records pass it. It
// is sound only for plain values, which every JSON encoder writes as
// they are (no quotes, backslashes, control or non-ASCII characters,
// nor <, > and &, which Go's encoder escapes); for any other, ok is
// false and the list walk decides alone.
func listPrefilter(db bun.IDB, values []string) (schema.QueryWithArgs, bool) {
	if len(values) == 0 || len(values) > maxPrefilterValues {
		return schema.QueryWithArgs{}, false
	}
	for _, v := range values {
		if !plainJSON(v) {
			return schema.QueryWithArgs{}, false
		}
	}
	text := bun.Safe(`r."metaData"`)
	find := "instr(?, ?) > 0"
	if db.Dialect().Name() == dialect.PG {
		text, find = bun.Safe(`r."metaData"::text`), "strpos(?, ?) > 0"
	}
	var b strings.Builder
	args := make([]any, 0, 2*len(values))
	for i, v := range values {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString(find)
		args = append(args, text, v)
	}
	return bun.SafeQuery("("+b.String()+")", args...), true
}

// maxPrefilterValues bounds the substring searches of one prefilter: a
// list match on more values walks the lists alone.
const maxPrefilterValues = 16

// plainJSON reports whether v is non-empty and written in JSON as it is.
func plainJSON(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e || strings.IndexByte(`"\<>&`, c) >= 0 {
			return false
		}
	}
	return v != ""
}

// storedRecord decodes a row of q's records.
func storedRecord(q RecordQuery, row storedRow) (*StoredRecord, error) {
	meta, err := decodeRecord(row.MetaData)
	if err != nil {
		return nil, fmt.Errorf("datasync: %s sync record %q of %q: %w", q.DataType, row.SourceUk, q.SourceName, err)
	}
	last, err := decodeRecord(row.LastMetaData)
	if err != nil {
		return nil, fmt.Errorf("datasync: %s sync record %q of %q: lastMetaData: %w", q.DataType, row.SourceUk, q.SourceName, err)
	}
	return &StoredRecord{
		OriginRecord: OriginRecord{
			ID: row.ID, SourceName: q.SourceName, SourceUk: row.SourceUk, DataType: q.DataType,
			MetaData: meta, LastMetaData: last,
		},
		CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt, MissingSince: row.MissingSince.String,
	}, nil
}
