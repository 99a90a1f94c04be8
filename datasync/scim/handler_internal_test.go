package scim

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRoute(t *testing.T) {
	cases := []struct {
		path         string
		endpoint, id string
		prefix       []string
		ok           bool
	}{
		{"/scim/v2/Users", "Users", "", []string{"scim", "v2"}, true},
		{"/scim/v2/Users/", "Users", "", []string{"scim", "v2"}, true},
		{"/Users/abc", "Users", "abc", []string{}, true},
		{"/x/Users/Groups", "Groups", "", []string{"x", "Users"}, true},
		{"/schemas/urn:ietf:params:scim:schemas:core:2.0:User", "Schemas", "urn:ietf:params:scim:schemas:core:2.0:User", []string{}, true},
		{"/", "", "", nil, false},
		{"/Users/a/b", "", "", nil, false},
	}
	for _, c := range cases {
		rt, ok := parseRoute(c.path)
		if ok != c.ok || rt.endpoint != c.endpoint || rt.id != c.id || (ok && !cmp.Equal(append([]string{}, rt.prefix...), c.prefix)) {
			t.Errorf("parseRoute(%q) = %+v, %v", c.path, rt, ok)
		}
	}
}
