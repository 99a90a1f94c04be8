package crud

import (
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// Options configure the actions of one model.
type Options struct {
	// DB runs the queries.
	DB *bun.DB
	// Model is a pointer to the bun model, e.g. (*Post)(nil).
	Model any
	// Name is the resource name; the model's table name when empty.
	Name string
	// Filters compiles filters; filterop.Default() when nil. Give one of
	// your own to add operators.
	Filters *filterop.Registry
	// DefaultPageSize applies when a list names none (NocoBase: 20).
	DefaultPageSize int
	// MaxPageSize caps pageSize (default 1000); a larger one is clamped.
	MaxPageSize int
	// Logger receives unexpected database errors; slog.Default() when nil.
	Logger *slog.Logger
	// StatementTimeout bounds the time one action's queries may take
	// together (default 30s; negative: no bound besides the request's
	// context). Past it the queries are stopped on the database (SQLite
	// interrupts them; PostgreSQL cancels them on the server) and the
	// action answers 503 with Retry-After.
	StatementTimeout time.Duration
	// MaxFields caps how many names fields, appends and except may give
	// together, after repeats collapse (default 100); more is a 400.
	MaxFields int
}

// Resource serves NocoBase's default actions for one bun model.
type Resource struct {
	db      *bun.DB
	schema  *filterop.Schema
	filters *filterop.Registry
	model   reflect.Type // the struct type
	embeds  [][]int      // the structs the model embeds (modelParts)
	name    string
	opts    Options
}

// New prepares the actions of a model.
func New(opts Options) (*Resource, error) {
	if opts.DB == nil || opts.Model == nil {
		return nil, fmt.Errorf("crud: Options need DB and Model")
	}
	s, err := filterop.SchemaFor(opts.DB, opts.Model)
	if err != nil {
		return nil, err
	}
	if len(s.PKs()) != 1 {
		return nil, fmt.Errorf("crud: model %s needs exactly one primary key, has %d", s.Table, len(s.PKs()))
	}
	if opts.Filters == nil {
		opts.Filters = filterop.Default()
	}
	if opts.DefaultPageSize <= 0 {
		opts.DefaultPageSize = 20
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = 1000
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.StatementTimeout == 0 {
		opts.StatementTimeout = defaultStatementTimeout
	}
	name := opts.Name
	if name == "" {
		name = s.Table
	}
	t := s.BunTable().Type
	return &Resource{db: opts.DB, schema: s, filters: opts.Filters, model: t, embeds: embeddedStructs(t, nil), name: name, opts: opts}, nil
}

// Name returns the resource name.
func (r *Resource) Name() string { return r.name }

// Schema returns what filters may name on the model.
func (r *Resource) Schema() *filterop.Schema { return r.schema }

// Actions returns the default actions, to define on a resourcer:
// list, get, create, update, destroy, count, firstOrCreate, updateOrCreate.
// Each runs under Options.StatementTimeout.
func (r *Resource) Actions() map[string]resourcer.ActionOptions {
	h := func(fn resourcer.HandlerFunc) resourcer.ActionOptions {
		return resourcer.ActionOptions{Handler: r.timed(fn)}
	}
	return map[string]resourcer.ActionOptions{
		"list":           h(r.list),
		"get":            h(r.get),
		"create":         h(r.create),
		"update":         h(r.update),
		"destroy":        h(r.destroy),
		"count":          h(r.count),
		"firstOrCreate":  h(r.firstOrCreate),
		"updateOrCreate": h(r.updateOrCreate),
	}
}

// Define defines the model's resource with the default actions on rs.
func Define(rs *resourcer.Resourcer, opts Options) (*Resource, error) {
	r, err := New(opts)
	if err != nil {
		return nil, err
	}
	if _, err := rs.Define(resourcer.ResourceOptions{Name: r.name, Actions: r.Actions()}); err != nil {
		return nil, err
	}
	return r, nil
}

// badRequest is a 400 naming what is wrong.
func badRequest(format string, args ...any) error {
	return &resourcer.StatusError{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &resourcer.StatusError{Status: http.StatusNotFound, Message: fmt.Sprintf(format, args...)}
}
