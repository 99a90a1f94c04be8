package datasync

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/sqllist"
)

// SourceDataKey is a reserved record key whose value (any JSON) is the
// source's own representation of the record, such as a SCIM resource. The
// built-in resources ignore it without listing it in ignoredFields; it is
// part of the record's hash and of its stored metaData, so it comes back
// whole from [Manager.StoredRecords] and [Editor.Records], and a change
// to it alone is a change to the record.
const SourceDataKey = "sourceData"

// Editor is the work of one [Manager.Edit]: pushes and removals of one
// source inside one transaction, under the source's run lock and policy.
// It is valid only until fn returns.
type Editor struct {
	m      *Manager
	tx     bun.Tx
	source string
	policy *Policy
}

// Edit runs fn in one transaction of the source sourceName, the way a
// source run goes: runs of the same source (pulls, pushes, other edits)
// wait for it, and the source's policy, loaded once, applies to
// everything fn does through the Editor. What fn pushes and removes
// commits together when fn returns nil; an error from fn (such as one a
// Push returned) rolls all of it back, the sync records included. It is
// for a host that takes a source's changes one request at a time and
// must read, decide and write as one step, such as a SCIM server: read
// through [Editor.DB], [Editor.Records] or [Manager.StoredRecords] with
// it, then [Editor.Push] or [Editor.Remove].
func (m *Manager) Edit(ctx context.Context, sourceName string, fn func(ctx context.Context, e *Editor) error) error {
	if sourceName == "" {
		return fmt.Errorf("%w: an edit needs a source name", ErrInvalidSource)
	}
	return m.withRunTx(ctx, sourceName, func(tx bun.Tx) error {
		// Read under the lock, so the policy cannot change under a run.
		pol, err := sourcePolicy(ctx, tx, sourceName)
		if err != nil {
			return err
		}
		return fn(ctx, &Editor{m: m, tx: tx, source: sourceName, policy: pol})
	})
}

// DB is the edit's transaction: read through it to see what the edit
// wrote so far, and nothing another writer has not committed.
func (e *Editor) DB() bun.IDB { return e.tx }

// Policy is the policy of the edit's source (DefaultPolicy when it has no
// source row).
func (e *Editor) Policy() *Policy { return e.policy }

// Records returns the source's sync records of dataType with the given
// uids, keyed by uid, each with its links oldest first. They are as
// stored: records synced as deleted, without links or marked missing are
// included; a uid with no sync record is absent.
func (e *Editor) Records(ctx context.Context, dataType DataType, uids ...string) (map[string]*OriginRecord, error) {
	out := make(map[string]*OriginRecord, len(uids))
	if len(uids) == 0 {
		return out, nil
	}
	q := RecordQuery{SourceName: e.source, DataType: dataType, UIDs: uids, IncludeMissing: true}
	if err := q.check(); err != nil {
		return nil, err
	}
	recs, err := loadRecords(ctx, e.tx, q, false)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		out[rec.SourceUk] = &rec.OriginRecord
	}
	return out, nil
}

// Push syncs data as the edit's source (data.SourceName is replaced)
// inside the edit's transaction: the policy applied, the records
// transformed and validated as [Manager.Push] does them. A user record
// marked missing comes back as it does in a pull: without an "enabled"
// of its own it is enabled again, and the mark goes. After an error (a
// *DataError, a *FailedError, one from the database) part of data may be
// written: fn must return an error so that the edit rolls back.
func (e *Editor) Push(ctx context.Context, data UserData) ([]SyncResult, error) {
	data.SourceName = e.source
	e.m.log.InfoContext(ctx, "datasync: edit push", "source", data.SourceName, "dataType", data.DataType, "records", len(data.Records))
	uids, err := e.m.prepareWith(e.policy, &data)
	if err != nil {
		return nil, err
	}
	pr := &pullRun{}
	if data.DataType == DataTypeUser {
		if pr.missing, err = missingAmong(ctx, e.tx, e.source, uids); err != nil {
			return nil, err
		}
	}
	pr.reenable(&data)
	return e.sync(ctx, data, uids)
}

// Remove does to the source's records of dataType with the given uids at
// once what its policy's OnMissing does to records a pull no longer has:
// "disable" syncs each again as last stored, marked missing
// (MissingSinceKey) and, for a user, disabled, so that a later Push of it
// brings it back; "delete" syncs each as deleted; "keep" writes nothing
// and returns no results. A root user is never disabled or deleted.
//
// Every uid must name a live record of the source: one that exists, was
// not synced as deleted and, under "disable", is not marked missing
// already; else Remove returns an error wrapping ErrRecordNotFound (404)
// naming the first such uid, and writes nothing.
func (e *Editor) Remove(ctx context.Context, dataType DataType, uids ...string) ([]SyncResult, error) {
	if len(uids) == 0 {
		return nil, nil
	}
	if err := (&RecordQuery{SourceName: e.source, DataType: dataType}).check(); err != nil {
		return nil, err
	}
	stored, err := loadStoredByUID(ctx, e.tx, e.source, dataType, uids)
	if err != nil {
		return nil, err
	}
	for _, uid := range uids {
		if err := e.live(dataType, uid, stored[uid]); err != nil {
			return nil, err
		}
	}
	var part sweepPart
	switch e.policy.OnMissing {
	case MissingKeep:
		return nil, nil
	case MissingDelete:
		part = deletePart(dataType, uids)
	default:
		part = markPart(dataType, uids, stored, time.Now().UTC().Truncate(time.Second))
	}
	data := UserData{DataType: dataType, SourceName: e.source, Records: part.records}
	recUIDs, err := e.m.validate(&data)
	if err != nil {
		return nil, err
	}
	return e.sync(ctx, data, recUIDs)
}

// live checks that rec, the stored record of uid, is one Remove can
// remove.
func (e *Editor) live(dataType DataType, uid string, rec Record) error {
	_, marked := rec[MissingSinceKey]
	if rec == nil || rec.IsDeleted() || (marked && e.policy.OnMissing == MissingDisable) {
		return &referenceError{
			msg:  fmt.Sprintf("datasync: source %q has no %s record %q", e.source, dataType, uid),
			kind: ErrRecordNotFound,
		}
	}
	return nil
}

// sync runs data, prepared, through the resources in the edit's
// transaction.
func (e *Editor) sync(ctx context.Context, data UserData, uids map[string]int) ([]SyncResult, error) {
	r, err := e.m.runData(ctx, e.tx, &data, uids, e.policy, false, false)
	if err != nil {
		return nil, err
	}
	return r.results(), nil
}

// missingAmong returns which of uids name user records of source marked
// missing: those a Push brings back (see pullRun.reenable).
func missingAmong(ctx context.Context, db bun.IDB, source string, uids map[string]int) (map[string]struct{}, error) {
	list := make([]string, 0, len(uids))
	for uid := range uids {
		list = append(list, uid)
	}
	var found []string
	err := db.NewSelect().TableExpr("?", recordsTable).Column("sourceUk").
		Where("? = ? AND ? = ?", bun.Ident("sourceName"), source, bun.Ident("dataType"), DataTypeUser).
		Where("?", sqllist.InTexts(db, bun.Ident("sourceUk"), list)).
		Where("? IS NOT NULL", missingSinceExpr(db)).
		Scan(ctx, &found)
	if err != nil {
		return nil, fmt.Errorf("datasync: read the missing users of %q: %w", source, err)
	}
	out := make(map[string]struct{}, len(found))
	for _, uid := range found {
		out[uid] = struct{}{}
	}
	return out, nil
}
