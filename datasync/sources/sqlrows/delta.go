package sqlrows

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// Delta says how a [DeltaSource] finds the rows that changed.
type Delta struct {
	// UpdatedAt is the column of the query's result that holds when each
	// row last changed: a timestamp or an integer (a version, Unix time)
	// column. A user with several rows is read again whole when any of
	// them changed. A row whose UpdatedAt is NULL is read by full runs
	// only.
	UpdatedAt string
	// Placeholder is how the querier writes a parameter: "?" (the default;
	// a *bun.DB or bun.Tx on any dialect, a *sql.DB on SQLite) or "$" ($1,
	// $2…; a *sql.DB on PostgreSQL). The delta's filter adds one
	// parameter after the query's own args.
	Placeholder string
}

// DeltaSource is a [tabular.Source] over a query that is also a
// [datasync.DeltaSource]: a delta reads only the users with a row whose
// [Delta.UpdatedAt] is after the watermark, the highest value an earlier
// read saw. The query is wrapped, so it may be any SELECT:
//
//	SELECT * FROM (<query>) AS q WHERE q.<uid> IN
//	  (SELECT c.<uid> FROM (<query>) AS c WHERE c.<updated_at> > ?)
//
// where <uid> is the mapping's UID column (else its Username column). The
// departments a delta emits are those of the users it reads. Rows deleted
// from the table are not seen by a delta: the users they held go at the
// next full run.
//
// The watermark is the highest UpdatedAt value as text: a time in RFC
// 3339 with its fraction (2024-03-01T09:30:00.123456Z), an integer in
// decimal, other values as the driver gave them. A delta passes it back
// to the query as the same kind of value, so the database compares a
// timestamp with a timestamp (on SQLite, in the text form the driver
// writes times in: keep the column written by the same driver, or use an
// integer).
type DeltaSource struct {
	table *Table
	delta Delta
	opts  tabular.Options
	uid   string // the column identifying a user
}

var (
	_ datasync.DeltaSource   = (*DeltaSource)(nil)
	_ datasync.DatasetSource = (*DeltaSource)(nil)
)

// Dataset names the query the source reads (see [Table.Dataset]).
func (s *DeltaSource) Dataset() string { return s.table.Dataset() }

// NewDeltaSource returns a source reading t through opts whose deltas go
// by d. An empty UpdatedAt, an unknown Placeholder or options
// [tabular.NewSource] refuses are an error wrapping
// datasync.ErrInvalidSource.
func NewDeltaSource(t *Table, d Delta, opts tabular.Options) (*DeltaSource, error) {
	if _, err := tabular.NewSource(t, opts); err != nil {
		return nil, err
	}
	d.UpdatedAt = strings.TrimSpace(d.UpdatedAt)
	if d.UpdatedAt == "" {
		return nil, fmt.Errorf("%w: sqlrows: Delta.UpdatedAt names no column", datasync.ErrInvalidSource)
	}
	switch d.Placeholder {
	case "":
		d.Placeholder = "?"
	case "?", "$":
	default:
		return nil, fmt.Errorf("%w: sqlrows: Delta.Placeholder %q: want ? or $", datasync.ErrInvalidSource, d.Placeholder)
	}
	uid := strings.TrimSpace(opts.Mapping.UID)
	if uid == "" {
		uid = strings.TrimSpace(opts.Mapping.Username)
	}
	return &DeltaSource{table: t, delta: d, opts: opts, uid: uid}, nil
}

// Pull reads the whole result, as [tabular.Source.Pull] does.
func (s *DeltaSource) Pull(ctx context.Context, emit func(datasync.UserData) error) error {
	_, err := s.PullChanges(ctx, "", emit)
	return err
}

// PullChanges reads the whole result when watermark is "", else the users
// changed after it (see [DeltaSource]), and returns the highest UpdatedAt
// it read, or the old watermark when it read none. A result without the
// UpdatedAt column is a *tabular.HeaderError; an UpdatedAt value of
// another kind than the others a *tabular.RowError.
func (s *DeltaSource) PullChanges(ctx context.Context, watermark string, emit func(datasync.UserData) error) (string, error) {
	dt := &deltaTable{src: s, query: s.table.query, args: s.table.args, high: watermark}
	if watermark != "" {
		dt.query, dt.args = s.deltaQuery(watermarkValue(watermark))
	}
	src, err := tabular.NewSource(dt, s.opts)
	if err != nil {
		return "", err
	}
	if err := src.Pull(ctx, emit); err != nil {
		return "", err
	}
	return dt.high, nil
}

