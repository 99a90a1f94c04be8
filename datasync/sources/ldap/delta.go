package ldap

import (
	"context"
	"fmt"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// modifyTimestamp is the operational attribute (RFC 4512) the server
// sets on every change of an entry: OpenLDAP and Active Directory keep
// it. Deltas are found by it.
const modifyTimestamp = "modifyTimestamp"

var _ datasync.DeltaSource = (*Source)(nil)

// PullChanges makes the source a [datasync.DeltaSource]: with watermark
// "" it is a complete read (what Pull does), and with a watermark, the
// highest modifyTimestamp an earlier read saw (generalized time,
// "20240301093000Z"), it emits the users whose entry changed since
// ((&(<Users.Filter>)(modifyTimestamp>=watermark))) and the OUs and
// groups that changed since. It returns the highest modifyTimestamp it
// saw, or the old watermark when that is higher; "" when no entry had
// one (the server hides it from the bind account), which makes the next
// run full.
//
// A delta still reads every OU and group, since the users it emits carry
// all their memberships. The comparison is >=, so an entry changed in the
// watermark's second is read again (the manager finds it unchanged)
// rather than missed. What a delta cannot see:
//
//   - deleted entries: a delta only reads what is there, so users and
//     departments removed from the directory go at the next full run;
//   - a membership changed on a group's member list alone: the group is
//     emitted, but its members are only if their own entry changed (with
//     OpenLDAP's memberof overlay or in Active Directory, [Attributes.MemberOf]
//     does not change a user's modifyTimestamp either); the next full
//     run brings every membership up to date.
//
// A watermark that is not a generalized time is an error matching
// datasync.ErrNoWatermark: run a full pull.
func (s *Source) PullChanges(ctx context.Context, watermark string, emit func(datasync.UserData) error) (string, error) {
	m, err := newMarks(watermark)
	if err != nil {
		return "", err
	}
	conn, stop, err := s.connect(ctx)
	if err != nil {
		return "", err
	}
	defer stop()
	dir := newDirectory(s.opts.Groups.NestedDepth, m)
	if err := s.readDepartments(ctx, conn, dir, emit); err != nil {
		return "", err
	}
	if err := s.readUsers(ctx, conn, dir, emit); err != nil {
		return "", err
	}
	return m.high, nil
}

// marks are one read's watermarks: since, the delta's starting point (the
// zero time in a full read), and high, the highest modifyTimestamp seen so
// far as the server wrote it (or the starting watermark).
type marks struct {
	since     time.Time
	watermark string
	high      string
	highAt    time.Time
}

func newMarks(watermark string) (*marks, error) {
	m := &marks{watermark: watermark, high: watermark}
	if watermark == "" {
		return m, nil
	}
	at, err := parseGeneralizedTime(watermark)
	if err != nil {
		return nil, fmt.Errorf("ldap: watermark %q is not a generalized time: %w", watermark, datasync.ErrNoWatermark)
	}
	m.since, m.highAt = at, at
	return m, nil
}

// filter is the search filter f restricted, in a delta, to the entries
// modified since the watermark.
func (m *marks) filter(f string) string {
	if m.watermark == "" {
		return f
	}
	return "(&" + f + "(" + modifyTimestamp + ">=" + goldap.EscapeFilter(m.watermark) + "))"
}

// see notes the n-th entry of search's modifyTimestamp and reports
// whether the entry changed since the watermark (every entry does in a
// full read). An entry without one counts as changed; one whose value is
// not a generalized time is an *EntryError.
func (m *marks) see(e *goldap.Entry, search string, n int) (bool, error) {
	raw := e.GetEqualFoldAttributeValue(modifyTimestamp)
	if raw == "" {
		return true, nil
	}
	at, err := parseGeneralizedTime(raw)
	if err != nil {
		return false, &EntryError{Search: search, Entry: n, DN: entryDN(search, e), Attribute: modifyTimestamp, Reason: "is not a generalized time"}
	}
	if m.high == "" || at.After(m.highAt) {
		m.high, m.highAt = raw, at
	}
	return m.watermark == "" || !at.Before(m.since), nil
}

// entryDN is the entry's DN for an error, but not a user's: it usually
// holds their name.
func entryDN(search string, e *goldap.Entry) string {
	if search == "users" {
		return ""
	}
	return e.DN
}

// parseGeneralizedTime reads an LDAP generalized time as servers write
// modifyTimestamp: "20240301093000Z" (OpenLDAP), "20240301093000.0Z"
// (Active Directory), or with a ±hhmm offset. A fraction may follow the
// seconds after "." or ",".
func parseGeneralizedTime(s string) (time.Time, error) {
	return time.Parse("20060102150405Z0700", strings.Replace(s, ",", ".", 1))
}
