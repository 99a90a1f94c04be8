package datasync

import (
	"context"

	"github.com/uptrace/bun"
)

// Resource is what the manager registers: a name (its links' "resource"
// column and its toposort tag) and the data types it accepts. A Resource
// must also be a [UserDataResource] or a [BatchResource] (or both; the
// batch interface is then used).
type Resource interface {
	Name() string
	Accepts() []DataType
}

// UserDataResource is NocoBase's per-record interface, for resources a
// host writes where speed does not matter: the manager calls Create for a
// record with no link to the resource yet and Update with the primary keys
// of the record's links. Both run inside the run's transaction (tx) and
// return the links to add or remove.
//
// In a dry run ([Manager.Plan]) neither is called: the plan lists which
// would be.
type UserDataResource interface {
	Resource
	Create(ctx context.Context, tx bun.IDB, record *OriginRecord, matchKey string) ([]RecordResourceChanged, error)
	Update(ctx context.Context, tx bun.IDB, record *OriginRecord, resourcePks []string, matchKey string) ([]RecordResourceChanged, error)
}

// BatchResource is the set-based interface: the manager hands it whole
// chunks of records, with their links already loaded, and it answers with
// a handful of statements per chunk instead of round trips per record.
//
// PlanBatch computes what the chunk needs without writing; ApplyBatch
// writes exactly that plan inside the run's transaction and returns the
// link changes per record uid. The manager calls PlanBatch and then, unless
// it is a dry run, ApplyBatch on the same chunk, before it plans the next
// resource or chunk.
type BatchResource interface {
	Resource
	PlanBatch(ctx context.Context, db bun.IDB, batch *Batch) (*ResourcePlan, error)
	ApplyBatch(ctx context.Context, tx bun.IDB, batch *Batch, plan *ResourcePlan) ([]LinkChange, error)
}

// LinkChange is a [RecordResourceChanged] for the record with uid UID.
type LinkChange struct {
	UID        string
	ResourcePk string
	IsDeleted  bool
}

// Batch is one chunk of one UserData, as a BatchResource sees it.
type Batch struct {
	SourceName string
	DataType   DataType
	MatchKey   string
	// DryRun is true when the plan will not be applied.
	DryRun  bool
	Records []BatchRecord

	run *run
}

// BatchRecord is one record of a batch: its stored sync record (ID is 0
// for a record seen for the first time; Resources are its links as they
// are now, earlier resources' links of this run included) and whether its
// content is unchanged since its last successful sync.
type BatchRecord struct {
	OriginRecord
	// Index is the record's position in the UserData.
	Index int
	// Unchanged is true when the record's content equals the one last
	// synced and no earlier resource changed its links in this run; the
	// built-in resources then skip it if its rows still exist.
	Unchanged bool
	// LastFailed is true when the record's previous sync failed in some
	// resource: LastMetaData is then what that sync was handed, which may
	// not have been written. A resource that writes a field only when it
	// differs from LastMetaData (a password) writes it again.
	LastFailed bool
}

// LookupLinks returns, for each uid of a record of dataType from the
// batch's source that has a link to resource, that link's primary key
// (the first when there are several). Uids without one are absent. It
// sees the links written so far in this run.
func (b *Batch) LookupLinks(ctx context.Context, dataType DataType, resource string, uids []string) (map[string]Link, error) {
	return b.run.lookupLinks(ctx, dataType, resource, uids)
}

// LookupUIDs is the reverse of LookupLinks: for each primary key of a row
// of resource linked to a record of dataType from the batch's source, the
// record's uid.
func (b *Batch) LookupUIDs(ctx context.Context, dataType DataType, resource string, pks []string) (map[string]string, error) {
	return b.run.lookupUIDs(ctx, dataType, resource, pks)
}

// Policy is the policy of the batch's source (never nil): what its
// options say about identity, adoption, owned fields, roles and passwords.
func (b *Batch) Policy() *Policy { return b.run.policy }

// InRun reports whether uid is a record of the UserData being run (in any
// chunk), so a resource can tell a parent that this run will create from
// one that does not exist.
func (b *Batch) InRun(uid string) bool { return b.run.inRun(uid) }

// RunState returns the value a resource keeps under key for the current
// run of one UserData, made by init on first use. It carries what a
// resource learns in one chunk to the next (what a dry run would already
// have written, the plan of a chunk for its apply) and is dropped when the
// run ends. Use a key type of the resource's own, as with context values.
func (b *Batch) RunState(key any, init func() any) any {
	r := b.run
	if v, ok := r.state[key]; ok {
		return v
	}
	if r.state == nil {
		r.state = map[any]any{}
	}
	v := init()
	r.state[key] = v
	return v
}

// Defer registers fn to run inside the run's transaction after the last
// chunk of the UserData has been applied: work that needs every chunk
// applied first, such as giving a department the parent a later chunk
// creates. Deferred functions run in registration order. In a dry run
// they are not called.
func (b *Batch) Defer(fn func(ctx context.Context, tx bun.IDB) error) {
	b.run.deferred = append(b.run.deferred, fn)
}

// Preparer is an optional interface of a BatchResource for checks that
// need a whole UserData rather than one chunk: the manager calls Prepare
// once per UserData, before its first chunk, with every record and a
// Batch (without Records) for lookups. An error stops the run before it
// writes; the departments resource refuses a parentUid cycle here.
// Prepare must not modify data.
type Preparer interface {
	Prepare(ctx context.Context, db bun.IDB, data *UserData, batch *Batch) error
}
