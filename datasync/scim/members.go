package scim

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// A group's members are not stored with the group: a User member is a
// user record that lists the group's key (groupStore.membershipField: a
// department uid under "departments", a role name under "roles"), a
// Group member a department record whose parentUid is the group's.
// Changing members therefore rewrites those records, all of a kind in
// one Push: adding 1,000 members is one set-based run of 1,000 user
// records.

// The member types of RFC 7643 §4.2.
const (
	memberUser  = "User"
	memberGroup = "Group"
)

// memberSet maps the ids of a group's members to their type.
type memberSet map[string]string

// directory is the part of the source's live users and groups that an
// operation reads, by id. An operation on one group reads that group's
// (groupDirectory): the group, its members, then the users and groups
// the request names (load), so that adding a member to a group of a
// 100,000-user source reads a few records, not 100,000 (the database
// still looks through the records' lists to find the members: no index
// serves a JSON list). Only a list of groups with their members reads
// the whole source (loadDirectory).
type directory struct {
	store  groupStore
	users  map[string]*datasync.StoredRecord
	groups map[string]*group
	// byKey finds a group by the key its members' records list.
	byKey map[string]*group
	// userOrder and groupOrder are in the order they were provisioned:
	// the order members are served in, users first.
	userOrder  []*datasync.StoredRecord
	groupOrder []*group
}

// newDirectory is an empty directory of store's groups.
func newDirectory(store groupStore) *directory {
	return &directory{
		store: store, users: map[string]*datasync.StoredRecord{},
		groups: map[string]*group{}, byKey: map[string]*group{},
	}
}

// add puts users and groups, none of them in d yet, into d. Users stay
// in the order they were provisioned (record id), so that a Push of
// them is in the order a read of the whole source would give. Groups
// are appended: a group's Group members are read in one read, in order,
// and every group read later is not a member of it.
func (d *directory) add(users []*datasync.StoredRecord, groups []*group) {
	for _, rec := range users {
		d.users[rec.SourceUk] = rec
	}
	d.userOrder = append(d.userOrder, users...)
	slices.SortFunc(d.userOrder, func(a, b *datasync.StoredRecord) int { return cmp.Compare(a.ID, b.ID) })
	for _, g := range groups {
		d.groups[g.id] = g
		d.byKey[g.key] = g
	}
	d.groupOrder = append(d.groupOrder, groups...)
}

// loadDirectory reads all of the source's live users and groups: what
// listing groups with their members needs, and nothing else should.
func (h *handler) loadDirectory(ctx context.Context, db bun.IDB) (*directory, error) {
	users, err := h.records(ctx, db, datasync.DataTypeUser, false)
	if err != nil {
		return nil, err
	}
	groups, err := h.groups.groups(ctx, db)
	if err != nil {
		return nil, err
	}
	d := newDirectory(h.groups)
	d.add(users, groups)
	return d, nil
}

// groupDirectory reads group g and its members: the users whose records
// list g's key (found by the database) and the groups whose parent g is.
// Its d.membersOf(g.id) is g's members, whatever else the source holds.
func (h *handler) groupDirectory(ctx context.Context, db bun.IDB, g *group) (*directory, error) {
	users, err := h.m.StoredRecords(ctx, db, datasync.RecordQuery{
		SourceName: h.source, DataType: datasync.DataTypeUser,
		Listing: &datasync.ListMatch{Key: h.groups.membershipField(), Values: []string{g.key}},
	})
	if err != nil {
		return nil, err
	}
	children, err := h.groups.children(ctx, db, g)
	if err != nil {
		return nil, err
	}
	d := newDirectory(h.groups)
	d.add(users, append(children, g))
	return d, nil
}

