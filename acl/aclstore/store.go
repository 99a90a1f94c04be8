package aclstore

import (
	"log/slog"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// Options configure a Store.
type Options struct {
	// PollInterval is how often Watch reads the change log on SQLite, and
	// on PostgreSQL how often it reads it besides the notifications (a
	// backstop). DefaultPollInterval when zero.
	PollInterval time.Duration
	// Channel is the PostgreSQL LISTEN/NOTIFY channel; DefaultChannel when
	// empty. Stores sharing a database must use the same one.
	Channel string
	// RolesCacheSize bounds the users whose roles RolesOf keeps;
	// DefaultRolesCacheSize when zero, no cache when negative.
	RolesCacheSize int
	// Logger gets reloads and listener reconnections; slog.Default when
	// nil.
	Logger *slog.Logger
}

// Defaults of Options.
const (
	DefaultPollInterval   = time.Second
	DefaultChannel        = "gatehouse_acl"
	DefaultRolesCacheSize = 100_000
)

// Store keeps an acl.ACL's roles in the database: Load builds them from
// the tables, writes change the tables and the ACL together, and Watch
// applies what other processes change. See the package doc.
type Store struct {
	db   *bun.DB
	acl  *acl.ACL
	opts Options
	log  *slog.Logger
	pg   bool

	// writeMu serialises this store's writes, so that the ACL sees them
	// in the order the database committed them.
	writeMu sync.Mutex

	// mu guards loaded and seen.
	mu sync.Mutex
	// loaded are the roles this store defined in the ACL: a reload removes
	// those no longer in the database and leaves roles the host defined in
	// code alone.
	loaded map[string]struct{}
	// seen is the id of the last change log row applied.
	seen int64

	// roles caches RolesOf.
	roles *rolesCache
	// own are the changes this store logged and applied itself: Watch
	// skips them when they come back.
	own *ownChanges
}

// New returns a store of a's roles in db. It reads nothing: call
// CreateTables once, then Load, then Watch.
func New(db *bun.DB, a *acl.ACL, opts Options) *Store {
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Channel == "" {
		opts.Channel = DefaultChannel
	}
	if opts.RolesCacheSize == 0 {
		opts.RolesCacheSize = DefaultRolesCacheSize
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Store{
		db: db, acl: a, opts: opts, log: log,
		pg:     db.Dialect().Name() == dialect.PG,
		loaded: map[string]struct{}{},
		roles:  newRolesCache(opts.RolesCacheSize),
		own:    &ownChanges{ids: map[int64]struct{}{}},
	}
}

// ACL is the ACL the store keeps.
func (s *Store) ACL() *acl.ACL { return s.acl }
