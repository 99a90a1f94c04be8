package datasync

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// SyncRecord is a row of userDataSyncRecords: the last record a source
// sent for one uid. MetaHash (not in NocoBase) is the hash of the record's
// canonical JSON as last synced successfully; a record that hashes the
// same is unchanged and costs no writes.
type SyncRecord struct {
	bun.BaseModel `bun:"table:userDataSyncRecords,alias:userDataSyncRecords"`
	ID            int64                 `bun:"id,pk,autoincrement" json:"id"`
	SourceName    string                `bun:"sourceName,notnull" json:"sourceName"`
	SourceUk      string                `bun:"sourceUk,notnull" json:"sourceUk"`
	DataType      DataType              `bun:"dataType,notnull" json:"dataType"`
	MetaData      Record                `bun:"metaData,type:json" json:"metaData"`
	LastMetaData  Record                `bun:"lastMetaData,type:json" json:"lastMetaData"`
	MetaHash      string                `bun:"metaHash,nullzero" json:"-"`
	CreatedAt     time.Time             `bun:"createdAt,notnull,default:current_timestamp" json:"createdAt"`
	UpdatedAt     time.Time             `bun:"updatedAt,notnull,default:current_timestamp" json:"updatedAt"`
	Resources     []*SyncRecordResource `bun:"rel:has-many,join:id=recordId" json:"resources,omitempty"`
}

// SyncRecordResource is a row of userDataSyncRecordsResources: a link from
// a sync record to a row a resource made for it.
type SyncRecordResource struct {
	bun.BaseModel `bun:"table:userDataSyncRecordsResources,alias:userDataSyncRecordsResources"`
	ID            int64     `bun:"id,pk,autoincrement" json:"id"`
	RecordID      int64     `bun:"recordId,notnull" json:"recordId"`
	Resource      string    `bun:"resource,notnull" json:"resource"`
	ResourcePk    string    `bun:"resourcePk" json:"resourcePk"`
	CreatedAt     time.Time `bun:"createdAt,notnull,default:current_timestamp" json:"createdAt"`
	UpdatedAt     time.Time `bun:"updatedAt,notnull,default:current_timestamp" json:"updatedAt"`
}

// SyncSource is a row of userDataSyncSources: a configured source of a
// registered type. Only enabled sources run.
type SyncSource struct {
	bun.BaseModel `bun:"table:userDataSyncSources,alias:userDataSyncSources"`
	ID            int64          `bun:"id,pk,autoincrement" json:"id"`
	Name          string         `bun:"name,notnull,unique" json:"name"`
	SourceType    string         `bun:"sourceType,notnull" json:"sourceType"`
	DisplayName   string         `bun:"displayName" json:"displayName"`
	Enabled       bool           `bun:"enabled,notnull,default:false" json:"enabled"`
	Options       map[string]any `bun:"options,type:json,notnull,default:'{}'" json:"options"`
	Sort          int64          `bun:"sort" json:"sort"`
	CreatedAt     time.Time      `bun:"createdAt,notnull,default:current_timestamp" json:"createdAt"`
	UpdatedAt     time.Time      `bun:"updatedAt,notnull,default:current_timestamp" json:"updatedAt"`
	CreatedByID   *int64         `bun:"createdById" json:"createdById"`
	UpdatedByID   *int64         `bun:"updatedById" json:"updatedById"`
}

// Task statuses: a task is created init, runs processing, and ends success
// or failed; a failed task can be retried (processing again). A run that
// would delete more synced users than its source allows ends
// pendingApproval (not in NocoBase) with the deletions it would make in
// Plan; [Manager.Approve] runs it again with them allowed.
const (
	TaskInit            = "init"
	TaskProcessing      = "processing"
	TaskSuccess         = "success"
	TaskFailed          = "failed"
	TaskPendingApproval = "pendingApproval"
)

