package datasync

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/gatehouse-dev/gatehouse/internal/sqllist"
)

// MissingSinceKey is the record key by which the manager marks a synced
// record its source no longer has (Policy.OnMissing "disable"): the
// record is synced again as it was last stored, with this key set to the
// UTC time (RFC 3339) of the run that found it missing, and, for a user,
// "enabled": false. Resources ignore the key; the manager reads it to
// send the mark once, to leave missing users out of the deletion limits,
// to enable a user that comes back, and to purge after
// Policy.PurgeAfterDays. The key is reserved: a source's records lose it
// before they are synced.
const MissingSinceKey = "missingSince"

// sweepAction is what the sweep does with records its source no longer
// has.
type sweepAction string

const (
	// actionDisable marks a user missing and disables it.
	actionDisable sweepAction = "disable"
	// actionMark marks a department missing: it stays, with its
	// memberships, until purged.
	actionMark sweepAction = "mark"
	// actionDelete deletes records (OnMissing "delete").
	actionDelete sweepAction = "delete"
	// actionPurge deletes records that were marked missing: long enough
	// ago (PurgeAfterDays), or before OnMissing became "delete".
	actionPurge sweepAction = "purge"
)

// sweepPart is one UserData the sweep syncs.
type sweepPart struct {
	dataType DataType
	action   sweepAction
	records  []Record
}

// sweepPlan is what the sweep of a pull will sync, before it syncs it.
type sweepPlan struct {
	// parts are in the order they run: the disables and deletes (last
	// emitted data type first), then the purges (users first).
	parts []sweepPart
	// counted are the uids of the users to newly disable or delete, what
	// the deletion limits count, of synced.
	counted []string
	synced  int
}

// planSweep lists what the sweep of a complete pull syncs, as
// pr.policy.OnMissing says:
//
//   - "delete": each record the source no longer has is synced as
//     deleted.
//   - "disable": each such record is synced again as last stored, with
//     MissingSinceKey and, for a user, "enabled": false; a record already
//     marked is not sent again, unless it has been missing longer than
//     PurgeAfterDays, when it is synced as deleted (purged).
//
// Records marked missing under "disable" are deleted, as purged, once the
// policy is "delete".
func planSweep(ctx context.Context, db bun.IDB, pr *pullRun, seen *pullSeen) (*sweepPlan, error) {
	sp := &sweepPlan{}
	var purges []sweepPart
	enc := newRecordEncoder()
	for _, dataType := range slices.Backward(seen.order) {
		gone, synced, err := goneRecords(ctx, db, enc, pr.name, dataType, seen)
		if err != nil {
			return nil, err
		}
		if dataType == DataTypeUser {
			sp.synced = synced
		}
		fresh, purge := pr.splitGone(gone)
		if len(purge) > 0 {
			purges = append(purges, sweepPart{dataType: dataType, action: actionPurge, records: sweptRecords(purge)})
		}
		if len(fresh) == 0 {
			continue
		}
		part, err := pr.freshPart(ctx, db, dataType, fresh)
		if err != nil {
			return nil, err
		}
		if len(part.records) == 0 {
			continue
		}
		if dataType == DataTypeUser {
			sp.counted = recordUIDs(part.records)
		}
		sp.parts = append(sp.parts, part)
	}
	// Users leave their departments before the departments go.
	slices.SortStableFunc(purges, func(a, b sweepPart) int {
		return cmp.Compare(purgeRank(a.dataType), purgeRank(b.dataType))
	})
	sp.parts = append(sp.parts, purges...)
	return sp, nil
}

// purgeRank orders purges: users first.
func purgeRank(dt DataType) int {
	if dt == DataTypeUser {
		return 0
	}
	return 1
}

// splitGone sorts the records the source no longer has into those to
// disable or delete now (not marked missing yet) and those to purge.
func (pr *pullRun) splitGone(gone []goneRecord) (fresh, purge []string) {
	days := pr.policy.PurgeAfterDays
	cutoff := pr.at.AddDate(0, 0, -days)
	for _, g := range gone {
		switch {
		case g.missingSince == "":
			fresh = append(fresh, g.uid)
		case pr.policy.OnMissing == MissingDelete:
			purge = append(purge, g.uid)
		case days > 0 && missingBefore(g.missingSince, cutoff):
			purge = append(purge, g.uid)
		}
	}
	return fresh, purge
}

