package crud_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
)

// TestReadScopeActionGrant pins how ReadScope.AddActionGrant reads an
// action's own grant from the params the ACL narrowed, for a role that
// may neither list nor get posts (Readable grants nothing of them): it
// adds what the grant allows and never more.
func TestReadScopeActionGrant(t *testing.T) {
	db := dbtest.SQLite(t)
	db.RegisterModel((*scopeRoleUser)(nil), (*scopePostTag)(nil))
	posts, err := filterop.SchemaFor(db, (*scopePost)(nil))
	if err != nil {
		t.Fatal(err)
	}
	nothing := func(string) ([]string, bool) { return nil, false }
	columns := map[string]bool{"id": true, "title": true, "secret": true, "authorId": true}
	for _, c := range []struct {
		name      string
		params    resourcer.Params
		keys      map[string]bool // nil: every field
		relations []string        // of author, comments, tags: those readable
	}{
		{"no limit", resourcer.Params{}, nil, []string{"author", "comments", "tags"}},
		{"appends only", resourcer.Params{"appends": []any{"comments"}}, columns, []string{"comments"}},
		{"appends only, none left", resourcer.Params{"appends": []any{}}, columns, nil},
		{"fields only", resourcer.Params{"fields": []any{"title", "author"}}, map[string]bool{"id": true, "title": true}, []string{"author"}},
		{"both: associations through appends only", resourcer.Params{"fields": []any{"title", "author"}, "appends": []any{"comments.body"}}, map[string]bool{"id": true, "title": true}, []string{"comments"}},
	} {
		rs := crud.NewReadScope(&resourcer.ActionContext{Readable: nothing}, posts, "posts")
		if err := rs.AddActionGrant(c.params); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if diff := cmp.Diff(c.keys, rs.Keys(posts)); diff != "" {
			t.Errorf("%s: keys (-want +got):\n%s", c.name, diff)
		}
		var readable []string
		for _, name := range []string{"author", "comments", "tags"} {
			rel, ok := posts.Relation(name)
			if !ok {
				t.Fatalf("posts has no association %s", name)
			}
			if rs.Relation(posts, rel) {
				readable = append(readable, name)
			}
		}
		if diff := cmp.Diff(c.relations, readable); diff != "" {
			t.Errorf("%s: readable associations (-want +got):\n%s", c.name, diff)
		}
	}
	rs := crud.NewReadScope(&resourcer.ActionContext{Readable: nothing}, posts, "posts")
	if err := rs.AddActionGrant(resourcer.Params{"fields": 1.0}); err == nil {
		t.Error("fields: 1 read as a list of names")
	}
}

// TestReadScopeKeys pins what a role that may read nothing of a
// collection sees of its records: a numeric single-column key only, no
// natural or composite key; and that a nil scope (no permission layer)
// reads every field that is not hidden.
func TestReadScopeKeys(t *testing.T) {
	db := dbtest.SQLite(t)
	db.RegisterModel((*scopeRoleUser)(nil), (*scopePostTag)(nil))
	schemaOf := func(model any) *filterop.Schema {
		s, err := filterop.SchemaFor(db, model)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	users, roles, memberships := schemaOf((*scopeUser)(nil)), schemaOf((*scopeRole)(nil)), schemaOf((*scopeRoleUser)(nil))
	rs := crud.NewReadScope(&resourcer.ActionContext{Readable: func(string) ([]string, bool) { return nil, false }}, users, "users")
	for _, c := range []struct {
		name string
		s    *filterop.Schema
		want map[string]bool
	}{
		{"numeric key", users, map[string]bool{"id": true}},
		{"natural key", roles, map[string]bool{}},
		{"composite key", memberships, map[string]bool{}},
	} {
		if diff := cmp.Diff(c.want, rs.Keys(c.s)); diff != "" {
			t.Errorf("%s: keys (-want +got):\n%s", c.name, diff)
		}
	}
	if err := rs.Guard(users, "email"); err == nil {
		t.Error("Guard let a filter name an unreadable field")
	}
	open := crud.NewReadScope(&resourcer.ActionContext{}, users, "users")
	if open != nil {
		t.Fatalf("a context without Readable has a scope: %+v", open)
	}
	password, ok := users.Field("password")
	if !ok {
		t.Fatal("users has no password field")
	}
	email, _ := users.Field("email")
	if open.Keys(users) != nil || !open.Field(users, email) || open.Field(users, password) || open.Guard(users, "roles") != nil {
		t.Error("a nil scope does not read every field that is not hidden")
	}
}
