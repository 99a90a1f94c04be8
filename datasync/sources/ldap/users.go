package ldap

import (
	"context"
	"slices"
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// userAttributes are the attributes the users search asks for: the
// mapped ones and nothing else, so a password is never read.
func (s *Source) userAttributes() []string {
	a := s.opts.Attributes
	attrs := []string{a.ID, a.Username, a.Nickname, "cn", a.Email, a.Phone, modifyTimestamp}
	if a.MemberOf != "" {
		attrs = append(attrs, a.MemberOf)
	}
	if s.opts.Disabled.Attribute != "" {
		attrs = append(attrs, s.opts.Disabled.Attribute)
	}
	slices.Sort(attrs)
	return slices.Compact(attrs)
}

// readUsers streams the users search into user records, a chunk at a
// time; a delta's search asks only for the users changed since its
// watermark.
func (s *Source) readUsers(ctx context.Context, conn *goldap.Conn, dir *directory, emit func(datasync.UserData) error) error {
	out := newBatcher(datasync.DataTypeUser, s.opts.MatchKey, s.opts.ChunkSize, emit)
	n := 0
	q := s.opts.Users
	q.Filter = dir.marks.filter(q.Filter)
	err := s.search(ctx, conn, "users", q, s.userAttributes(), func(entries []*goldap.Entry) error {
		for _, e := range entries {
			n++
			if _, err := dir.marks.see(e, "users", n); err != nil {
				return err
			}
			rec, err := s.userRecord(e, n, dir)
			if err != nil {
				return err
			}
			if err := out.add(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return out.flush()
}

// userRecord maps one user entry, the n-th of the search. A missing
// username, nickname, email or phone is null, so that a value removed
// from the directory is removed from the user too.
func (s *Source) userRecord(e *goldap.Entry, n int, dir *directory) (datasync.Record, error) {
	a := s.opts.Attributes
	uid, err := s.entryID(e, "users", n, "")
	if err != nil {
		return nil, err
	}
	nickname := e.GetEqualFoldAttributeValue(a.Nickname)
	if nickname == "" {
		nickname = e.GetEqualFoldAttributeValue("cn")
	}
	rec := datasync.Record{
		"uid":      uid,
		"username": orNil(e.GetEqualFoldAttributeValue(a.Username)),
		"nickname": orNil(nickname),
		"email":    orNil(e.GetEqualFoldAttributeValue(a.Email)),
		"phone":    orNil(e.GetEqualFoldAttributeValue(a.Phone)),
	}
	if s.opts.OUs.BaseDN != "" || s.opts.Groups.BaseDN != "" {
		rec["departments"] = s.userDepartments(e, dir)
	}
	if s.opts.Disabled.Attribute != "" {
		disabled, err := s.disabled(e, n)
		if err != nil {
			return nil, err
		}
		rec["enabled"] = !disabled
	}
	return rec, nil
}

// userDepartments lists the uids of the user's OU (the one holding their
// entry, when the OUs search read it) and of their groups: those whose
// member lists name the user, those their MemberOf attribute names, and
// the groups enclosing those.
func (s *Source) userDepartments(e *goldap.Entry, dir *directory) []any {
	dn := normDN(e.DN)
	deps := []any{}
	if uid, ok := dir.ous[parentDN(dn)]; ok {
		deps = append(deps, uid)
	}
	direct := dir.userGroups[dn]
	if attr := s.opts.Attributes.MemberOf; attr != "" {
		direct = slices.Clone(direct)
		for _, m := range e.GetEqualFoldAttributeValues(attr) {
			if g, ok := dir.groups[normDN(m)]; ok {
				direct = append(direct, g)
			}
		}
	}
	for _, uid := range dir.groupUIDs(direct) {
		deps = append(deps, uid)
	}
	return deps
}

// disabled reads the Disabled attribute of the n-th user entry.
func (s *Source) disabled(e *goldap.Entry, n int) (bool, error) {
	d := s.opts.Disabled
	v := e.GetEqualFoldAttributeValue(d.Attribute)
	if v == "" {
		return false, nil
	}
	if d.Value != "" {
		return strings.EqualFold(v, d.Value), nil
	}
	// AD writes userAccountControl as a signed 32-bit decimal.
	bits, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return false, &EntryError{Search: "users", Entry: n, Attribute: d.Attribute, Reason: "is not an integer, so the disabled bitmask cannot apply"}
	}
	return uint64(bits)&d.Bitmask != 0, nil
}

// entryID reads the ID attribute of the n-th entry of search; dn is
// named in the error unless it is "" (users).
func (s *Source) entryID(e *goldap.Entry, search string, n int, dn string) (string, error) {
	attr := s.opts.Attributes.ID
	if strings.EqualFold(attr, "objectGUID") {
		raw := e.GetEqualFoldRawAttributeValue(attr)
		if id, ok := guidString(raw); ok {
			return id, nil
		}
		return "", &EntryError{Search: search, Entry: n, DN: dn, Attribute: attr, Reason: "is not a 16-byte GUID"}
	}
	id := e.GetEqualFoldAttributeValue(attr)
	if id == "" {
		return "", &EntryError{Search: search, Entry: n, DN: dn, Attribute: attr, Reason: "has no value: it is the entry's immutable uid"}
	}
	return id, nil
}

// orNil is s, or nil (null in the record) when s is empty.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
