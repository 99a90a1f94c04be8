// Command quickstart walks through gatehouse on an embedded in-memory SQLite
// database: no flags, no set-up, exits 0.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer) error {
	db, err := openSQLite()
	if err != nil {
		return err
	}
	defer db.Close()

	var version string
	if err := db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&version); err != nil {
		return err
	}
	fmt.Fprintf(out, "gatehouse quickstart\n")
	fmt.Fprintf(out, "1. database: embedded SQLite %s through bun (%s dialect)\n", version, db.Dialect().Name())
	return nil
}

// openSQLite opens a private in-memory database; one connection keeps it
// alive for the life of the program.
func openSQLite() (*bun.DB, error) {
	sqldb, err := sql.Open("sqlite", "file:quickstart?mode=memory&cache=shared&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, err
	}
	sqldb.SetMaxOpenConns(1)
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}
