package filterop_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

type Author struct {
	bun.BaseModel `bun:"table:authors,alias:authors"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Name          string `bun:"name" json:"name"`
}

type Post struct {
	bun.BaseModel `bun:"table:posts,alias:posts"`
	ID            int64   `bun:"id,pk,autoincrement" json:"id"`
	Title         string  `bun:"title" json:"title"`
	Status        string  `bun:"status" json:"status"`
	AuthorID      int64   `bun:"author_id" json:"authorId"`
	Author        *Author `bun:"rel:belongs-to,join:author_id=id" json:"author"`
}

// examplePosts opens an in-memory database with two authors and four posts.
func examplePosts(ctx context.Context) (*bun.DB, error) {
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		return nil, err
	}
	for _, model := range []any{(*Author)(nil), (*Post)(nil)} {
		if _, err := db.NewCreateTable().Model(model).Exec(ctx); err != nil {
			return nil, err
		}
	}
	authors := []Author{{Name: "ann"}, {Name: "bob"}}
	posts := []Post{
		{Title: "Go generics", Status: "published", AuthorID: 2},
		{Title: "SQL joins", Status: "draft", AuthorID: 1},
		{Title: "Go modules", Status: "archived", AuthorID: 2},
		{Title: "Release notes", Status: "published", AuthorID: 2},
	}
	if _, err := db.NewInsert().Model(&authors).Exec(ctx); err != nil {
		return nil, err
	}
	if _, err := db.NewInsert().Model(&posts).Exec(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// A filter from a request (here its JSON) narrows a bun query: keys are
// ANDed, and "author.name" goes through the belongs-to relation.
func ExampleApply() {
	ctx := context.Background()
	db, err := examplePosts(ctx)
	if err != nil {
		panic(err)
	}
	defer db.Close()

	s, err := filterop.SchemaFor(db, (*Post)(nil))
	if err != nil {
		panic(err)
	}
	var posts []Post
	q := db.NewSelect().Model(&posts).Order("id")
	q, err = filterop.Apply(ctx, q, s, `{
		"$or": [{"title": {"$includes": "go"}}, {"author.name": "ann"}],
		"status.$ne": "archived"
	}`)
	if err != nil {
		panic(err)
	}
	if err := q.Scan(ctx); err != nil {
		panic(err)
	}
	for _, p := range posts {
		fmt.Println(p.ID, p.Title, p.Status)
	}
	// Output:
	// 1 Go generics published
	// 2 SQL joins draft
}

// A filter naming a field the model does not have is an *Error carrying
// the path of the offending key and a 400 status.
func ExampleWhere_unknownField() {
	ctx := context.Background()
	db, err := examplePosts(ctx)
	if err != nil {
		panic(err)
	}
	defer db.Close()

	s, err := filterop.SchemaFor(db, (*Post)(nil))
	if err != nil {
		panic(err)
	}
	_, err = filterop.Where(ctx, s, map[string]any{
		"$and": []any{map[string]any{"author.password": map[string]any{"$startsWith": "a"}}},
	})
	var ferr *filterop.Error
	if errors.As(err, &ferr) {
		fmt.Println("path:", ferr.Path)
		fmt.Println("unknown field:", errors.Is(err, filterop.ErrUnknownField))
		fmt.Println("status:", ferr.HTTPStatus())
	}
	// Output:
	// path: $and.0.author.password
	// unknown field: true
	// status: 400
}
