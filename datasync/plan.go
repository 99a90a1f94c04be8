package datasync

import "encoding/json"

// Plan is what a run would do, computed before anything is written:
// [Manager.Plan] returns it (a dry run) and [Manager.Apply] writes exactly
// it, or nothing if the directory has changed since.
//
// A plan names records by their uid. It carries a primary key only for a
// row that existed before the run (the row an update or delete touches),
// never for one the run creates, so the plan of a dry run and the plan
// the run itself follows are equal.
type Plan struct {
	SourceName string   `json:"sourceName"`
	DataType   DataType `json:"dataType"`
	MatchKey   string   `json:"matchKey,omitempty"`
	// Records counts the sync records: seen for the first time, changed
	// since the last sync, or unchanged (their resources are skipped).
	Records RecordCounts `json:"records"`
	// Resources are in the order they run.
	Resources []ResourcePlan `json:"resources"`

	data UserData // the input, replayed by Apply
}

// RecordCounts counts a run's sync records by what happens to them.
type RecordCounts struct {
	New       int `json:"new"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
}

// ResourcePlan is one resource's part of a plan.
type ResourcePlan struct {
	Resource string `json:"resource"`
	// PerRecord is true for a resource that only has NocoBase's per-record
	// interface: Creates and Updates then list which of its methods will
	// be called for which record, not what it will write.
	PerRecord bool `json:"perRecord,omitempty"`

	Creates     []RecordChange     `json:"creates,omitempty"`
	Updates     []RecordChange     `json:"updates,omitempty"`
	Deletes     []RecordChange     `json:"deletes,omitempty"`
	Memberships []MembershipChange `json:"memberships,omitempty"`
	Moves       []MoveChange       `json:"moves,omitempty"`
	// Kept lists records whose change the resource refuses on purpose and
	// without failing, with the reason (a root user is never deleted).
	Kept []RecordChange `json:"kept,omitempty"`
	// Unchanged counts records the resource leaves alone because nothing
	// changed.
	Unchanged int `json:"unchanged"`
	// Failures are records the resource cannot apply. Unless the manager
	// skips failed records, one failure stops the run before it writes.
	Failures []FailedRecord `json:"failures,omitempty"`
	// Ignored names record fields the resource has nowhere to write (not a
	// column, or a column the sync does not own), sorted.
	Ignored []string `json:"ignored,omitempty"`
}

// RecordChange is one row created, updated, deleted or kept.
type RecordChange struct {
	UID string `json:"uid"`
	// PK is the existing row's primary key (updates, deletes, kept); empty
	// for a create.
	PK string `json:"pk,omitempty"`
	// Values are what a create writes, or the new values of the fields an
	// update changes.
	Values map[string]any `json:"values,omitempty"`
	// Previous are the values an update replaces.
	Previous map[string]any `json:"previous,omitempty"`
	// ParentUID is the parent a created department gets ("" for none).
	ParentUID string `json:"parentUid,omitempty"`
	// Reason says why: a re-created row whose linked row vanished, a kept
	// record.
	Reason string `json:"reason,omitempty"`
	// Adopted is true for an update that takes over an existing row no
	// source synced (a soft match): the manager remembers it, so that
	// clearing the source unlinks the row instead of deleting it.
	Adopted bool `json:"adopted,omitempty"`
}

// MarshalJSON writes the change with the value of every password key in
// Values and Previous replaced by [Redacted]: plans are printed by tools
// and returned over HTTP. The Go value keeps the passwords, so a plan
// applies (and compares) as it was made.
func (c RecordChange) MarshalJSON() ([]byte, error) {
	type plain RecordChange // the fields without this method
	p := plain(c)
	p.Values, p.Previous = redact(c.Values), redact(c.Previous)
	return json.Marshal(p)
}

// MembershipOp is what happens to one membership.
type MembershipOp string

// Membership operations.
const (
	MembershipAdd    MembershipOp = "add"
	MembershipRemove MembershipOp = "remove"
	// MembershipUpdate changes an existing membership's owner flag.
	MembershipUpdate MembershipOp = "update"
)

// MembershipChange adds, removes or updates a user's membership of a
// department. UserPK is empty when the run creates the user; departments
// always exist before a user run (they are synced by a department run).
type MembershipChange struct {
	Op            MembershipOp `json:"op"`
	UserUID       string       `json:"userUid"`
	UserPK        string       `json:"userPk,omitempty"`
	DepartmentUID string       `json:"departmentUid"`
	DepartmentPK  string       `json:"departmentPk"`
	IsOwner       bool         `json:"isOwner"`
}

// MoveChange gives an existing department a new parent.
type MoveChange struct {
	UID string `json:"uid"`
	PK  string `json:"pk"`
	// FromPK is the current parent's key ("" for none); ToUID the new
	// parent's uid ("" for none).
	FromPK string `json:"fromPk,omitempty"`
	ToUID  string `json:"toUid,omitempty"`
}

// Empty reports whether the resource plan writes nothing.
func (p *ResourcePlan) Empty() bool {
	return len(p.Creates)+len(p.Updates)+len(p.Deletes)+len(p.Memberships)+len(p.Moves) == 0
}