// deltaQuery wraps the table's query in the delta's filter. The query
// appears twice: with "?" its args are given twice, with "$n" they are
// shared and the watermark is the next parameter.
func (s *DeltaSource) deltaQuery(watermark any) (string, []any) {
	q := s.table.query
	uid, at := quoteIdent(s.uid), quoteIdent(s.delta.UpdatedAt)
	args := append([]any{}, s.table.args...)
	param := "?"
	if s.delta.Placeholder == "$" {
		param = "$" + strconv.Itoa(len(args)+1)
	} else {
		args = append(args, s.table.args...)
	}
	args = append(args, watermark)
	query := "SELECT * FROM (" + q + ") AS q WHERE q." + uid + " IN (SELECT c." + uid +
		" FROM (" + q + ") AS c WHERE c." + at + " > " + param + ")"
	return query, args
}

// quoteIdent quotes a column name as standard SQL (PostgreSQL, SQLite)
// does, so any name is safe in the delta's query.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// watermarkValue is the watermark as the kind of value it was read as: a
// time, an integer, else text.
func watermarkValue(w string) any {
	if t, err := time.Parse(time.RFC3339Nano, w); err == nil {
		return t
	}
	if n, err := strconv.ParseInt(w, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(w, 64); err == nil {
		return f
	}
	return w
}

// deltaTable is one read of a DeltaSource: its query and args, and the
// highest UpdatedAt value read so far (both passes read the same rows).
type deltaTable struct {
	src   *DeltaSource
	query string
	args  []any
	high  string
	top   any // high's driver value, nil before the first
}

func (d *deltaTable) Name() string { return d.src.table.name }

func (d *deltaTable) Open(ctx context.Context) (tabular.Rows, error) {
	r, err := d.src.table.open(ctx, d.query, d.args)
	if err != nil {
		return nil, err
	}
	col := -1
	for i, h := range r.header {
		if strings.EqualFold(strings.TrimSpace(h), d.src.delta.UpdatedAt) {
			col = i
			break
		}
	}
	if col < 0 {
		r.Close()
		return nil, &tabular.HeaderError{Table: d.Name(), Column: d.src.delta.UpdatedAt, Reason: "the result has no such column (Delta.UpdatedAt)"}
	}
	r.seen = func(line int, vals []any) error { return d.see(line, vals[col]) }
	return r, nil
}

// see keeps v when it is the highest UpdatedAt so far.
func (d *deltaTable) see(line int, v any) error {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil
	}
	if d.top == nil {
		if d.high != "" && !after(v, watermarkValue(d.high)) {
			return nil
		}
		d.top, d.high = v, watermarkText(v)
		return nil
	}
	higher, ok := compareAfter(v, d.top)
	if !ok {
		return &tabular.RowError{Table: d.Name(), Line: line, Column: d.src.delta.UpdatedAt,
			Reason: fmt.Sprintf("is a %T where an earlier row had a %T: the values must be of one kind to be ordered", v, d.top)}
	}
	if higher {
		d.top, d.high = v, watermarkText(v)
	}
	return nil
}

// after reports whether v is after the old watermark w; values of
// different kinds count as after, so the first one read sets it.
func after(v, w any) bool {
	higher, ok := compareAfter(v, w)
	return higher || !ok
}

// compareAfter reports whether a is after b, and false for ok when they
// are of different kinds (integers and floats are both numbers).
func compareAfter(a, b any) (higher, ok bool) {
	switch a := a.(type) {
	case time.Time:
		b, ok := b.(time.Time)
		return ok && a.After(b), ok
	case string:
		b, ok := b.(string)
		return ok && a > b, ok
	}
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			return x > y, true
		}
	}
	x, okA := number(a)
	y, okB := number(b)
	return okA && okB && x > y, okA && okB
}

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// watermarkText is a driver value as a watermark.
func watermarkText(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.Format(time.RFC3339Nano)
	}
	text, _, _ := cellText(v)
	return text
}
