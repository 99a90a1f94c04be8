package sqlitedb

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// source is a DSN taken apart: where the database lives and the query
// parameters that SQLite and modernc.org/sqlite read.
type source struct {
	// path is the DSN before "?" for a file, or the memdb name (no leading
	// slash) for an in-memory database.
	path   string
	memory bool
	query  url.Values
}

// parseDSN recognises the spellings of an in-memory database, so that every
// one of them gets the memdb VFS and a pinned connection: "" and ":memory:"
// (a private database), "file:NAME?mode=memory" (the spelling used with
// cache=shared) and "file:/NAME?vfs=memdb" (both named, shared in the process).
func parseDSN(dsn string) (source, error) {
	path, rawQuery, _ := strings.Cut(dsn, "?")
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return source{}, fmt.Errorf("%w %q: %w", ErrDSN, dsn, err)
	}
	if vfs := query["vfs"]; len(vfs) > 1 {
		return source{}, fmt.Errorf("%w %q: more than one vfs parameter", ErrDSN, dsn)
	}
	name := strings.TrimPrefix(path, "file:")
	src := source{path: path, query: query}
	switch {
	case name == "" || name == ":memory:":
		src.memory, src.path = true, "sqlitedb_"+rand.Text()
	case query.Get("vfs") == "memdb":
		src.memory, src.path = true, strings.TrimPrefix(name, "/")
	case query.Get("mode") == "memory":
		if vfs := query.Get("vfs"); vfs != "" {
			return source{}, fmt.Errorf("%w %q: mode=memory with vfs=%s (in-memory databases use the memdb VFS)", ErrDSN, dsn, vfs)
		}
		src.memory, src.path = true, strings.TrimPrefix(name, "/")
	}
	if src.memory {
		if src.path == "" {
			return source{}, fmt.Errorf("%w %q: empty in-memory database name", ErrDSN, dsn)
		}
		// memdb shares a database by name and locks it like a file, so
		// shared cache (table locks that busy_timeout does not wait on) and
		// mode=memory (a private memory pager) must not be asked for.
		query.Del("mode")
		query.Del("cache")
		query.Set("vfs", "memdb")
	}
	return src, nil
}

// String is the DSN handed to the driver. A memdb name must start with "/"
// to be shared by the connections of the pool.
func (s source) String() string {
	if s.memory {
		return "file:/" + s.path + "?" + s.query.Encode()
	}
	if len(s.query) == 0 {
		return s.path
	}
	return s.path + "?" + s.query.Encode()
}

// applyDefaults adds the settings every connection of the pool needs unless
// the DSN or Options.Pragmas already set them: a host that spells a pragma
// out gets its own value.
func (s source) applyDefaults(busyTimeout time.Duration, extra []string) {
	given := map[string]bool{}
	for _, p := range s.query["_pragma"] {
		given[pragmaName(p)] = true
	}
	for _, p := range extra {
		if !given[pragmaName(p)] {
			s.query.Add("_pragma", p)
			given[pragmaName(p)] = true
		}
	}
	add := func(name, value string) {
		if !given[name] {
			s.query.Add("_pragma", name+"("+value+")")
		}
	}
	add("busy_timeout", strconv.FormatInt(busyTimeout.Milliseconds(), 10))
	add("foreign_keys", "1")
	if !s.memory && s.query.Get("mode") != "ro" {
		// memdb has no WAL, and a read-only connection cannot switch to it.
		add("journal_mode", "WAL")
		add("synchronous", "NORMAL")
	}
	if s.query.Get("_txlock") == "" {
		s.query.Set("_txlock", "immediate")
	}
}

// pragmaName is the lower-cased name of a _pragma value such as
// "busy_timeout(5000)" or "journal_mode = wal".
func pragmaName(p string) string {
	name, _, _ := strings.Cut(p, "(")
	name, _, _ = strings.Cut(name, "=")
	return strings.ToLower(strings.TrimSpace(name))
}
