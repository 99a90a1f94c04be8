// Package loadrun is what the load commands (tools/crudload,
// examples/server/loadtest) share: a throw-away database opened as a host
// would open it, and the text of a run's errors.
package loadrun

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

// OpenDB opens a fresh database for a load run named name: with pgDSN a
// PostgreSQL schema of the run's own (so it never meets another run's
// tables), else a SQLite WAL file in a temporary directory through
// sqlitedb.Open. pool is the pool size; 0 is sqlitedb's default for
// SQLite and four connections per core for PostgreSQL. where says which,
// for the report; closeDB closes the pool and drops the schema or removes
// the file.
func OpenDB(ctx context.Context, pgDSN string, pool int, name string) (db *bun.DB, where string, closeDB func(), err error) {
	if pgDSN != "" {
		return openPostgres(ctx, pgDSN, pool, name)
	}
	dir, err := os.MkdirTemp("", name)
	if err != nil {
		return nil, "", nil, err
	}
	db, err = sqlitedb.Open(ctx, filepath.Join(dir, name+".db"), sqlitedb.Options{MaxOpenConns: pool})
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", nil, err
	}
	where = fmt.Sprintf("SQLite WAL file, pool %d", db.DB.Stats().MaxOpenConnections)
	return db, where, func() { db.Close(); os.RemoveAll(dir) }, nil
}

func openPostgres(ctx context.Context, dsn string, pool int, name string) (*bun.DB, string, func(), error) {
	admin := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn))), pgdialect.New())
	defer admin.Close()
	schema := name + "_" + strings.ToLower(rand.Text())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return nil, "", nil, fmt.Errorf("%s: creating schema %s: %w", name, schema, err)
	}
	sqldb := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn),
		pgdriver.WithConnParams(map[string]any{"search_path": schema})))
	if pool <= 0 {
		pool = 4 * sqlitedb.DefaultMaxOpenConns()
	}
	sqldb.SetMaxOpenConns(pool)
	sqldb.SetMaxIdleConns(pool)
	db := bun.NewDB(sqldb, pgdialect.New())
	closeDB := func() {
		db.Close()
		drop := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn))), pgdialect.New())
		defer drop.Close()
		if _, err := drop.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			fmt.Fprintf(os.Stderr, "%s: dropping schema %s: %v\n", name, schema, err)
		}
	}
	return db, fmt.Sprintf("PostgreSQL, pool %d", pool), closeDB, nil
}

// ErrorText renders a run's failed requests by HTTP status ("none", or
// "409×3 500×1").
func ErrorText(errors map[int]int64) string {
	if len(errors) == 0 {
		return "none"
	}
	codes := make([]int, 0, len(errors))
	for c := range errors {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d×%d", c, errors[c])
	}
	return strings.Join(parts, " ")
}
