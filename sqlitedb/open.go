package sqlitedb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
)

// DefaultBusyTimeout is how long a statement waits for another connection's
// lock before it fails with "database is locked", when
// [Options.BusyTimeout] is zero.
const DefaultBusyTimeout = 5 * time.Second

// Options tune [Open]. The zero value is what most hosts want.
type Options struct {
	// BusyTimeout is SQLite's busy_timeout for every connection; zero means
	// [DefaultBusyTimeout]. A busy_timeout pragma in the DSN wins.
	BusyTimeout time.Duration
	// MaxOpenConns bounds the pool; zero means [DefaultMaxOpenConns]. Idle
	// connections are kept up to the same number, so the pool does not
	// reopen connections (and rerun their pragmas) under load.
	MaxOpenConns int
	// Pragmas run on every new connection, written as modernc.org/sqlite's
	// _pragma values: "cache_size(-65536)". The driver runs busy_timeout
	// first and the rest in name order. One that names a pragma Open sets
	// by default replaces the default; one the DSN sets is ignored.
	Pragmas []string
	// DBOptions are passed to bun.NewDB.
	DBOptions []bun.DBOption
}

// DefaultMaxOpenConns is the pool size [Open] uses when
// [Options.MaxOpenConns] is zero: enough connections for concurrent readers
// on every core, few enough that writers queue in database/sql (where a
// context can cancel the wait) rather than in SQLite's busy handler.
func DefaultMaxOpenConns() int {
	return max(4, runtime.GOMAXPROCS(0))
}

// Open opens the SQLite database dsn names with bun, configured for a
// server: foreign keys on, a busy timeout, transactions that take the write
// lock when they begin (_txlock=immediate), WAL for files, and in-memory
// databases that survive cancelled queries. See the package documentation
// for the DSN spellings and what each setting is for.
//
// The returned database is closed with its Close method; for an in-memory
// database that also frees the database. ctx bounds the first connection.
func Open(ctx context.Context, dsn string, opts Options) (*bun.DB, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	src, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	src.applyDefaults(cmp.Or(opts.BusyTimeout, DefaultBusyTimeout), opts.Pragmas)
	drv, err := registeredDriver()
	if err != nil {
		return nil, err
	}
	c := &connector{dsn: src.String(), driver: drv}
	if src.memory {
		if err := c.pin(); err != nil {
			return nil, fmt.Errorf("sqlitedb: open %q: %w", dsn, err)
		}
	}
	sqldb := sql.OpenDB(c)
	size := cmp.Or(opts.MaxOpenConns, DefaultMaxOpenConns())
	sqldb.SetMaxOpenConns(size)
	sqldb.SetMaxIdleConns(size)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("sqlitedb: open %q: %w", dsn, err)
	}
	return bun.NewDB(sqldb, sqlitedialect.New(), opts.DBOptions...), nil
}

func (o Options) validate() error {
	if o.BusyTimeout < 0 {
		return fmt.Errorf("%w: BusyTimeout %v is negative", ErrInvalidOptions, o.BusyTimeout)
	}
	if o.MaxOpenConns < 0 {
		return fmt.Errorf("%w: MaxOpenConns %d is negative", ErrInvalidOptions, o.MaxOpenConns)
	}
	return nil
}
