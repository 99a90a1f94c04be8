package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
	"github.com/gatehouse-dev/gatehouse/users"
)

// openDB opens the directory's database.
func openDB(ctx context.Context, cfg *config) (*bun.DB, error) {
	var db *bun.DB
	if cfg.pgDSN != "" {
		db = bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(cfg.pgDSN))), pgdialect.New())
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
		}
	} else {
		var err error
		if db, err = sqlitedb.Open(ctx, cfg.dbPath, sqlitedb.Options{}); err != nil {
			return nil, err
		}
	}
	return db, nil
}

// newManager creates the directory's and the sync's tables where missing
// and returns a sync manager with the built-in users and departments
// resources, logging warnings and errors to errOut (counts, never
// records).
func newManager(ctx context.Context, db *bun.DB, errOut io.Writer) (*datasync.Manager, error) {
	log := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return users.NewSyncManager(ctx, db, users.Options{}, datasync.Options{Logger: log})
}
