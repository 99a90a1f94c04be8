package aclstore_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

// exampleACL is how a host configures its ACL before loading roles.
func exampleACL() *acl.ACL {
	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"get", "list"}})
	a.SetAvailableAction("update", acl.ActionOptions{})
	a.RegisterSnippetPatterns("ui.schemas", []string{"uiSchemas:*"})
	// NocoBase's default snippets of a new role ("!ui.*", "!pm", "!pm.*")
	// must select registered snippets.
	a.RegisterSnippetPatterns("pm", []string{"pm:*"})
	a.RegisterSnippetPatterns("pm.acl.roles", []string{"roles:*"})
	return a
}

// A role saved through one store is answered the same by a fresh ACL
// loaded from the database, as after a restart.
func Example() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := aclstore.CreateTables(ctx, db); err != nil {
		panic(err)
	}

	s := aclstore.New(db, exampleACL(), aclstore.Options{})
	if err := s.Load(ctx); err != nil {
		panic(err)
	}
	if err := s.CreateRole(ctx, &aclstore.Role{Name: "editor", Strategy: &acl.StrategyOptions{Actions: []string{"view"}}}); err != nil {
		panic(err)
	}
	if err := s.Grant(ctx, "editor", "posts:update", acl.Params{"filter": acl.Params{"status": "draft"}}); err != nil {
		panic(err)
	}

	restarted := aclstore.New(db, exampleACL(), aclstore.Options{})
	if err := restarted.Load(ctx); err != nil {
		panic(err)
	}
	res, ok := restarted.ACL().Can(acl.CanArgs{Role: "editor", Resource: "posts", Action: "update"})
	fmt.Println(ok, res.Params)
	_, ok = restarted.ACL().Can(acl.CanArgs{Role: "editor", Resource: "comments", Action: "list"})
	fmt.Println(ok)
	// Output:
	// true map[filter:map[status:draft]]
	// true
}

// A grant the ACL refuses is refused before anything is written.
func ExampleStore_Grant() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := aclstore.CreateTables(ctx, db); err != nil {
		panic(err)
	}
	s := aclstore.New(db, exampleACL(), aclstore.Options{})
	if err := s.CreateRole(ctx, &aclstore.Role{Name: "editor"}); err != nil {
		panic(err)
	}
	err = s.Grant(ctx, "editor", "posts:update", acl.Params{"filtr": acl.Params{"status": "draft"}})
	var e *aclstore.Error
	fmt.Println(errors.As(err, &e), e.Role, e.HTTPStatus())
	fmt.Println(errors.Is(err, aclstore.ErrInvalid), errors.Is(err, acl.ErrUnknownName))
	// Output:
	// true editor 400
	// true true
}

// RolesOf answers a user's roles, or the default role when they have none.
func ExampleStore_RolesOf() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := aclstore.CreateTables(ctx, db); err != nil {
		panic(err)
	}
	s := aclstore.New(db, exampleACL(), aclstore.Options{})
	for _, name := range []string{"member", "admin"} {
		if err := s.CreateRole(ctx, &aclstore.Role{Name: name}); err != nil {
			panic(err)
		}
	}
	if err := s.SetDefaultRole(ctx, "member"); err != nil {
		panic(err)
	}
	if err := s.AssignUser(ctx, 1, "admin"); err != nil {
		panic(err)
	}
	for _, id := range []int64{1, 2} {
		roles, _ := s.RolesOf(ctx, id)
		fmt.Println(id, roles)
	}
	// Output:
	// 1 [admin]
	// 2 [member]
}
