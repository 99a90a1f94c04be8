package users_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
	"github.com/gatehouse-dev/gatehouse/users"
)

func ExampleHashPassword() {
	hash, err := users.HashPassword("correct horse")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(hash, "$argon2id$"), users.IsPasswordHash(hash))
	for _, attempt := range []string{"correct horse", "battery staple"} {
		ok, err := users.VerifyPassword(attempt, hash)
		fmt.Println(attempt, ok, err)
	}
	// Output:
	// true true
	// correct horse true <nil>
	// battery staple false <nil>
}

func ExampleDesensitize() {
	u := &users.User{ID: 2, Nickname: "ann", Password: "$argon2id$...", ResetToken: "reset-me"}
	clean := users.Desensitize(map[string]any{"actor": u})
	c := clean["actor"].(*users.User)
	fmt.Printf("copy: %s %q %q\n", c.Nickname, c.Password, c.ResetToken)
	fmt.Printf("original: %s %q %q\n", u.Nickname, u.Password, u.ResetToken)
	// Output:
	// copy: ann "" ""
	// original: ann "$argon2id$..." "reset-me"
}

func ExampleInstallRoot() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
		panic(err)
	}
	settings := map[string]string{"INIT_ROOT_EMAIL": "root@example.com", "INIT_ROOT_PASSWORD": "s3cret!"}
	lookup := func(k string) (string, bool) { v, ok := settings[k]; return v, ok }
	root, err := users.InstallRoot(ctx, db, lookup)
	if err != nil {
		panic(err)
	}
	ok, _ := users.VerifyPassword("s3cret!", root.Password)
	fmt.Println(root.ID, root.Email, root.Nickname, root.Username, ok)

	// A second run finds the root user and changes nothing.
	again, err := users.InstallRoot(ctx, db, lookup)
	if err != nil {
		panic(err)
	}
	var roles []users.RoleUser
	if err := db.NewSelect().Model(&roles).Scan(ctx); err != nil {
		panic(err)
	}
	fmt.Println(again.ID, len(roles), roles[0].RoleName)
	// Output:
	// 1 root@example.com Super Admin nocobase true
	// 1 1 root
}

// Article embeds Audit and Timestamps side by side; their hook fills both.
type Article struct {
	bun.BaseModel `bun:"table:articles"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Title         string `bun:"title"`
	users.Audit
	users.Timestamps
}

func ExampleAudit() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if _, err := db.NewCreateTable().Model((*Article)(nil)).Exec(ctx); err != nil {
		panic(err)
	}
	// A client claims the row was written by user 1; user 7 is signed in.
	claimed := int64(1)
	a := &Article{Title: "hello", Audit: users.Audit{CreatedByID: &claimed}}
	if _, err := db.NewInsert().Model(a).Exec(users.WithCurrentUser(ctx, 7)); err != nil {
		panic(err)
	}
	var got Article
	if err := db.NewSelect().Model(&got).Where("id = ?", a.ID).Scan(ctx); err != nil {
		panic(err)
	}
	fmt.Println(*got.CreatedByID, *got.UpdatedByID, !got.CreatedAt.IsZero())
	// Output:
	// 7 7 true
}

// Page has a hook of its own, which hides Audit's: it calls
// FillServerColumns.
type Page struct {
	bun.BaseModel `bun:"table:pages"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Title         string `bun:"title"`
	Slug          string `bun:"slug"`
	users.Audit
}

func (p *Page) BeforeAppendModel(ctx context.Context, q bun.Query) error {
	if err := users.FillServerColumns(ctx, q, p); err != nil {
		return err
	}
	p.Slug = strings.ToLower(strings.ReplaceAll(p.Title, " ", "-"))
	return nil
}

// Draft's hook forgets the audit columns.
type Draft struct {
	bun.BaseModel `bun:"table:drafts"`
	ID            int64 `bun:"id,pk,autoincrement"`
	users.Audit
}

func (*Draft) BeforeAppendModel(context.Context, bun.Query) error { return nil }

func ExampleCheckModel() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	fmt.Println(users.CheckModel(db, (*Page)(nil)))
	err = users.CheckModel(db, (*Draft)(nil))
	fmt.Println(errors.Is(err, users.ErrServerColumnsUnfilled))
	fmt.Println(err)
	// Output:
	// <nil>
	// true
	// users: model's hook does not fill its audit or timestamp columns: users_test.Draft's BeforeAppendModel leaves Audit.CreatedByID, Audit.UpdatedByID unset on an insert; call users.FillServerColumns from it
}

func ExampleFillServerColumns() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if _, err := db.NewCreateTable().Model((*Page)(nil)).Exec(ctx); err != nil {
		panic(err)
	}
	pages := []*Page{{Title: "Getting Started"}, {Title: "FAQ"}}
	if _, err := db.NewInsert().Model(&pages).Exec(users.WithCurrentUser(ctx, 3)); err != nil {
		panic(err)
	}
	for _, p := range pages {
		fmt.Println(p.Slug, *p.CreatedByID)
	}
	// Output:
	// getting-started 3
	// faq 3
}

// NewSyncManager sets up a directory that syncs: the tables, and a manager
// with the users and departments resources. A department, then a user in
// it, pushed as NocoBase's push API would.
func ExampleNewSyncManager() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	m, err := users.NewSyncManager(ctx, db, users.Options{}, datasync.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer m.Close()
	for _, data := range []datasync.UserData{
		{DataType: datasync.DataTypeDepartment, Records: []datasync.Record{{"uid": "d1", "title": "Sales"}}},
		{DataType: datasync.DataTypeUser, Records: []datasync.Record{{"uid": "e1", "username": "ada", "departments": []any{"d1"}}}},
	} {
		results, err := m.Push(ctx, data)
		if err != nil {
			panic(err)
		}
		for _, r := range results {
			fmt.Printf("%s %s: %d synced\n", data.DataType, r.Resource, r.Detail.Count.Success)
		}
	}
	var title string
	err = db.NewRaw(`SELECT d.title FROM users u JOIN "departmentsUsers" du ON du."userId" = u.id JOIN departments d ON d.id = du."departmentId" WHERE u.username = 'ada'`).Scan(ctx, &title)
	if err != nil {
		panic(err)
	}
	fmt.Println("ada is in", title)
	// Output:
	// department departments: 1 synced
	// user users: 1 synced
	// user departments: 1 synced
	// user roles: 1 synced
	// ada is in Sales
}
