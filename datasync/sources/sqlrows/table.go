package sqlrows

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// Querier runs a query. *sql.DB, *sql.Tx, *sql.Conn, *bun.DB and bun.Tx
// satisfy it.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Table is the result of a SQL query: a [tabular.Table] whose header is
// the result's column names.
type Table struct {
	db    Querier
	name  string
	query string
	args  []any
}

// New is the result of query with args on db. name says what it is in
// errors and logs ("hr users query"); the query text never appears there.
// A source reads a table twice, so the query runs twice and must return
// the same rows both times: give it an ORDER BY, and do not run it while
// the data it reads is being rewritten.
func New(db Querier, name, query string, args ...any) *Table {
	return &Table{db: db, name: name, query: query, args: args}
}

// Name is the name given to New.
func (t *Table) Name() string { return t.name }

// Dataset is what the table reads, for a source's dataset-switch check
// (see datasync.DatasetSource): the query and its args. It is hashed, not
// shown.
func (t *Table) Dataset() string { return fmt.Sprintf("%s\x00%v", t.query, t.args) }

// Open runs the query; the result's rows are then read with its cursor, one
// at a time, as the source asks for them.
func (t *Table) Open(ctx context.Context) (tabular.Rows, error) {
	return t.open(ctx, t.query, t.args)
}

// open runs query (the table's, or a delta's around it) with args.
func (t *Table) open(ctx context.Context, query string, args []any) (*rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, &QueryError{Table: t.name, Err: err}
	}
	rs, err := t.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, &QueryError{Table: t.name, Err: err}
	}
	header, err := rs.Columns()
	if err != nil {
		rs.Close()
		return nil, &QueryError{Table: t.name, Err: err}
	}
	return newRows(ctx, t.name, header, rs), nil
}
