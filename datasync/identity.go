package datasync

import (
	"fmt"
	"maps"
	"strconv"
)

// Applying a source's identity and matching settings (Policy.UserIdentity,
// DepartmentIdentity, Adopt, BlockSoftMatch) to its data, before the data
// is validated and hashed:
//
//   - User identity "username", "email" or "phone": each user record's
//     uid becomes that field's value, so a renamed user is another user.
//     A record without the field (an isDeleted one included: it cannot be
//     found otherwise) is a *DataError naming its index and the field.
//   - Department identity "name": each department record's uid becomes
//     its "title". Its parentUid, and the "departments" entries of user
//     records, still name the source's ids: an id that a department record
//     of the same pull (or of the same UserData) had is replaced by that
//     department's title. Any other reference is left as it is: it names
//     a department by its title, which is its uid under this identity (a
//     push of users, which carries no departments, names them so), and a
//     reference that is neither fails where an unknown uid fails (a user's
//     membership) or means no parent (parentUid), as it does under ID
//     identity. Two department ids with one title, or one id with two
//     titles, are a *DataError naming both.
//   - User identity "id" (the default): one uid, one username. Two uids
//     with the same username, or one uid with two usernames, within a
//     UserData or across the parts of one pull, are a *DataError naming
//     both uids. Usernames compare exactly, as the users table's unique
//     index does: "Alice" and "alice" are two names. Records without a
//     username and isDeleted records (a deleted user frees its name for
//     another record of the run) are not checked.
//   - The match key: a UserData's own matchKey (a push's), else the
//     policy's Adopt. With BlockSoftMatch any matchKey but "" and "uid" is
//     refused.
//
// Records that change are copies: the caller's records keep their values.
// Applying a policy twice (Apply replays a plan's data, which was applied
// when planned) changes nothing the second time.

// policyState is what applying a policy remembers across the parts of
// one pull: the usernames (ID identity) and department titles (name
// identity) the pull has had so far. A nil *policyState remembers nothing:
// a push is one UserData.
//
// The maps hold strings, not hashes of them: about 180 bytes per user for
// the two username maps (measured with 1M users and uids the pull keeps
// anyway; 64-bit hashes of the usernames measured 110 and would need the
// names again to tell a collision from a duplicate).
type policyState struct {
	usernames map[string]string // username → the uid that has it
	uidNames  map[string]string // uid → its username
	deptIDs   map[string]string // department title → the source id that has it
	deptNames map[string]string // department source id → its title
}

// applyPolicy applies a source's identity and matching settings to data
// before it is validated (see above). st may be nil.
func applyPolicy(pol *Policy, st *policyState, data *UserData) error {
	if err := applyMatchKey(pol, data); err != nil {
		return err
	}
	switch data.DataType {
	case DataTypeUser:
		return st.applyUsers(pol, data)
	case DataTypeDepartment:
		return st.applyDepartments(pol, data)
	}
	return nil // validate refuses the type
}

// applyMatchKey sets a user UserData's matchKey to the policy's Adopt when
// it has none, and refuses soft matching when the policy blocks it.
func applyMatchKey(pol *Policy, data *UserData) error {
	if pol.BlockSoftMatch && data.MatchKey != "" && data.MatchKey != "uid" {
		return &DataError{Message: fmt.Sprintf("source %q blocks soft matching: matchKey %q is refused (remove the matchKey from the push or the source type's options, or turn blockSoftMatch off)", data.SourceName, data.MatchKey)}
	}
	if data.MatchKey == "" && data.DataType == DataTypeUser {
		data.MatchKey = pol.Adopt
	}
	return nil
}

// applyUsers gives user records their identity and, under ID identity,
// checks that uids and usernames pair one to one; under name identity for
// departments it translates the records' department ids.
func (st *policyState) applyUsers(pol *Policy, data *UserData) error {
	if field := pol.UserIdentity; field != "" && field != IdentityID {
		if err := identifyBy(data, field, "user identity"); err != nil {
			return err
		}
	} else if err := st.checkUsernames(data); err != nil {
		return err
	}
	if pol.DepartmentIdentity == IdentityName && st != nil && len(st.deptNames) > 0 {
		st.translateMemberships(data)
	}
	return nil
}

