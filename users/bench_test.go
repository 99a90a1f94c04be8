package users_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
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

// BenchmarkServerColumnsHook runs the hooks bun runs before a bulk insert
// of posts that embed Audit and Timestamps (the promoted Audit hook, which
// fills the whole slice from its first struct), and of a model whose own
// hook calls FillServerColumns; the cost per row should not grow with the
// batch.
func BenchmarkServerColumnsHook(b *testing.B) {
	db := dbtest.SQLite(b)
	ctx := users.WithCurrentUser(context.Background(), 7)
	for _, n := range []int{1, 100, 1000} {
		promoted := make([]*auditedPost, n)
		own := make([]*hookedPost, n)
		for i := range n {
			promoted[i], own[i] = &auditedPost{Title: "t"}, &hookedPost{Title: "t"}
		}
		for name, rows := range map[string]any{"promoted": &promoted, "own hook": &own} {
			b.Run(fmt.Sprintf("%s/rows=%d", name, n), func(b *testing.B) {
				q := db.NewInsert().Model(rows)
				hook := q.GetModel().(bun.BeforeAppendModelHook)
				b.ReportAllocs()
				for b.Loop() {
					if err := hook.BeforeAppendModel(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
			})
		}
	}
}
