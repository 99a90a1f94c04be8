// Package sqlitedb opens SQLite databases with bun, configured the way a
// server needs them, on the pure-Go driver modernc.org/sqlite.
//
//	db, err := sqlitedb.Open(ctx, "/var/lib/app/app.db", sqlitedb.Options{})
//	if err != nil {
//		return err
//	}
//	defer db.Close()
//
//	mem, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{}) // tests, demos
//
// # Why
//
// A bare sql.Open("sqlite", ...) works until a request is cancelled or two
// requests write at once:
//
//   - An in-memory database lives as long as one of its connections. When a
//     context cancels a query, SQLite interrupts it and database/sql throws
//     the connection away; with the usual single-connection set-up that was
//     the last one, so the database is gone and every later query fails with
//     "no such table". Open pins one extra connection that never runs a
//     query, so cancelled queries cost a connection, never the data.
//   - A transaction begins deferred: it reads under a shared lock and asks for
//     the write lock at its first write. Two such transactions cannot both
//     upgrade, and SQLite answers one of them "database is locked" at once,
//     without waiting out the busy timeout. Open makes transactions
//     BEGIN IMMEDIATE (_txlock=immediate), so writers queue on the busy
//     timeout instead of failing. Read-only transactions
//     (sql.TxOptions{ReadOnly: true}) still begin deferred.
//   - SQLite leaves foreign keys off unless each connection turns them on.
//
// # What Open sets
//
// On every connection, unless the DSN (or [Options.Pragmas]) already sets it:
// busy_timeout ([Options.BusyTimeout], default [DefaultBusyTimeout]),
// foreign_keys on, and _txlock=immediate; on files also journal_mode=WAL
// (readers never wait for the writer) and synchronous=NORMAL (safe with
// WAL, and no fsync per commit). The pool holds [DefaultMaxOpenConns]
// connections unless [Options.MaxOpenConns] says otherwise.
//
// # DSNs
//
// A file is a path ("app.db") or a URI ("file:app.db?mode=ro"); the
// driver's own parameters (_pragma, _txlock, _time_format) may be added.
// In-memory databases use SQLite's memdb VFS, which locks like a file (so
// the busy timeout works across the pool, where a shared cache has table
// locks that fail at once), and one pinned connection:
//
//   - "" or ":memory:": a private database for this *bun.DB.
//   - "file:NAME?mode=memory" (cache=shared may be given and is dropped) or
//     "file:/NAME?vfs=memdb": a database shared by every Open of NAME in the
//     process, freed when the last of them is closed.
//
// A memdb database holds at most 1 GiB (SQLITE_MEMDB_DEFAULT_MAXSIZE).
package sqlitedb
