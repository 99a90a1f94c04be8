package datasync

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// DataType says what a UserData carries: users or departments.
type DataType string

// The data types NocoBase syncs.
const (
	DataTypeUser       DataType = "user"
	DataTypeDepartment DataType = "department"
)

// Record is one incoming record, NocoBase's FormatUser or FormatDepartment:
// "uid" identifies it within its source, the other keys are fields
// ("nickname", "email", custom fields), "departments" (a user's
// memberships, see [Record.Departments]), "parentUid" (a department's
// parent) and "isDeleted". Numbers decoded from JSON are json.Number.
type Record map[string]any

// UID returns the record's uid as a string: NocoBase's sourceUk. Strings
// and whole numbers are accepted; anything else, an empty string
// included, is not a uid.
func (r Record) UID() (string, bool) { return uidString(r["uid"]) }

// IsDeleted reports whether the record asks for its resources to be
// removed ("isDeleted": true).
func (r Record) IsDeleted() bool {
	b, _ := r["isDeleted"].(bool)
	return b
}

// ParentUID returns a department record's parentUid, or "" when it has
// none.
func (r Record) ParentUID() string {
	s, _ := uidString(r["parentUid"])
	return s
}

// UserDepartment is one entry of a user record's "departments": a
// department uid with the user's role in it.
type UserDepartment struct {
	UID     string `json:"uid"`
	IsOwner bool   `json:"isOwner,omitempty"`
	IsMain  bool   `json:"isMain,omitempty"`
}

// Departments returns a user record's memberships. Entries are a uid
// (string or number) or an object {uid, isOwner?, isMain?}; a missing or
// null "departments" is no entries. An entry of another shape is an error
// naming its index.
func (r Record) Departments() ([]UserDepartment, error) {
	raw, ok := r["departments"]
	if !ok || raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("departments: want a list, got %s", jsonval.TypeName(raw))
	}
	out := make([]UserDepartment, 0, len(list))
	for i, e := range list {
		if uid, ok := uidString(e); ok {
			out = append(out, UserDepartment{UID: uid})
			continue
		}
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("departments[%d]: want a uid or {uid, isOwner, isMain}, got %s", i, jsonval.TypeName(e))
		}
		uid, ok := uidString(m["uid"])
		if !ok {
			return nil, fmt.Errorf("departments[%d].uid: want a string or a whole number", i)
		}
		d := UserDepartment{UID: uid}
		for key, dst := range map[string]*bool{"isOwner": &d.IsOwner, "isMain": &d.IsMain} {
			switch v := m[key].(type) {
			case nil:
			case bool:
				*dst = v
			default:
				return nil, fmt.Errorf("departments[%d].%s: want a boolean, got %s", i, key, jsonval.TypeName(v))
			}
		}
		out = append(out, d)
	}
	return out, nil
}

func uidString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, v != ""
	case json.Number:
		if _, err := strconv.ParseInt(string(v), 10, 64); err != nil {
			return "", false
		}
		return string(v), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		if v != float64(int64(v)) {
			return "", false
		}
		return strconv.FormatInt(int64(v), 10), true
	}
	return "", false
}

// UserData is one push or one part of a source's output: records of one
// data type from one source. MatchKey names the field that finds an
// existing user for a record seen for the first time ("email", "phone",
// "username"; "uid" or empty always creates).
type UserData struct {
	DataType   DataType `json:"dataType"`
	MatchKey   string   `json:"matchKey,omitempty"`
	Records    []Record `json:"records"`
	SourceName string   `json:"sourceName,omitempty"`
}

// Link ties a sync record to one row a resource made for it: NocoBase's
// userDataSyncRecordsResources row.
type Link struct {
	Resource   string `json:"resource"`
	ResourcePk string `json:"resourcePk"`
	// New is true for a link made during the current run (always false
	// outside one). In a dry run a resource's planned create shows as a
	// New link with an empty ResourcePk, so later resources plan the same
	// way whether or not the create was carried out.
	New bool `json:"-"`
}

// OriginRecord is a stored sync record: the last record a source sent for
// one uid, the one before it, and the links to what resources made of it.
type OriginRecord struct {
	ID           int64    `json:"id"`
	SourceName   string   `json:"sourceName"`
	SourceUk     string   `json:"sourceUk"`
	DataType     DataType `json:"dataType"`
	MetaData     Record   `json:"metaData"`
	LastMetaData Record   `json:"lastMetaData,omitempty"`
	Resources    []Link   `json:"resources"`
}

// LinksTo returns the primary keys of the rows resource made for the
// record, in link order.
func (o *OriginRecord) LinksTo(resource string) []string {
	var pks []string
	for _, l := range o.Resources {
		if l.Resource == resource {
			pks = append(pks, l.ResourcePk)
		}
	}
	return pks
}

// RecordResourceChanged is what a resource reports back for one record: a
// row it now holds for the record (a link to add) or one it no longer
// holds (IsDeleted: the link to remove).
type RecordResourceChanged struct {
	ResourcePk string `json:"resourcesPk"`
	IsDeleted  bool   `json:"isDeleted"`
}

// SyncResult is NocoBase's per-resource outcome of one UserData.
type SyncResult struct {
	Resource string     `json:"resource"`
	Detail   SyncDetail `json:"detail"`
}

// SyncDetail counts a resource's records and lists those that failed.
// IgnoredFields (not in NocoBase, omitted when empty) names record fields
// the resource had nowhere to write, sorted: a misspelt field shows here
// instead of vanishing.
type SyncDetail struct {
	Count         SyncCount      `json:"count"`
	FailedRecords []FailedRecord `json:"failedRecords"`
	IgnoredFields []string       `json:"ignoredFields,omitempty"`
}

// SyncCount is NocoBase's {all, success, failed}.
type SyncCount struct {
	All     int `json:"all"`
	Success int `json:"success"`
	Failed  int `json:"failed"`
}

// FailedRecord is a record a resource could not apply, with the reason.
// Err, when set, is the cause for callers to tell apart with errors.Is
// (ErrConflict); it is not part of the JSON, and a failure read back from
// a stored plan has none.
type FailedRecord struct {
	Record  Record `json:"record"`
	Message string `json:"message"`
	Err     error  `json:"-"`
}

// MarshalJSON writes the failed record with its passwords redacted: push
// replies, plans and task messages never echo one.
func (f FailedRecord) MarshalJSON() ([]byte, error) {
	type plain FailedRecord
	p := plain(f)
	p.Record = Record(redact(f.Record))
	return json.Marshal(p)
}
