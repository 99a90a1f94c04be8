package filterop

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// Expr is a piece of SQL with its arguments, as bun appends it.
type Expr = schema.QueryAppender

// SQL builds an Expr from a bun query with ? placeholders: values are
// formatted by bun for the dialect, identifiers go in as bun.Ident.
func SQL(query string, args ...any) Expr { return bun.SafeQuery(query, args...) }

// Cond is one operator applied to one field: what an OperatorFunc gets.
type Cond struct {
	Ctx      context.Context
	Field    *Field
	Column   Expr   // the field's column, qualified by its table alias
	Operator string // "$includes"
	Value    any    // JSON-shaped, templates already filled in
	Path     string // where in the filter, for errors
	Dialect  string // "sqlite" or "pg"
	Timezone string // from WithTimezone, e.g. "+08:00"; "" for UTC
	Limits   Limits // the registry's, for operators that bound their operands
}

// Errorf reports an unusable value at the condition's path.
func (c *Cond) Errorf(format string, args ...any) error {
	return errorf(c.Path, ErrInvalidValue, format, args...)
}

// OperatorFunc compiles one operator. It returns the SQL condition; it
// must pass values only as arguments of SQL, never inside the query text.
type OperatorFunc func(c *Cond) (Expr, error)

// Limits bound what a filter may ask for, so that a request cannot make
// the compiler or the database do unbounded work.
type Limits struct {
	MaxDepth      int // nesting of $and/$or/$not and associations
	MaxConditions int // operator conditions in the whole filter
	MaxValues     int // entries of one list value ($in, $between, ...)
	// MaxAssociations caps the association conditions (each a correlated
	// EXISTS subquery): PostgreSQL's planner and JIT slow down sharply, and
	// uncancellably, past a few dozen of them in one query.
	MaxAssociations int
	// MaxPatternLength caps the bytes of one operand of a pattern
	// operator ($includes, $startsWith, $endWith, $like, $iLike, their
	// negations and aliases); a longer one is an ErrTooComplex error.
	// Neither SQLite's nor PostgreSQL's LIKE has a linear-time matcher: an
	// operand that almost matches everywhere ("aaa…ab" in "aaa…a") costs
	// the text's length times the operand's per row, and an $includes is
	// evaluated on every row the rest of the query leaves. The default,
	// 128, is from BenchmarkPatternWorstCase: against a 100 KB text such
	// an operand costs about 2 to 3 ns per byte of text per byte of
	// operand on SQLite (more for mixed-case non-ASCII letters, which
	// SQLite tries in up to three case forms) and 1 to 2 ns on
	// PostgreSQL, so 128 bytes keep one row's match at 30 to 60 ms on the
	// project's idle 2-core machines, under the 100 ms budget, and leave
	// room for any search a person types; the request's statement timeout
	// bounds the rows. Zero means DefaultLimits' value.
	MaxPatternLength int
}

// DefaultLimits are generous for any filter a person writes.
var DefaultLimits = Limits{MaxDepth: 32, MaxConditions: 1000, MaxValues: 10000, MaxAssociations: 16, MaxPatternLength: 128}

// patternLength is MaxPatternLength, or its default when unset.
func (l Limits) patternLength() int {
	if l.MaxPatternLength > 0 {
		return l.MaxPatternLength
	}
	return DefaultLimits.MaxPatternLength
}

// Registry holds operators. The zero value is not usable; NewRegistry
// returns one with the built-in operators. It is safe for concurrent use;
// compiling never waits for Register.
type Registry struct {
	mu  sync.Mutex
	ops atomic.Pointer[map[string]OperatorFunc]
	// registered holds the names Register added or replaced, whose
	// answer on NULL the compiler cannot tell (nulltruth.go).
	registered atomic.Pointer[map[string]bool]
	Limits     Limits
}

// NewRegistry returns a registry with the built-in operators and
// DefaultLimits.
func NewRegistry() *Registry {
	r := &Registry{Limits: DefaultLimits}
	ops := map[string]OperatorFunc{}
	for _, family := range operatorFamilies {
		maps.Copy(ops, family())
	}
	r.ops.Store(&ops)
	return r
}

// Default returns the registry the package-level functions use.
var Default = sync.OnceValue(NewRegistry)

// Register adds or replaces an operator ("$isCurrentUser") in Default().
func Register(name string, fn OperatorFunc) error { return Default().Register(name, fn) }

// Register adds or replaces an operator. Names start with '$'.
func (r *Registry) Register(name string, fn OperatorFunc) error {
	if !strings.HasPrefix(name, "$") || len(name) < 2 || fn == nil {
		return fmt.Errorf("filterop: operator %q: names start with '$' and need a func", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	next := maps.Clone(*r.ops.Load())
	next[name] = fn
	names := map[string]bool{name: true}
	if old := r.registered.Load(); old != nil {
		maps.Copy(names, *old)
	}
	r.registered.Store(&names)
	r.ops.Store(&next)
	return nil
}

// custom returns the names Register added or replaced.
func (r *Registry) custom() map[string]bool {
	if names := r.registered.Load(); names != nil {
		return *names
	}
	return nil
}

// Operator returns a registered operator.
func (r *Registry) Operator(name string) (OperatorFunc, bool) {
	fn, ok := (*r.ops.Load())[name]
	return fn, ok
}

// operatorFamilies are the built-in operators, one func per ops_*.go file,
// added by each file's init.
var operatorFamilies []func() map[string]OperatorFunc