// missingBefore reports whether a MissingSinceKey value is before t. A
// value that is not a time (written by hand) never purges its record.
func missingBefore(since string, t time.Time) bool {
	at, err := time.Parse(time.RFC3339, since)
	return err == nil && at.Before(t)
}

// freshPart is the part that disables or deletes the uids of dataType
// that have just gone missing.
func (pr *pullRun) freshPart(ctx context.Context, db bun.IDB, dataType DataType, uids []string) (sweepPart, error) {
	if pr.policy.OnMissing == MissingDelete {
		return deletePart(dataType, uids), nil
	}
	stored, err := loadStoredByUID(ctx, db, pr.name, dataType, uids)
	if err != nil {
		return sweepPart{}, err
	}
	return markPart(dataType, uids, stored, pr.at), nil
}

// deletePart syncs the uids of dataType as deleted.
func deletePart(dataType DataType, uids []string) sweepPart {
	return sweepPart{dataType: dataType, action: actionDelete, records: sweptRecords(uids)}
}

// markPart syncs the uids of dataType again as stored, marked missing
// since at and, for users, disabled. The sweep and [Editor.Remove] share
// it, so a user removed by hand and one a pull no longer has look alike.
func markPart(dataType DataType, uids []string, stored map[string]Record, at time.Time) sweepPart {
	part := sweepPart{dataType: dataType, action: actionMark}
	if dataType == DataTypeUser {
		part.action = actionDisable
	}
	since := at.Format(time.RFC3339)
	for _, uid := range uids {
		rec, ok := stored[uid]
		// A record the source itself sent as deleted has nothing left
		// to disable.
		if !ok || rec.IsDeleted() {
			continue
		}
		rec[MissingSinceKey] = since
		if dataType == DataTypeUser {
			rec[enabledKey] = false
		}
		part.records = append(part.records, rec)
	}
	return part
}

// enabledKey is the record key of a user's enabled flag.
const enabledKey = "enabled"

func sweptRecords(uids []string) []Record {
	out := make([]Record, len(uids))
	for i, uid := range uids {
		out[i] = sweptRecord(uid)
	}
	return out
}

func recordUIDs(recs []Record) []string {
	out := make([]string, 0, len(recs))
	for _, rec := range recs {
		if uid, ok := rec.UID(); ok {
			out = append(out, uid)
		}
	}
	return out
}

// refusal is the DeletionLimitError that stops the sweep, or nil. A run
// whose users to disable or delete are exactly those pr.approved names
// goes ahead whatever the limits, except when it would take every synced
// user without AllowAll: that refusal has no fingerprint, so it cannot be
// approved.
func (sp *sweepPlan) refusal(pr *pullRun) *DeletionLimitError {
	limits := pr.policy.Limits
	refused := limits.check(len(sp.counted), sp.synced)
	if refused == nil {
		return nil
	}
	refused.UIDs = slices.Sorted(slices.Values(sp.counted))
	if limits.everyone(len(sp.counted), sp.synced) {
		return refused
	}
	fp := sp.fingerprint(pr.name)
	if fp == pr.approved {
		return nil
	}
	refused.Fingerprint = fp
	return refused
}

