package scim

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// departmentGroups keeps groups as departments (GroupsAsDepartments): a
// group is a department record of the source, displayName its title,
// its User members the users whose records list its uid under
// "departments", its Group members the departments whose parentUid it
// is. A removed group goes as the source's policy says (marked missing
// and kept by default); its members' records keep its uid, which names
// no live group any more.
type departmentGroups struct{ h *handler }

func (s *departmentGroups) groups(ctx context.Context, db bun.IDB, ids ...string) ([]*group, error) {
	return s.read(ctx, db, datasync.RecordQuery{UIDs: ids})
}

// children reads the departments whose parentUid is g's, found by the
// database.
func (s *departmentGroups) children(ctx context.Context, db bun.IDB, g *group) ([]*group, error) {
	return s.read(ctx, db, datasync.RecordQuery{Fields: []datasync.FieldMatch{{Path: []string{"parentUid"}, Value: g.id}}})
}

// read reads the source's live department records q selects, as groups.
// An enterprise department (enterprise_department.go) is a department
// record of the source but no group: it is never among them, so that
// no list, read, member or write of a group reaches it.
func (s *departmentGroups) read(ctx context.Context, db bun.IDB, q datasync.RecordQuery) ([]*group, error) {
	q.SourceName, q.DataType = s.h.source, datasync.DataTypeDepartment
	recs, err := s.h.m.StoredRecords(ctx, db, q)
	if err != nil {
		return nil, err
	}
	out := make([]*group, 0, len(recs))
	for _, rec := range recs {
		if isEnterpriseDept(rec) {
			continue
		}
		res := resourceOf(rec)
		delete(res, "id")
		delete(res, "members")
		out = append(out, &group{
			id: rec.SourceUk, res: res, key: rec.SourceUk, parent: rec.MetaData.ParentUID(),
			created: rec.CreatedAt, updated: rec.UpdatedAt,
		})
	}
	return out, nil
}

// groupsKeyed is groups: a department's key is its uid.
func (s *departmentGroups) groupsKeyed(ctx context.Context, db bun.IDB, keys ...string) ([]*group, error) {
	return s.groups(ctx, db, keys...)
}

// save pushes the groups' department records, in one Push.
func (s *departmentGroups) save(ctx context.Context, e *datasync.Editor, gs ...*group) error {
	recs := make([]datasync.Record, len(gs))
	for i, g := range gs {
		res := cloneResource(g.res)
		res["id"] = g.id
		recs[i] = groupRecord(res, g.parent)
	}
	return push(ctx, e, datasync.DataTypeDepartment, recs)
}

// remove removes the department record, as the source's policy says.
func (s *departmentGroups) remove(ctx context.Context, e *datasync.Editor, g *group) error {
	_, err := e.Remove(ctx, datasync.DataTypeDepartment, g.id)
	return storeError(err)
}

func (s *departmentGroups) keyOf(id string, _ map[string]any) string { return id }

func (s *departmentGroups) membershipField() string { return "departments" }

func (s *departmentGroups) memberships(rec *datasync.StoredRecord) []string {
	return departmentsOf(rec)
}

func (s *departmentGroups) nests() bool { return true }

// departmentsOf is the uids of the departments a user record lists but
// its enterprise department, which userRecord adds from the resource:
// the groups its user is a member of.
func departmentsOf(rec *datasync.StoredRecord) []string {
	depts, _ := rec.MetaData.Departments()
	out := make([]string, 0, len(depts))
	for _, d := range depts {
		if !isEnterpriseDeptUID(d.UID) {
			out = append(out, d.UID)
		}
	}
	return out
}
