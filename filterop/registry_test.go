package filterop

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

type userKey struct{}

// TestRegisterOperator adds an operator the way the users package adds
// $isCurrentUser: it reads the current user from the request context.
func TestRegisterOperator(t *testing.T) {
	r := NewRegistry()
	isCurrentUser := func(c *Cond) (Expr, error) {
		id, ok := c.Ctx.Value(userKey{}).(int64)
		if !ok {
			return SQL("1 = 0"), nil
		}
		if c.Value == false {
			return SQL("(? <> ? OR ? IS NULL)", c.Column, id, c.Column), nil
		}
		return SQL("? = ?", c.Column, id), nil
	}
	if err := r.Register("$isCurrentUser", isCurrentUser); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Operator("$isCurrentUser"); !ok {
		t.Fatal("not registered")
	}
	if _, ok := Default().Operator("$isCurrentUser"); ok {
		t.Fatal("registering on one registry changed Default")
	}
	for _, bad := range []string{"isCurrentUser", "$", ""} {
		if err := r.Register(bad, isCurrentUser); err == nil {
			t.Errorf("Register(%q) accepted", bad)
		}
	}
	if err := r.Register("$nil", nil); err == nil {
		t.Error("Register with a nil func accepted")
	}

	ctx := context.WithValue(context.Background(), userKey{}, int64(2))
	db := dbtest.SQLite(t)
	db.RegisterModel((*testPostTag)(nil))
	s, err := SchemaFor(db, (*testPost)(nil))
	if err != nil {
		t.Fatal(err)
	}
	for filter, want := range map[string]string{
		`{"createdById":{"$isCurrentUser":true}}`:  `(("posts"."created_by_id" = 2))`,
		`{"createdById":{"$isCurrentUser":false}}`: `((("posts"."created_by_id" <> 2 OR "posts"."created_by_id" IS NULL)))`,
	} {
		expr, err := r.Where(ctx, s, filter)
		if err != nil {
			t.Fatal(err)
		}
		got := db.NewSelect().Model((*testPost)(nil)).Where("?", expr).String()
		if !strings.HasSuffix(got, "WHERE "+want) {
			t.Errorf("%s compiled to %s, want %s", filter, got, want)
		}
	}
	if _, err := Where(ctx, s, `{"createdById":{"$isCurrentUser":true}}`); !errors.Is(err, ErrUnknownOperator) {
		t.Errorf("Default knows $isCurrentUser: %v", err)
	}

	rels := s.Relations()
	for _, name := range []string{"createdBy", "comments", "tags"} {
		if _, ok := rels[name]; !ok {
			t.Errorf("Relations() lacks %s: %v", name, rels)
		}
	}
	if rels["comments"].GoName() != "Comments" || !rels["comments"].ToMany() || rels["createdBy"].ToMany() {
		t.Errorf("relation details wrong")
	}
}

func TestRegisterOnDefault(t *testing.T) {
	if err := Register("$test_always", func(c *Cond) (Expr, error) { return SQL("1 = 1"), nil }); err != nil {
		t.Fatal(err)
	}
	if _, ok := Default().Operator("$test_always"); !ok {
		t.Error("package-level Register did not reach Default()")
	}
}
