package users_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/users"
)

// BenchmarkDesensitize copies a user with two departments and their
// members, clearing every hidden field.
func BenchmarkDesensitize(b *testing.B) {
	member := &users.User{ID: 2, Nickname: "bob", Password: "hash", ResetToken: "t"}
	u := &users.User{
		ID: 1, Nickname: "ann", Email: "ann@x", Password: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", ResetToken: "tok",
		SystemSettings: map[string]any{"theme": "dark"},
		Departments: []*users.Department{
			{ID: 1, Title: "R&D", Members: []*users.User{member}},
			{ID: 2, Title: "Ops", Members: []*users.User{member}},
		},
	}
	b.ReportAllocs()
	for b.Loop() {
		if out := users.Desensitize(u); out.Password != "" {
			b.Fatal("not desensitized")
		}
	}
}