// load reads the source's live users and groups among ids that d does
// not hold yet (the members a request names, once it is applied): one
// read of each kind, however many ids. An id of neither stays unknown,
// for resolveMembers to refuse.
func (d *directory) load(ctx context.Context, h *handler, db bun.IDB, ids memberSet) error {
	var missing []string
	for id := range ids {
		if d.users[id] == nil && d.groups[id] == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	users, err := h.records(ctx, db, datasync.DataTypeUser, false, missing...)
	if err != nil {
		return err
	}
	groups, err := h.groups.groups(ctx, db, missing...)
	if err != nil {
		return err
	}
	d.add(users, groups)
	return nil
}

// members returns the served members of the groups for which want is
// true, by group id: those d holds, all of a group's when d is the
// whole source or that group's groupDirectory.
func (d *directory) members(want func(gid string) bool) map[string][]any {
	idx := map[string][]any{}
	for _, rec := range d.userOrder {
		for _, key := range d.store.memberships(rec) {
			if g := d.byKey[key]; g != nil && want(g.id) {
				idx[g.id] = append(idx[g.id], member(rec.SourceUk, storedResource(rec), memberUser))
			}
		}
	}
	for _, g := range d.groupOrder {
		if g.parent != "" && want(g.parent) {
			idx[g.parent] = append(idx[g.parent], member(g.id, g.res, memberGroup))
		}
	}
	return idx
}

// membersOf returns the served members of group gid that d holds: all
// of them when d is the whole source or gid's groupDirectory.
func (d *directory) membersOf(gid string) []any {
	return d.members(func(id string) bool { return id == gid })[gid]
}

// groupMembers returns the served members of group g.
func (h *handler) groupMembers(ctx context.Context, db bun.IDB, g *group) ([]any, error) {
	d, err := h.groupDirectory(ctx, db, g)
	if err != nil {
		return nil, err
	}
	return d.membersOf(g.id), nil
}

// memberIndex returns the served members of every group, by group id:
// one read of the source's live users and one of its live groups,
// whatever the number of groups. Only a list of groups needs it.
func (h *handler) memberIndex(ctx context.Context, db bun.IDB) (map[string][]any, error) {
	d, err := h.loadDirectory(ctx, db)
	if err != nil {
		return nil, err
	}
	return d.members(func(string) bool { return true }), nil
}

// member is the served member with id whose resource is res: its id,
// type and display name (a user's displayName, else its userName).
func member(id string, res map[string]any, typ string) map[string]any {
	display, _ := res["displayName"].(string)
	if display == "" {
		display, _ = res["userName"].(string)
	}
	m := map[string]any{"value": id, "type": typ}
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
// and so is the group gid itself. A group member where groups do not
// nest (roles) is a 400 invalidValue too.
func (d *directory) resolveMembers(gid string, want memberSet) error {
	var unknown, nested []string
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
		if typ == memberGroup && !d.store.nests() {
			nested = append(nested, id)
			continue
		}
		want[id] = typ
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return newError(http.StatusBadRequest, ScimTypeInvalidValue, "members: no user or other group of this provider has the id %s", strings.Join(unknown, ", "))
	}
	if len(nested) > 0 {
		slices.Sort(nested)
		return newError(http.StatusBadRequest, ScimTypeInvalidValue, "members: groups are roles here, and roles do not nest: %s is a group", strings.Join(nested, ", "))
	}
	return nil
}

// changeMembers makes the members of group gid want instead of have, its
// key going from oldKey to newKey (a role renamed; a department's key
// never changes): the users that join, stay or leave get their records'
// lists of keys changed, in one Push (a user whose list does not change
// is not pushed; their enterprise departments, which exist already, are
// only looked up: pushUsers); the groups that join or leave get their
// parent set to gid or cleared, in one save before it.
func (h *handler) changeMembers(ctx context.Context, e *datasync.Editor, d *directory, gid, oldKey, newKey string, have, want memberSet) error {
	var users []datasync.Record
	var groups []*group
	for id, typ := range want {
		if _, ok := have[id]; !ok && typ == memberGroup {
			groups = append(groups, d.moved(gid, id, true))
		}
	}
	for id, typ := range have {
		if _, ok := want[id]; !ok && typ == memberGroup {
			groups = append(groups, d.moved(gid, id, false))
		}
	}
	for _, u := range d.userOrder {
		_, in := want[u.SourceUk]
		_, was := have[u.SourceUk]
		if in || was {
			if rec, changed := d.rekeyed(u, oldKey, newKey, in); changed {
				users = append(users, rec)
			}
		}
	}
	if len(groups) > 0 {
		if err := h.groups.save(ctx, e, groups...); err != nil {
			return err
		}
	}
	return h.pushUsers(ctx, e, users)
}

// moved is member group id as it is once it joins (or leaves) group gid:
// gid its parent (none, if gid was).
func (d *directory) moved(gid, id string, joins bool) *group {
	g := *d.groups[id]
	if joins {
		g.parent = gid
	} else if g.parent == gid {
		g.parent = ""
	}
	g.res = cloneResource(g.res)
	return &g
}

// rekeyed is the record of user rec with oldKey taken out of its list
// of keys and, when it is a member, newKey in its place (or last);
// changed is false when the list stays as it was, so that a member that
// stays in a group whose key is the same is not pushed.
func (d *directory) rekeyed(rec *datasync.StoredRecord, oldKey, newKey string, member bool) (datasync.Record, bool) {
	was := d.store.memberships(rec)
	keys := make([]string, 0, len(was)+1)
	for _, k := range was {
		if k == oldKey {
			k = newKey
			if !member {
				continue
			}
		}
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if member && !slices.Contains(keys, newKey) {
		keys = append(keys, newKey)
	}
	if slices.Equal(was, keys) {
		return nil, false
	}
	res := resourceOf(rec)
	res["id"] = rec.SourceUk
	return userRecord(res, "", d.store.membershipField(), keys), true
}
