package scim

import (
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// userRecord maps a stored SCIM user to the datasync record the users
// resource writes: uid ← id, username ← userName, nickname ← displayName,
// else name.formatted, else givenName and familyName; email and phone ←
// the primary (else the first) of emails and phoneNumbers; enabled ←
// active (absent means true, as RFC 7643 §4.1.1 leaves it to the
// provider and every client expects); password when the request gave
// one; field ("departments" or "roles", the group store's
// membershipField) ← the keys of the groups the user is a member of
// (department uids, role names); "departments" ← also, in either mode,
// the enterprise extension's department, as the user's main one
// (enterprise_department.go); and the resource itself under
// datasync.SourceDataKey, so that it is served back as it was
// provisioned.
//
// email and phone are null when the resource has none, so that a user
// whose last address went loses it (the column is NULL again, and free
// for another user).
func userRecord(res map[string]any, password, field string, groups []string) datasync.Record {
	rec := datasync.Record{
		"uid":                  res["id"],
		"username":             res["userName"],
		"nickname":             nickname(res),
		"enabled":              active(res),
		field:                  keyList(groups),
		datasync.SourceDataKey: res,
	}
	rec["departments"] = withEnterpriseDept(res, rec["departments"])
	for field, attr := range map[string]string{"email": "emails", "phone": "phoneNumbers"} {
		rec[field] = nil
		if v := primaryValue(res[attr]); v != "" {
			rec[field] = v
		}
	}
	if password != "" {
		rec["password"] = password
	}
	return rec
}

// groupRecord maps a stored SCIM group to a department record: uid ← id,
// title ← displayName, parentUid ← the group it is a member of ("" is the
// top of the tree: a null parentUid, which moves a department back
// there). Members are not in it: they live on the user records
// ("departments") and on the child groups (parentUid).
func groupRecord(res map[string]any, parentUID string) datasync.Record {
	rec := datasync.Record{
		"uid":                  res["id"],
		"title":                res["displayName"],
		"parentUid":            nil,
		datasync.SourceDataKey: res,
	}
	if parentUID != "" {
		rec["parentUid"] = parentUID
	}
	return rec
}

// nickname is the name a user is shown by: displayName, else
// name.formatted, else givenName and familyName joined.
func nickname(res map[string]any) string {
	if s, _ := res["displayName"].(string); s != "" {
		return s
	}
	name, _ := res["name"].(map[string]any)
	if s, _ := name["formatted"].(string); s != "" {
		return s
	}
	given, _ := name["givenName"].(string)
	family, _ := name["familyName"].(string)
	return strings.TrimSpace(given + " " + family)
}

// active is the resource's "active", true when absent. Normalize has made
// Entra's "False" a bool already.
func active(res map[string]any) bool {
	b, ok := res["active"].(bool)
	return !ok || b
}

// primaryValue is the "value" of the element marked primary in a
// multi-valued attribute (RFC 7643 §2.4: at most one is), else of the
// first element that has one.
func primaryValue(v any) string {
	list, _ := v.([]any)
	first := ""
	for _, e := range list {
		m, _ := e.(map[string]any)
		s, _ := m["value"].(string)
		if s == "" {
			continue
		}
		if p, _ := m["primary"].(bool); p {
			return s
		}
		if first == "" {
			first = s
		}
	}
	return first
}

// keyList is keys as a record's JSON list: an empty list, not null, so
// that a user who left every group leaves its departments or roles.
func keyList(keys []string) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}
