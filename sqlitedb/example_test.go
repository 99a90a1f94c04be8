package sqlitedb_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

type Note struct {
	ID   int64  `bun:",pk,autoincrement"`
	Text string `bun:",notnull"`
}

// An in-memory database keeps its tables after a query is cancelled.
func ExampleOpen() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()

	if _, err := db.NewCreateTable().Model((*Note)(nil)).Exec(ctx); err != nil {
		panic(err)
	}
	if _, err := db.NewInsert().Model(&Note{Text: "kept"}).Exec(ctx); err != nil {
		panic(err)
	}

	// A query that would count for minutes, abandoned after 10ms.
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	var n int
	err = db.QueryRowContext(short,
		`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1e9) SELECT count(*) FROM c`).Scan(&n)
	fmt.Println("long query:", err)

	var notes []Note
	if err := db.NewSelect().Model(&notes).Scan(ctx); err != nil {
		panic(err)
	}
	fmt.Printf("notes: %+v\n", notes)
	// Output:
	// long query: context deadline exceeded
	// notes: [{ID:1 Text:kept}]
}