// SyncTask is a row of userDataSyncTasks: one run of a source.
type SyncTask struct {
	bun.BaseModel `bun:"table:userDataSyncTasks,alias:userDataSyncTasks"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Batch         string `bun:"batch,notnull,unique" json:"batch"`
	SourceID      int64  `bun:"sourceId,notnull" json:"sourceId"`
	Status        string `bun:"status,notnull" json:"status"`
	Message       string `bun:"message" json:"message"`
	Cost          *int64 `bun:"cost" json:"cost"`
	// Plan is, for a pendingApproval task, the deletions awaiting
	// approval; Fingerprint identifies them, so that Approve applies
	// exactly them or plans again.
	Plan        []*Plan   `bun:"plan,type:json" json:"plan,omitempty"`
	Fingerprint string    `bun:"fingerprint,nullzero" json:"-"`
	Sort        int64     `bun:"sort" json:"sort"`
	CreatedAt   time.Time `bun:"createdAt,notnull,default:current_timestamp" json:"createdAt"`
	UpdatedAt   time.Time `bun:"updatedAt,notnull,default:current_timestamp" json:"updatedAt"`
	CreatedByID *int64    `bun:"createdById" json:"createdById"`
	UpdatedByID *int64    `bun:"updatedById" json:"updatedById"`
}

// SyncLease is a row of userDataSyncLeases (not in NocoBase): which
// [Scheduler] of a fleet runs a source's schedule, until when. A holder
// that crashes stops renewing it, and after ExpiresAt another takes over.
type SyncLease struct {
	bun.BaseModel `bun:"table:userDataSyncLeases,alias:userDataSyncLeases"`
	SourceName    string    `bun:"sourceName,pk" json:"sourceName"`
	Holder        string    `bun:"holder,notnull" json:"holder"`
	ExpiresAt     time.Time `bun:"expiresAt,notnull" json:"expiresAt"`
}

// SyncChange is a row of userDataSyncChanges (not in NocoBase): one row a
// task's run changed, with what changed, so that an administrator can ask
// why a user was disabled on Tuesday. Passwords are redacted.
type SyncChange struct {
	bun.BaseModel `bun:"table:userDataSyncChanges,alias:userDataSyncChanges"`
	ID            int64          `bun:"id,pk,autoincrement" json:"id"`
	TaskID        int64          `bun:"taskId,notnull" json:"taskId"`
	SourceName    string         `bun:"sourceName,notnull" json:"sourceName"`
	DataType      DataType       `bun:"dataType,notnull" json:"dataType"`
	Resource      string         `bun:"resource,notnull" json:"resource"`
	UID           string         `bun:"uid,notnull" json:"uid"`
	ResourcePk    string         `bun:"resourcePk" json:"resourcePk"`
	Op            string         `bun:"op,notnull" json:"op"`
	Values        map[string]any `bun:"values,type:json" json:"values,omitempty"`
	Previous      map[string]any `bun:"previous,type:json" json:"previous,omitempty"`
	Reason        string         `bun:"reason" json:"reason,omitempty"`
	CreatedAt     time.Time      `bun:"createdAt,notnull,default:current_timestamp" json:"createdAt"`
}

// SyncAdoption is a row of userDataSyncAdoptions (not in NocoBase): a row
// a source took over (a soft match) rather than created. Clearing the
// source unlinks it and leaves it.
type SyncAdoption struct {
	bun.BaseModel `bun:"table:userDataSyncAdoptions,alias:userDataSyncAdoptions"`
	Resource      string    `bun:"resource,pk" json:"resource"`
	ResourcePk    string    `bun:"resourcePk,pk" json:"resourcePk"`
	SourceName    string    `bun:"sourceName,notnull" json:"sourceName"`
	UID           string    `bun:"uid,notnull" json:"uid"`
	CreatedAt     time.Time `bun:"createdAt,notnull,default:current_timestamp" json:"createdAt"`
}

// SyncState is a row of userDataSyncState (not in NocoBase): what the
// manager keeps between a source's runs. Watermark is where the next delta
// run starts (DeltaSource); LastFullAt is the end of the last complete
// run; Dataset identifies the dataset the source's records came from, so
// that a switch is noticed.
type SyncState struct {
	bun.BaseModel `bun:"table:userDataSyncState,alias:userDataSyncState"`
	SourceName    string     `bun:"sourceName,pk" json:"sourceName"`
	Watermark     string     `bun:"watermark,nullzero" json:"watermark,omitempty"`
	LastFullAt    *time.Time `bun:"lastFullAt" json:"lastFullAt,omitempty"`
	Dataset       string     `bun:"dataset,nullzero" json:"dataset,omitempty"`
	UpdatedAt     time.Time  `bun:"updatedAt,notnull,default:current_timestamp" json:"updatedAt"`
}

// CreateTables creates the four sync tables, the schedulers' leases
// (userDataSyncLeases), the change history (userDataSyncChanges), the
// adoptions (userDataSyncAdoptions), the per-source state
// (userDataSyncState) and their indexes if they do not exist. Beyond
// NocoBase's columns it adds userDataSyncRecords.metaHash, the tasks'
// plan and fingerprint, and a unique index on (sourceName, dataType,
// sourceUk): one sync record per uid, which NocoBase assumes but does not
// enforce.
func CreateTables(ctx context.Context, db bun.IDB) error {
	for _, m := range []any{(*SyncRecord)(nil), (*SyncRecordResource)(nil), (*SyncSource)(nil), (*SyncTask)(nil), (*SyncLease)(nil), (*SyncChange)(nil), (*SyncAdoption)(nil), (*SyncState)(nil)} {
		if _, err := db.NewCreateTable().Model(m).IfNotExists().Exec(ctx); err != nil {
			return fmt.Errorf("datasync: create table for %T: %w", m, err)
		}
	}
	indexes := []struct {
		model   any
		name    string
		unique  bool
		columns []string
	}{
		{(*SyncRecord)(nil), "userDataSyncRecords_source_uk_idx", true, []string{"sourceName", "dataType", "sourceUk"}},
		// Covering: a chunk's links are read by record with these columns
		// (the id is SQLite's rowid, in every index), so reading them never
		// visits the table.
		{(*SyncRecordResource)(nil), "userDataSyncRecordsResources_record_idx", false, []string{"recordId", "resource", "resourcePk"}},
		{(*SyncRecordResource)(nil), "userDataSyncRecordsResources_resource_pk_idx", false, []string{"resource", "resourcePk"}},
		{(*SyncTask)(nil), "userDataSyncTasks_sourceId_idx", false, []string{"sourceId"}},
		{(*SyncChange)(nil), "userDataSyncChanges_task_idx", false, []string{"taskId"}},
		{(*SyncChange)(nil), "userDataSyncChanges_resource_pk_idx", false, []string{"resource", "resourcePk"}},
		{(*SyncChange)(nil), "userDataSyncChanges_uid_idx", false, []string{"uid"}},
		{(*SyncChange)(nil), "userDataSyncChanges_createdAt_idx", false, []string{"createdAt"}},
	}
	for _, ix := range indexes {
		q := db.NewCreateIndex().Model(ix.model).IfNotExists().Index(ix.name).Column(ix.columns...)
		if ix.unique {
			q = q.Unique()
		}
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("datasync: index %s: %w", ix.name, err)
		}
	}
	return nil
}
