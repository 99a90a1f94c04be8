package users_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/users"
)

// account is a host model with a hidden field of its own.
type account struct {
	Name   string
	APIKey string `gatehouse:"hidden" json:"-"`
	Owner  *users.User
	Peers  []*account
	Labels map[string]*account
}

func TestDesensitize(t *testing.T) {
	u := &users.User{ID: 1, Nickname: "ann", Password: "hash", ResetToken: "tok"}
	a := &account{Name: "main", APIKey: "sk-live", Owner: u}
	b := &account{Name: "peer", APIKey: "sk-peer", Owner: u, Peers: []*account{a}}
	a.Peers = []*account{b} // a cycle
	a.Labels = map[string]*account{"self": a}
	u.Departments = []*users.Department{{ID: 1, Members: []*users.User{u}}}

	clean := users.Desensitize(a)
	if clean == a || clean.APIKey != "" || clean.Name != "main" {
		t.Fatalf("top level: %+v", clean)
	}
	if clean.Owner.Password != "" || clean.Owner.ResetToken != "" || clean.Owner.Nickname != "ann" {
		t.Errorf("owner: %+v", clean.Owner)
	}
	peer := clean.Peers[0]
	if peer.APIKey != "" || peer.Peers[0] != clean || clean.Labels["self"] != clean {
		t.Error("cycles are not kept as cycles of the copy")
	}
	if peer.Owner != clean.Owner {
		t.Error("a shared pointer became two copies")
	}
	if m := clean.Owner.Departments[0].Members[0]; m.Password != "" || m != clean.Owner {
		t.Errorf("nested member: %+v", m)
	}
	if a.APIKey != "sk-live" || u.Password != "hash" || b.APIKey != "sk-peer" {
		t.Error("Desensitize changed the original")
	}
	list := users.Desensitize([]users.User{*u, {Password: "x"}})
	for _, v := range list {
		if v.Password != "" {
			t.Errorf("slice element keeps a password: %+v", v)
		}
	}
	var none *users.User
	if users.Desensitize(none) != nil {
		t.Error("nil pointer")
	}
}