// identifyBy replaces each record's uid with the value of field, copying
// the records. what names the setting for messages.
func identifyBy(data *UserData, field, what string) error {
	recs := make([]Record, len(data.Records))
	var missing []int
	for i, rec := range data.Records {
		id, ok := uidString(rec[field])
		if !ok {
			missing = append(missing, i)
			continue
		}
		if cur, _ := rec.UID(); cur == id {
			recs[i] = rec
			continue
		}
		c := maps.Clone(rec)
		c["uid"] = id
		recs[i] = c
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("records[%d] has no %q, the %s of source %q", missing[0], field, what, data.SourceName)
		if n := len(missing) - 1; n > 0 {
			msg += " (and " + strconv.Itoa(n) + " more records)"
		}
		return &DataError{Message: msg, Records: missing}
	}
	data.Records = recs
	return nil
}

// checkUsernames refuses two uids with one username, or one uid with two
// usernames, in data or between data and the pull's earlier parts; then
// it remembers data's pairs. A uid that appears twice in data is left to
// validate, which refuses it.
func (st *policyState) checkUsernames(data *UserData) error {
	byName := map[string]int{} // username → its record in data
	inData := make(map[string]bool, len(data.Records))
	for i, rec := range data.Records {
		uid, ok := rec.UID()
		if !ok || inData[uid] || rec.IsDeleted() {
			continue
		}
		inData[uid] = true
		name, ok := rec["username"].(string)
		if !ok || name == "" {
			continue
		}
		if j, dup := byName[name]; dup {
			other, _ := data.Records[j].UID()
			return &DataError{
				Message: fmt.Sprintf("uids %q and %q have the same username (records[%d] and records[%d]): one ID, one name", other, uid, j, i),
				Records: []int{j, i},
			}
		}
		byName[name] = i
		if err := st.checkEarlier(uid, name, i); err != nil {
			return err
		}
	}
	st.rememberUsernames(data, byName)
	return nil
}

// checkEarlier compares a record's uid and username with the pull's
// earlier parts.
func (st *policyState) checkEarlier(uid, name string, i int) error {
	if st == nil {
		return nil
	}
	if prev, ok := st.uidNames[uid]; ok && prev != name {
		return &DataError{
			Message: fmt.Sprintf("uid %q has one username in an earlier part of the pull and another in records[%d]: one ID, one name", uid, i),
			Records: []int{i},
		}
	}
	if other, ok := st.usernames[name]; ok && other != uid {
		return &DataError{
			Message: fmt.Sprintf("uids %q (an earlier part of the pull) and %q (records[%d]) have the same username: one ID, one name", other, uid, i),
			Records: []int{i},
		}
	}
	return nil
}

func (st *policyState) rememberUsernames(data *UserData, byName map[string]int) {
	if st == nil {
		return
	}
	if st.usernames == nil {
		st.usernames, st.uidNames = map[string]string{}, map[string]string{}
	}
	for name, i := range byName {
		uid, _ := data.Records[i].UID()
		st.usernames[name] = uid
		st.uidNames[uid] = name
	}
}

// translateMemberships replaces the department ids of user records'
// "departments" entries that the pull's department records had with
// their titles. Malformed entries are left to the departments resource.
func (st *policyState) translateMemberships(data *UserData) {
	copied := false
	for i, rec := range data.Records {
		list, ok := rec["departments"].([]any)
		if !ok {
			continue
		}
		var out []any // a copy, made at the first entry that changes
		for k, e := range list {
			ne, changed := st.translateEntry(e)
			if !changed {
				continue
			}
			if out == nil {
				out = append([]any(nil), list...)
			}
			out[k] = ne
		}
		if out == nil {
			continue
		}
		if !copied {
			data.Records, copied = append([]Record(nil), data.Records...), true
		}
		c := maps.Clone(rec)
		c["departments"] = out
		data.Records[i] = c
	}
}

