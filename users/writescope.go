package users

import (
	"net/http"
	"slices"
	"strings"

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
		names, err := nameList(p, l.key)
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

// nameList reads a params list of names: ["a","b"] or "a,b". It returns
// nil when the list is absent, null or "", and a non-nil list when one was
// given, however empty.
func nameList(p resourcer.Params, key string) ([]string, error) {
	switch v := p[key].(type) {
	case nil:
		return nil, nil
	case string:
		if v == "" {
			return nil, nil
		}
		return strings.Split(v, ","), nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, statusError(http.StatusBadRequest, "%s must be a list of names", key)
			}
			out = append(out, s)
		}
		return out, nil
	case []string:
		if v == nil {
			return []string{}, nil
		}
		return v, nil
	}
	return nil, statusError(http.StatusBadRequest, "%s must be a list of names", key)
}
