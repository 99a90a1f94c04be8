// Package datasync keeps a directory (users, departments, memberships)
// equal to outside ones, after NocoBase's user data sync plugin: the same
// push API, records, sync tables and resource order, done set-based, in one
// transaction per run, and without deleting what a source cannot prove it
// made.
//
//	if err := datasync.CreateTables(ctx, db); err != nil { ... }
//	m := datasync.NewManager(db, datasync.Options{})
//	users.RegisterSyncResources(m, users.Options{}) // "users", then "departments"
//
//	results, err := m.Push(ctx, datasync.UserData{
//		DataType: datasync.DataTypeUser,
//		MatchKey: "email",
//		Records: []datasync.Record{
//			{"uid": "e17", "nickname": "Ada", "email": "ada@example.com", "departments": []any{"rnd"}},
//		},
//	})
//
//	// NocoBase's push endpoint, behind the host's authentication:
//	http.Handle("POST /api/userData:push", authenticate(m.PushHandler(datasync.PushHandlerOptions{})))
//
// # Records, resources and sync records
//
// A source sends [UserData]: records of one [DataType] ("user" or
// "department"), each a [Record] with a "uid" that identifies it within
// the source. The manager keeps one sync record per (source, data type, uid)
// in userDataSyncRecords, with the record as last synced (metaData) and the
// one before (lastMetaData), and links in userDataSyncRecordsResources to
// the rows each resource made for it. Resources run in the order
// [Manager.RegisterResource] gives them (NocoBase's toposort): a record
// with no link to a resource is created there, a linked one updated.
//
// Resources come in two kinds. [UserDataResource] is NocoBase's per-record
// interface (Create, Update), for a host's own resources. [BatchResource]
// is handed whole chunks of records ([Options.ChunkSize], 1,000 by default)
// with their links already loaded, plans the chunk in a few queries and
// writes it in a few statements; the built-in users and departments
// resources (package users) are batch resources.
//
// A run takes a UserData through the resources chunk by chunk inside one
// transaction. Each record is stored with the SHA-256 of its canonical
// JSON; a record that hashes the same as at its last successful sync, and
// whose links no earlier resource changed in this run, is unchanged: it
// costs no writes and per-record resources are not called for it.
//
// # Plan, then apply
//
// Every run first computes a [Plan] — per resource: creates, updates with
// the changed fields, deletes, membership changes, parent moves, records
// kept on purpose and failures — and then carries it out. [Manager.Plan]
// returns the plan without writing (a dry run); [Manager.Apply] writes
// exactly that plan, or nothing and [ErrStalePlan] if the directory changed
// in between. [Manager.UpdateOrCreate] and [Manager.Push] plan and apply in
// one go.
//
// # Safety
//
//   - All or nothing: a run applies in one transaction. A failed record, a
//     database error or a cancelled context part-way rolls everything back,
//     the sync records included. Options.SkipFailed gives NocoBase's
//     per-record failures instead.
//   - Idempotent: a record whose content hashes the same as at its last
//     successful sync is skipped (its rows still exist), so re-running the
//     same data writes nothing.
//   - Ownership: a sync removes only what its source made. Memberships a
//     person added by hand survive every sync; a user is deleted only
//     through its own link, never because a deleted record matched it by
//     email; a root user is never deleted.
//   - Parents before children whatever the input order; a parentUid cycle
//     fails the run naming the uids.
//   - Runs of one source are serialised (a PostgreSQL advisory lock; SQLite
//     has one writer).
//
// # Sources and tasks
//
// A [Source] streams UserData from an outside directory. Register its type
// with [Manager.RegisterSourceType], add a source row ([Manager.AddSource]),
// and [Manager.Pull] runs it as a task (init → processing → success or
// failed, with its cost and message) in the background, the whole pull in
// one transaction; [Manager.Wait] waits for it, [Manager.Retry] runs a
// failed task again.
//
// A pull is a whole snapshot of its source. A read that stopped short
// returns an error (sources wrap ErrIncomplete), the run rolls back, and
// nothing is disabled or deleted because it was not seen. Pushes never
// delete what they do not name.
//
// # Editing a source one change at a time
//
// A host that receives a source's changes one request at a time (a SCIM
// server) reads and writes through [Manager.Edit]: one transaction under
// the source's run lock and policy, in which [Editor.Push] and
// [Editor.Remove] (the policy's OnMissing, at once) commit together or
// not at all. [Manager.StoredRecords] lists what the source synced and
// still has, and a record's [SourceDataKey] keeps the source's own form
// of it, which the resources ignore.
//
// # Source options: the policy
//
// A source row's options hold its type's settings and the manager's own
// ([Policy], read by [ParsePolicy]; source types never see them, see
// [SourceConfig]): what happens to missing users, deletion limits, the
// identity field ("identity": id, username, email or phone for users; id
// or name for departments; with id, one id ↔ one name in a pull or the
// run fails naming both), explicit adoption of hand-made users ("adopt",
// "blockSoftMatch"; every adoption logged, in the plan and remembered),
// the first sync ("firstSync": retain, or clear the users no source
// synced, never root), the fields the source owns on existing users
// ("ownedFields", "editableWhileSynced"), roles ("roles": {"create"}),
// passwords ("password": {"format"}: plain is hashed before it is stored,
// sha256-hex kept for sign-in to upgrade, or a host's transformer),
// "confirmDatasetSwitch", "retry", "schedule" and "fullSchedule". A typo is
// an error naming the option. Resources see the policy through
// [Batch.Policy]; pushes from a source name with a row follow its policy.
//
// # Missing users and approval
//
// A complete pull (never a failed or short one, never a delta run) compares
// what the source emitted with what it synced before. What it no longer has
// follows the source's "onMissing": "disable" (the default) syncs each
// missing user again as last synced with "enabled": false and the mark
// "missingSince" (the run's UTC time), keeping its departments and roles, so
// that a user who comes back is enabled again and gets everything back;
// missing departments are marked the same way and kept. "purgeAfterDays": N
// deletes what has been missing more than N days. "delete" deletes at once;
// "keep" does nothing. Root users are never disabled or deleted.
//
// "deletionLimits" ({"percent", "count", "allowAll"}) count the users a run
// would newly disable or delete, out of the source's synced users not
// already missing; purges and departments are not limited (a user is
// counted once, when it goes missing). A refused task ends pendingApproval,
// with the message ("synced users would be reduced by 67% (6), reaching the
// 30% threshold"), its Plan, and a notice to Options.Notifier;
// [Manager.Approve] runs it again and applies the refused changes only if
// they are still the same users (else it plans again). [Manager.RunSource]
// returns the *DeletionLimitError instead; RunSourceOptions.Approve set to its
// Fingerprint does the same. A run that would take every synced user is
// refused without a fingerprint unless allowAll: no approval lifts it.
//
// # Operations
//
// A [DeltaSource] (LDAP by modifyTimestamp, sqlrows with an updated-at
// column) can read only what changed since the watermark the last run
// saved: [Manager.PullChanges]; a [Scheduler] runs deltas on "schedule" and
// full reconciles on "fullSchedule", and retries transient source failures
// with back-off ("retry"). Schedules are an interval or a cron expression
// with optional jitter ([ParseSchedule], [Manager.NextRun]); one Scheduler
// of a fleet runs each source (a lease row per source, taken over when its
// holder stops renewing it). [Manager.Clear] removes what a source synced
// (adopted rows are unlinked, not deleted) and disables it. Every task run
// keeps what it changed, field by field with old and new values and
// passwords redacted: [Manager.History]. Options.Notifier hears of the first
// failure after a success (not the ones after it) and of every task that
// waits for approval. Package syncapi serves all of it over HTTP.
//
// # Securing the push endpoint
//
// PushHandler does no authentication or authorisation of its own: it
// writes the directory for whoever reaches it. Mount it behind the host's
// authentication and the ACL (NocoBase grants it through the snippet
// pm.user-data-sync, "userData:*"), and keep MaxBodyBytes as small as the
// largest push a source sends.
//
// # Differences from NocoBase
//
//   - The push handler answers bad input with 400 and NocoBase's messages
//     (NocoBase answers 500), an oversized body with 413, records that
//     cannot be applied with 422.
//   - A record without a uid is named by its index, not printed whole; the
//     same uid twice in one push is refused (NocoBase lets the last win).
//   - A deleted record removes its link, so sending it again does nothing
//     (NocoBase re-creates the user); a deleted record with no link does
//     nothing (NocoBase creates a user from it, or deletes a hand-made user
//     it matches by email).
//   - An unchanged record is skipped, so the sync record's lastMetaData is
//     the previous different content, and a hand edit of a synced field
//     stays until the source changes that record.
//   - A user's department that was never synced from the source fails the
//     record (NocoBase silently drops the membership).
//   - A membership made by hand is never removed or changed by a sync
//     (NocoBase removes every membership the source does not list:
//     nocobase#9136).
//   - A result's detail names the record fields a resource ignored
//     (ignoredFields, omitted when there are none), and the run logs them
//     once: NocoBase drops a misspelt field without a word.
//   - Task guards work (NocoBase's `!tasks && !tasks.length` never fires).
package datasync
