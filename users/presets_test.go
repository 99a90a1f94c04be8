package users_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/users"
)

// TestACLPresetsOpenSignIn: the presets let anyone reach the sign-in
// actions (which answer 401 themselves where they need a user), and
// nothing else of users.
func TestACLPresetsOpenSignIn(t *testing.T) {
	a := acl.New()
	if err := users.ACLPresets(a); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		resource, action string
		public           bool
	}{
		{"auth", "signIn", true}, {"auth", "signOut", true}, {"auth", "check", true},
		{"auth", "destroy", false}, {"users", "list", false}, {"users", "changePassword", false},
	} {
		if got := a.IsPublic(c.resource, c.action); got != c.public {
			t.Errorf("%s:%s public = %v, want %v", c.resource, c.action, got, c.public)
		}
	}
}
