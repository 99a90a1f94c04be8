package sqlrows_test

import (
	"context"
	"fmt"
	"io"
	"log"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/sqlrows"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

// A pass over a query's result: each cell as text, NULL as "" with Null
// true, lines numbered as in a CSV export with a header.
func ExampleNew() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `CREATE TABLE staff (id BIGINT, name TEXT, mobile BIGINT, dept TEXT);
		INSERT INTO staff VALUES (1001, 'Ada', 13800000000, 'R&D'), (1002, 'Grace', NULL, 'Sales')`)
	if err != nil {
		log.Fatal(err)
	}

	t := sqlrows.New(db, "hr staff query", "SELECT * FROM staff WHERE id > ? ORDER BY id", 1000)
	rows, err := t.Open(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	fmt.Println(t.Name(), rows.Header())
	for {
		line, cells, err := rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d %q mobile NULL: %v\n", line, cells, rows.Null(2))
	}
	// Output:
	// hr staff query [id name mobile dept]
	// 2 ["1001" "Ada" "13800000000" "R&D"] mobile NULL: false
	// 3 ["1002" "Grace" "" "Sales"] mobile NULL: true
}
