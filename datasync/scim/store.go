package scim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// The handler keeps nothing of its own but the groups GroupsAsRoles
// makes (scimGroups, groups_roles.go): every other SCIM resource is the
// datasync record its source pushed, the resource itself under
// datasync.SourceDataKey. Reads go through Manager.StoredRecords (on
// m.DB() for a GET, on the Editor's transaction inside a write), writes
// through Editor.Push and Editor.Remove (and scimGroups through
// Editor.DB), so that a request is one transaction and SCIM sees only
// the records of its own source: root, hand-made users and other
// sources' users have none.

// records reads the source's live records of dataType (all of them when
// uids is empty); includeMissing adds those its removals marked missing.
func (h *handler) records(ctx context.Context, db bun.IDB, dataType datasync.DataType, includeMissing bool, uids ...string) ([]*datasync.StoredRecord, error) {
	return h.m.StoredRecords(ctx, db, datasync.RecordQuery{
		SourceName: h.source, DataType: dataType, UIDs: uids, IncludeMissing: includeMissing,
	})
}

// foldedMatch narrows a record query to the records with value at path,
// compared ignoring case, when the database can: for an ASCII value (the
// usual userName), whose case SQL's lower() folds as strings.EqualFold
// does — but for the few non-ASCII letters that fold to ASCII ones (the
// Kelvin sign), which such a value then misses. For any other value it
// narrows nothing and the caller's own comparison decides alone.
func foldedMatch(path []string, value string) []datasync.FieldMatch {
	for i := 0; i < len(value); i++ {
		if value[i] >= utf8.RuneSelf {
			return nil
		}
	}
	return []datasync.FieldMatch{{Path: path, Value: value, FoldCase: true}}
}

// liveUser is the source's live user record with uid id, or a 404: a
// user removed (marked missing), never provisioned, or not this source's
// is not there for SCIM.
func (h *handler) liveUser(ctx context.Context, db bun.IDB, id string) (*datasync.StoredRecord, error) {
	recs, err := h.records(ctx, db, datasync.DataTypeUser, false, id)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, newError(http.StatusNotFound, "", "%s %q not found", UserResource.Name, id)
	}
	return recs[0], nil
}

// resourceOf is a copy of the stored SCIM resource of rec, for the caller
// to build on; an empty one for a record that has none.
func resourceOf(rec *datasync.StoredRecord) map[string]any {
	return cloneResource(rec.MetaData[datasync.SourceDataKey])
}

// storedResource is the stored SCIM resource of rec itself, nil when it
// has none: for reading a few attributes without copying the whole
// resource (a list reads every record's). The caller must not change it.
func storedResource(rec *datasync.StoredRecord) map[string]any {
	res, _ := rec.MetaData[datasync.SourceDataKey].(map[string]any)
	return res
}

// cloneResource is a deep copy of a stored resource; an empty one when v
// is none.
func cloneResource(v any) map[string]any {
	res, _ := jsonval.Clone(v).(map[string]any)
	if res == nil {
		res = map[string]any{}
	}
	return res
}

// push syncs records of dataType inside e, as one set-based run whatever
// their number, and turns the datasync failures a client caused into SCIM
// errors.
func push(ctx context.Context, e *datasync.Editor, dataType datasync.DataType, recs []datasync.Record) error {
	if len(recs) == 0 {
		return nil
	}
	_, err := e.Push(ctx, datasync.UserData{DataType: dataType, Records: recs})
	return storeError(err)
}

// storeError maps the datasync errors a request can cause to SCIM errors:
// a clash on a unique field is 409 uniqueness (RFC 7644 §3.3: the userName,
// email or phone belongs to a user SCIM cannot see), a failed record or
// invalid data is 400 invalidValue with datasync's reason (which names the
// field and never a password), a record that is gone 404. Anything else
// stays as it is: a server failure.
func storeError(err error) error {
	var failed *datasync.FailedError
	var data *datasync.DataError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, datasync.ErrConflict):
		return &Error{Status: http.StatusConflict, ScimType: ScimTypeUniqueness, Detail: failureText(err), Err: err}
	case errors.Is(err, datasync.ErrRecordNotFound):
		return &Error{Status: http.StatusNotFound, Detail: "the resource is gone", Err: err}
	case errors.As(err, &failed), errors.As(err, &data):
		return &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidValue, Detail: failureText(err), Err: err}
	}
	return err
}

// failureText is a datasync error's text without its package prefix.
func failureText(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "datasync: ")
	return strings.TrimPrefix(s, "users: ")
}
