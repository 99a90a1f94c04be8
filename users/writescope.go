package users

import (
	"slices"

	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// writeScope is which fields a writing action may set, read from the
// params the ACL narrowed, as resourcer/crud reads them: the whitelist,
// the fields list (on a writing action a second whitelist) and the
// blacklist. A nil list does not limit; an empty whitelist allows nothing,
// so a grant and a request whose lists do not meet never widen to
// anything.
type writeScope struct {
	whitelist, fields, blacklist []string
}

func readWriteScope(p resourcer.Params) (*writeScope, error) {
	w := &writeScope{}
	for _, l := range []struct {
		key  string
		dest *[]string
	}{{"whitelist", &w.whitelist}, {"fields", &w.fields}, {"blacklist", &w.blacklist}} {
		names, err := resourcer.NameList(p, l.key)
		if err != nil {
			return nil, err
		}
		*l.dest = names
	}
	return w, nil
}

// allows reports whether a field known by these names (its JSON key, its
// column) may be written.
func (w *writeScope) allows(names ...string) bool {
	listed := func(l []string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return slices.Contains(l, n) })
	}
	if w.whitelist != nil && !listed(w.whitelist) {
		return false
	}
	if w.fields != nil && !listed(w.fields) {
		return false
	}
	return !listed(w.blacklist)
}
