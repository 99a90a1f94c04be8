package datasync

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/toposort"
)

// DefaultChunkSize is how many records a BatchResource gets at a time.
const DefaultChunkSize = 1000

// Options configure a Manager. The zero value is ready to use.
type Options struct {
	// Logger receives the manager's logs; slog.Default() when nil. Logs
	// name sources, uids, counts and errors, never whole records.
	Logger *slog.Logger
	// ChunkSize is how many records a BatchResource is handed at a time
	// (DefaultChunkSize when 0). Memory a run uses beyond its input is
	// bounded by it.
	ChunkSize int
	// SkipFailed applies what it can and reports failed records in the
	// results (NocoBase's behaviour). By default one failed record stops
	// the run and nothing is written.
	SkipFailed bool
	// OnProgress, when set, is called as a run goes (from the goroutine
	// that runs it).
	OnProgress func(Progress)
	// Notifier, when set, is told when a source starts failing: on its
	// first failed task after a success (or since the manager started),
	// not on the failures that follow; a success re-arms it. Nil sends
	// no reminders.
	Notifier Notifier
}

// Progress reports a run's counts for one resource so far.
type Progress struct {
	SourceName string
	DataType   DataType
	Resource   string
	Read       int
	Created    int
	Updated    int
	Deleted    int
	Unchanged  int
	Failed     int
	// Disabled counts the updates that disable a user ("enabled" false).
	Disabled int
	// Memberships counts membership changes (added, removed, updated).
	Memberships int
}

// RegisterOptions place a resource among the others, as NocoBase's
// toposort options do: After and Before name other resources.
type RegisterOptions struct {
	Before []string
	After  []string
}

// Manager keeps a directory equal to outside ones: it holds the registered
// resources (in topological order), runs UserData through them, and runs
// sources as tasks. It is safe for concurrent use.
type Manager struct {
	db   *bun.DB
	opts Options
	log  *slog.Logger

	mu        sync.Mutex // guards sorter and the registries
	sorter    toposort.Sorter[Resource]
	resources atomic.Pointer[[]Resource] // published copy of sorter.Nodes()

	sourceTypes     map[string]SourceType
	sourceTypeOrder []string           // registration order, for SourceTypes
	tasks           sync.WaitGroup     // background task runs
	stop            context.CancelFunc // cancels background task runs on Close
	stopCtx         context.Context
	waiters         map[int64][]chan struct{} // task id → channels closed when it ends
	reminder        reminder                  // which sources are failing (Options.Notifier)
}

// NewManager returns a manager over db. Call [CreateTables] first (once,
// at start-up or in a migration).
func NewManager(db *bun.DB, opts Options) *Manager {
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = DefaultChunkSize
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	stopCtx, stop := context.WithCancel(context.Background())
	m := &Manager{
		db: db, opts: opts, log: log,
		sourceTypes: map[string]SourceType{},
		stop:        stop, stopCtx: stopCtx,
		waiters:  map[int64][]chan struct{}{},
		reminder: reminder{failing: map[string]bool{}},
	}
	m.resources.Store(&[]Resource{})
	return m
}

// DB returns the database the manager writes to.
func (m *Manager) DB() *bun.DB { return m.db }

// RegisterResource adds a resource. Its name is its toposort tag, so other
// resources can be registered Before or After it; NocoBase registers the
// departments resource After "users". Registration fails (wrapping
// ErrInvalidResource) for a missing name or accepts, with NocoBase's
// messages, for a resource that implements neither UserDataResource nor
// BatchResource, for a name already registered, and for an ordering that
// contradicts the existing ones.
func (m *Manager) RegisterResource(res Resource, opts RegisterOptions) error {
	if res == nil || res.Name() == "" {
		return fmt.Errorf(`%w: "name" for user data synchronize resource is required`, ErrInvalidResource)
	}
	if len(res.Accepts()) == 0 {
		return fmt.Errorf(`%w: "accepts" for user data synchronize resource is required`, ErrInvalidResource)
	}
	_, perRecord := res.(UserDataResource)
	_, batch := res.(BatchResource)
	if !perRecord && !batch {
		return fmt.Errorf("%w: %q implements neither UserDataResource nor BatchResource", ErrInvalidResource, res.Name())
	}
	for _, dt := range res.Accepts() {
		if dt != DataTypeUser && dt != DataTypeDepartment {
			return fmt.Errorf("%w: %q accepts %q: want user or department", ErrInvalidResource, res.Name(), dt)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.sorter.Nodes() {
		if r.Name() == res.Name() {
			return fmt.Errorf("%w: %q is already registered", ErrInvalidResource, res.Name())
		}
	}
	if err := m.sorter.Add(res, toposort.Options{Tag: res.Name(), Before: opts.Before, After: opts.After}); err != nil {
		return fmt.Errorf("%w: %q: %w", ErrInvalidResource, res.Name(), err)
	}
	nodes := slices.Clone(m.sorter.Nodes())
	m.resources.Store(&nodes)
	return nil
}

// Resources returns the registered resources in the order they run.
func (m *Manager) Resources() []Resource { return slices.Clone(*m.resources.Load()) }

// Supports reports whether some registered resource accepts dataType.
func (m *Manager) Supports(dataType DataType) bool {
	for _, r := range *m.resources.Load() {
		if slices.Contains(r.Accepts(), dataType) {
			return true
		}
	}
	return false
}

// Close cancels running source tasks and waits for them to end; their
// tasks are marked failed. It does not close the database.
func (m *Manager) Close() error {
	m.stop()
	m.tasks.Wait()
	return nil
}
