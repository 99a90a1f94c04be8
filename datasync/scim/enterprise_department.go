package scim

import (
	"context"
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// A user's enterprise department (RFC 7643 §4.3: the extension's
// "department", a name) is a membership of the department titled with
// that name, the user's main one, in either GroupMode. Such a department
// is a department record of the source, as a group is in
// GroupsAsDepartments, but it is not a group: identity providers send
// the name, not an id, and a group of that title is a different thing,
// which the same provider may send as well. So its uid is made from the
// name (enterpriseDeptUID), which no group's server-assigned UUID can
// equal, and its SourceDataKey value names the attribute
// (enterpriseDeptAttr), which no group has: departmentGroups skips it,
// and SCIM never lists, reads, changes or deletes it as a group. It is
// created by the first write of a user that names it and then left
// alone: a department its last member left stays, as one a sync
// made does.

// enterpriseDeptAttr is the enterprise extension's department, as a
// path: the key of an enterprise department record's SourceDataKey value.
const enterpriseDeptAttr = EnterpriseUserURN + ":department"

// enterpriseDeptPrefix starts the uid of every enterprise department.
const enterpriseDeptPrefix = "department:"

// maxDepartmentName bounds a department name, in bytes: it makes a uid,
// the key of a unique index, and PostgreSQL fails an index entry over
// about 2.7 kB, a server error where the client's name is at fault.
const maxDepartmentName = 255

// enterpriseDepartment is the department name of user resource res, ""
// when it has none (no extension, no department, or a blank one).
// Surrounding spaces are not part of it, so that "R&D " names the same
// department as "R&D"; the resource keeps the value as it was sent.
func enterpriseDepartment(res map[string]any) string {
	ext, _ := res[EnterpriseUserURN].(map[string]any)
	name, _ := ext["department"].(string)
	return strings.TrimSpace(name)
}

// enterpriseDeptUID is the uid of the department named name.
func enterpriseDeptUID(name string) string { return enterpriseDeptPrefix + name }

// isEnterpriseDeptUID reports whether a department uid is an enterprise
// department's, for the places that have only the uid: a user record's
// "departments".
func isEnterpriseDeptUID(uid string) bool { return strings.HasPrefix(uid, enterpriseDeptPrefix) }

// isEnterpriseDept reports whether a department record is an enterprise
// department's, by its SourceDataKey value.
func isEnterpriseDept(rec *datasync.StoredRecord) bool {
	_, ok := storedResource(rec)[enterpriseDeptAttr]
	return ok
}

// enterpriseDeptRecord is the department record of department name: a
// top-level department titled name.
func enterpriseDeptRecord(name string) datasync.Record {
	return datasync.Record{
		"uid":                  enterpriseDeptUID(name),
		"title":                name,
		"parentUid":            nil,
		datasync.SourceDataKey: map[string]any{enterpriseDeptAttr: name},
	}
}

// withEnterpriseDept is depts (a user record's "departments": group
// uids, or none) with the main membership of res's department added.
// It is always a list, empty when there is nothing in it, so that a
// user whose department went leaves it.
func withEnterpriseDept(res map[string]any, depts any) []any {
	out, _ := depts.([]any)
	if out == nil {
		out = []any{}
	}
	if name := enterpriseDepartment(res); name != "" {
		out = append(out, map[string]any{"uid": enterpriseDeptUID(name), "isMain": true})
	}
	return out
}

// pushUsers pushes user records inside e, as push does, once the
// enterprise departments they name exist: the missing ones are created
// first, in one Push whatever the number of users, since a user record
// naming a department that is not synced fails.
func (h *handler) pushUsers(ctx context.Context, e *datasync.Editor, recs []datasync.Record) error {
	names, err := departmentNames(recs)
	if err != nil {
		return err
	}
	if err := h.ensureDepartments(ctx, e, names); err != nil {
		return err
	}
	return push(ctx, e, datasync.DataTypeUser, recs)
}

// ensureDepartments creates the enterprise departments among names that
// the source does not have live, in one Push: one read, and no write
// when they all exist.
func (h *handler) ensureDepartments(ctx context.Context, e *datasync.Editor, names []string) error {
	if len(names) == 0 {
		return nil
	}
	uids := make([]string, len(names))
	for i, name := range names {
		uids[i] = enterpriseDeptUID(name)
	}
	have, err := h.records(ctx, e.DB(), datasync.DataTypeDepartment, false, uids...)
	if err != nil {
		return err
	}
	live := make(map[string]bool, len(have))
	for _, rec := range have {
		live[rec.SourceUk] = true
	}
	var missing []datasync.Record
	for _, name := range names {
		if !live[enterpriseDeptUID(name)] {
			missing = append(missing, enterpriseDeptRecord(name))
		}
	}
	return push(ctx, e, datasync.DataTypeDepartment, missing)
}

// departmentNames are the enterprise departments user records name, each
// once, in the order first named; a name over maxDepartmentName is a 400
// invalidValue.
func departmentNames(recs []datasync.Record) ([]string, error) {
	var names []string
	seen := map[string]bool{}
	for _, rec := range recs {
		res, _ := rec[datasync.SourceDataKey].(map[string]any)
		name := enterpriseDepartment(res)
		if name == "" || seen[name] {
			continue
		}
		if len(name) > maxDepartmentName {
			return nil, newError(http.StatusBadRequest, ScimTypeInvalidValue, "%s: a department name has at most %d bytes, this one %d", enterpriseDeptAttr, maxDepartmentName, len(name))
		}
		seen[name] = true
		names = append(names, name)
	}
	return names, nil
}
