package scim

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// A group's members are not stored with the group: a User member is a
// user record whose "departments" lists the group's uid (the membership
// datasync writes), a Group member a department record whose parentUid
// is the group's. Changing members therefore rewrites those records, all
// of a kind in one Push: adding 1,000 members is one set-based run of
// 1,000 user records.

// The member types of RFC 7643 §4.2.
const (
	memberUser  = "User"
	memberGroup = "Group"
)

// memberSet maps the ids of a group's members to their type.
type memberSet map[string]string

// directory is the source's live users and groups, by uid, as one read
// of each loaded them: a membership change needs both sets whole (a
// group's members are found by scanning them), so it reads them once and
// looks everything else up here.
type directory struct {
	users, groups map[string]*datasync.StoredRecord
	// order is the users, then the groups, in the order they were
	// provisioned: the order members are served in.
	order []*datasync.StoredRecord
}

// loadDirectory reads the source's live users and groups.
func (h *handler) loadDirectory(ctx context.Context, db bun.IDB) (*directory, error) {
	users, err := h.records(ctx, db, datasync.DataTypeUser, false)
	if err != nil {
		return nil, err
	}
	groups, err := h.records(ctx, db, datasync.DataTypeDepartment, false)
	if err != nil {
		return nil, err
	}
	d := &directory{users: make(map[string]*datasync.StoredRecord, len(users)), groups: make(map[string]*datasync.StoredRecord, len(groups))}
	for _, rec := range users {
		d.users[rec.SourceUk] = rec
	}
	for _, rec := range groups {
		d.groups[rec.SourceUk] = rec
	}
	d.order = append(users, groups...)
	return d, nil
}

// members returns the served members of the groups for which want is
// true, by group uid.
func (d *directory) members(want func(gid string) bool) map[string][]any {
	idx := map[string][]any{}
	for _, rec := range d.order {
		if _, isUser := d.users[rec.SourceUk]; !isUser {
			if parent := rec.MetaData.ParentUID(); parent != "" && want(parent) {
				idx[parent] = append(idx[parent], member(rec, memberGroup))
			}
			continue
		}
		for _, gid := range departmentsOf(rec) {
			if want(gid) {
				idx[gid] = append(idx[gid], member(rec, memberUser))
			}
		}
	}
	return idx
}

// memberIndex returns the served members of the groups for which want is
// true, by group uid: one read of the source's live users and one of its
// live groups, whatever the number of groups.
func (h *handler) memberIndex(ctx context.Context, db bun.IDB, want func(gid string) bool) (map[string][]any, error) {
	d, err := h.loadDirectory(ctx, db)
	if err != nil {
		return nil, err
	}
	return d.members(want), nil
}

// member is the served member of a group that rec is: its id, type and
// display name (a user's displayName, else its userName).
func member(rec *datasync.StoredRecord, typ string) map[string]any {
	res, _ := rec.MetaData[datasync.SourceDataKey].(map[string]any)
	display, _ := res["displayName"].(string)
	if display == "" {
		display, _ = res["userName"].(string)
	}
	m := map[string]any{"value": rec.SourceUk, "type": typ}
	if display != "" {
		m["display"] = display
	}
	return m
}

// setOf reads the members of a group's "members" value: ids, and types
// where given. Normalize and ApplyPatch have checked their shape.
func setOf(members any) memberSet {
	list, _ := members.([]any)
	set := make(memberSet, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		id, _ := m["value"].(string)
		if id == "" {
			continue
		}
		typ, _ := m["type"].(string)
		set[id] = typ
	}
	return set
}

// resolveMembers gives the members of want their type, by finding each
// among the directory's users and groups: a member of neither, or not of
// the type the client said, is a 400 invalidValue naming every such id,
// and so is the group gid itself.
func (d *directory) resolveMembers(gid string, want memberSet) error {
	var unknown []string
	for id, said := range want {
		typ := ""
		if _, ok := d.users[id]; ok {
			typ = memberUser
		} else if _, ok := d.groups[id]; ok {
			typ = memberGroup
		}
		if typ == "" || id == gid || (said != "" && !strings.EqualFold(said, typ)) {
			unknown = append(unknown, id)
			continue
		}
		want[id] = typ
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return newError(http.StatusBadRequest, ScimTypeInvalidValue, "members: no user or other group of this provider has the id %s", strings.Join(unknown, ", "))
	}
	return nil
}

// changeMembers makes the members of group gid want instead of have: the
// users that join or leave get the group's uid added to or removed from
// their departments, in one Push; the groups that join or leave get
// their parentUid set to gid or cleared, in another.
func (h *handler) changeMembers(ctx context.Context, e *datasync.Editor, d *directory, gid string, have, want memberSet) error {
	var users, groups []datasync.Record
	for id, typ := range want {
		if _, ok := have[id]; !ok {
			users, groups = d.moved(gid, id, typ, true, users, groups)
		}
	}
	for id, typ := range have {
		if _, ok := want[id]; !ok {
			users, groups = d.moved(gid, id, typ, false, users, groups)
		}
	}
	if err := push(ctx, e, datasync.DataTypeDepartment, groups); err != nil {
		return err
	}
	return push(ctx, e, datasync.DataTypeUser, users)
}

// moved appends the record of member id of type typ as it is once it
// joins (or leaves) group gid: a user with gid added to (removed from)
// its departments, a group with gid as its parent (none, if gid was).
func (d *directory) moved(gid, id, typ string, joins bool, users, groups []datasync.Record) ([]datasync.Record, []datasync.Record) {
	if typ == memberGroup {
		rec := d.groups[id]
		parent := rec.MetaData.ParentUID()
		if joins {
			parent = gid
		} else if parent == gid {
			parent = ""
		}
		res := resourceOf(rec)
		res["id"] = id
		return users, append(groups, groupRecord(res, parent))
	}
	rec := d.users[id]
	depts := slices.DeleteFunc(departmentsOf(rec), func(d string) bool { return d == gid })
	if joins {
		depts = append(depts, gid)
	}
	res := resourceOf(rec)
	res["id"] = id
	return append(users, userRecord(res, "", depts)), groups
}