// fingerprint identifies the users the sweep would disable or delete: a
// hash of the source's name and, sorted, each user's data type, action
// and uid. Purges and departments are left out: the limits do not count
// them, and an approval must not go stale because a day passed.
func (sp *sweepPlan) fingerprint(source string) string {
	var lines []string
	for _, part := range sp.parts {
		if part.dataType != DataTypeUser || part.action == actionPurge {
			continue
		}
		for _, uid := range recordUIDs(part.records) {
			lines = append(lines, lengthPrefixed(string(part.dataType))+lengthPrefixed(string(part.action))+lengthPrefixed(uid))
		}
	}
	slices.Sort(lines)
	h := sha256.New()
	h.Write([]byte(lengthPrefixed(source)))
	for _, l := range lines {
		h.Write([]byte(l))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// lengthPrefixed makes concatenated strings unambiguous, whatever bytes
// a uid holds.
func lengthPrefixed(s string) string { return strconv.Itoa(len(s)) + ":" + s }

// missingSinceExpr reads a sync record's MissingSinceKey in SQL (NULL
// when absent), so that finding the missing records reads no metaData.
func missingSinceExpr(db bun.IDB) bun.Safe {
	if db.Dialect().Name() == dialect.PG {
		return bun.Safe(`("metaData"->>'missingSince')`)
	}
	return bun.Safe(`json_extract("metaData", '$.missingSince')`)
}

// missingUserUIDs are the uids of the source's user records marked
// missing: read once at the start of a pull, so that a user who comes
// back is enabled again (reenable).
func missingUserUIDs(ctx context.Context, db bun.IDB, source string) (map[string]struct{}, error) {
	var uids []string
	err := db.NewSelect().TableExpr("?", recordsTable).Column("sourceUk").
		Where("? = ? AND ? = ?", bun.Ident("sourceName"), source, bun.Ident("dataType"), DataTypeUser).
		Where("? IS NOT NULL", missingSinceExpr(db)).
		Scan(ctx, &uids)
	if err != nil {
		return nil, fmt.Errorf("datasync: read the missing users of %q: %w", source, err)
	}
	out := make(map[string]struct{}, len(uids))
	for _, uid := range uids {
		out[uid] = struct{}{}
	}
	return out, nil
}

// reenable adds "enabled": true to the user records of d that come back
// from missing, when the source does not say itself whether the user is
// enabled: the sweep disabled them, and nothing else would undo it. It
// also drops a MissingSinceKey a source sends itself: the key is the
// manager's, and a record carrying it would pass for missing. The
// source's records are copied, not changed.
func (pr *pullRun) reenable(d *UserData) {
	copied := false
	for i, rec := range d.Records {
		_, marked := rec[MissingSinceKey]
		back := d.DataType == DataTypeUser && pr.comesBack(rec)
		if !marked && !back {
			continue
		}
		if !copied {
			d.Records = slices.Clone(d.Records)
			copied = true
		}
		rec = maps.Clone(rec)
		delete(rec, MissingSinceKey)
		if back {
			rec[enabledKey] = true
		}
		d.Records[i] = rec
	}
}

// comesBack reports whether a user record is one marked missing before
// the run, without an "enabled" of its own.
func (pr *pullRun) comesBack(rec Record) bool {
	if len(pr.missing) == 0 {
		return false
	}
	if _, has := rec[enabledKey]; has {
		return false
	}
	uid, ok := rec.UID()
	if !ok {
		return false
	}
	_, missing := pr.missing[uid]
	return missing
}

// storedChunk bounds the uids of one query loading stored records.
const storedChunk = 1000

// loadStoredByUID returns the stored metaData of the source's records of
// dataType with those uids.
func loadStoredByUID(ctx context.Context, db bun.IDB, source string, dataType DataType, uids []string) (map[string]Record, error) {
	out := make(map[string]Record, len(uids))
	for chunk := range slices.Chunk(uids, storedChunk) {
		var rows []struct {
			UID      string `bun:"sourceUk"`
			MetaData []byte `bun:"metaData"`
		}
		err := db.NewSelect().TableExpr("?", recordsTable).Column("sourceUk", "metaData").
			Where("? = ? AND ? = ?", bun.Ident("sourceName"), source, bun.Ident("dataType"), dataType).
			Where("?", sqllist.InTexts(db, bun.Ident("sourceUk"), chunk)).
			Scan(ctx, &rows)
		if err != nil {
			return nil, fmt.Errorf("datasync: load the %s records %q no longer has: %w", dataType, source, err)
		}
		for _, row := range rows {
			rec, err := decodeRecord(row.MetaData)
			if err != nil {
				return nil, fmt.Errorf("datasync: %s sync record %q of %q: %w", dataType, row.UID, source, err)
			}
			out[row.UID] = rec
		}
	}
	return out, nil
}