// translateEntry translates one "departments" entry: a uid, or an object
// with one.
func (st *policyState) translateEntry(e any) (any, bool) {
	if id, ok := uidString(e); ok {
		title, found := st.deptNames[id]
		return title, found && title != id
	}
	m, ok := e.(map[string]any)
	if !ok {
		return e, false
	}
	id, ok := uidString(m["uid"])
	title, found := st.deptNames[id]
	if !ok || !found || title == id {
		return e, false
	}
	c := maps.Clone(m)
	c["uid"] = title
	return c, true
}

// applyDepartments gives department records their title as uid under name
// identity, and translates their parents.
func (st *policyState) applyDepartments(pol *Policy, data *UserData) error {
	if pol.DepartmentIdentity != IdentityName {
		return nil
	}
	names, titles, err := st.departmentTitles(data)
	if err != nil {
		return err
	}
	st.rememberTitles(names, titles)
	recs := make([]Record, len(data.Records))
	for i, rec := range data.Records {
		c := maps.Clone(rec)
		c["uid"], _ = uidString(rec["title"])
		if p := rec.ParentUID(); p != "" {
			if title, ok := names[p]; ok {
				c["parentUid"] = title
			} else if title, ok := st.title(p); ok {
				c["parentUid"] = title
			}
		}
		recs[i] = c
	}
	data.Records = recs
	return nil
}

// departmentTitles maps the source ids of data's department records to
// their titles (names) and back (titles), refusing a record without a
// title, a title that two ids have (in data, or data and an earlier part)
// and an id with two titles.
func (st *policyState) departmentTitles(data *UserData) (names, titles map[string]string, err error) {
	names = make(map[string]string, len(data.Records))
	titles = make(map[string]string, len(data.Records))
	byTitle := make(map[string]int, len(data.Records))
	var missing []int
	for i, rec := range data.Records {
		title, ok := uidString(rec["title"])
		if !ok {
			missing = append(missing, i)
			continue
		}
		id, _ := rec.UID()
		if j, dup := byTitle[title]; dup {
			if other, _ := data.Records[j].UID(); other != id {
				return nil, nil, &DataError{
					Message: fmt.Sprintf("departments %q and %q have the same title %q (records[%d] and records[%d]): the department identity of source %q is the name", other, id, title, j, i, data.SourceName),
					Records: []int{j, i},
				}
			}
		}
		byTitle[title] = i
		if err := st.checkEarlierTitle(data.SourceName, id, title, i); err != nil {
			return nil, nil, err
		}
		titles[title] = id
		if id != "" {
			names[id] = title
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("records[%d] has no \"title\", the department identity of source %q", missing[0], data.SourceName)
		if n := len(missing) - 1; n > 0 {
			msg += " (and " + strconv.Itoa(n) + " more records)"
		}
		return nil, nil, &DataError{Message: msg, Records: missing}
	}
	return names, titles, nil
}

// checkEarlierTitle compares a department record's id and title with the
// pull's earlier parts.
func (st *policyState) checkEarlierTitle(source, id, title string, i int) error {
	if st == nil {
		return nil
	}
	if other, ok := st.deptIDs[title]; ok && other != id {
		return &DataError{
			Message: fmt.Sprintf("departments %q (an earlier part of the pull) and %q (records[%d]) have the same title %q: the department identity of source %q is the name", other, id, i, title, source),
			Records: []int{i},
		}
	}
	if prev, ok := st.deptNames[id]; ok && id != "" && prev != title {
		return &DataError{
			Message: fmt.Sprintf("department %q has the title %q in an earlier part of the pull and %q in records[%d]", id, prev, title, i),
			Records: []int{i},
		}
	}
	return nil
}

func (st *policyState) rememberTitles(names, titles map[string]string) {
	if st == nil {
		return
	}
	if st.deptNames == nil {
		st.deptIDs, st.deptNames = map[string]string{}, map[string]string{}
	}
	maps.Copy(st.deptNames, names)
	maps.Copy(st.deptIDs, titles)
}

// title is the title of a department an earlier part of the pull had.
func (st *policyState) title(id string) (string, bool) {
	if st == nil {
		return "", false
	}
	t, ok := st.deptNames[id]
	return t, ok
}
