package tabular

import (
	"fmt"
	"slices"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// userRecord is the record of a user with its uid and the scalars given
// (values holds "" for one not given); the caller adds departments and
// roles.
func userRecord(cols *columns, uid string, values []string) datasync.Record {
	rec := make(datasync.Record, len(cols.scalars)+3)
	rec["uid"] = uid
	for i, s := range cols.scalars {
		switch v := values[i]; {
		case v == "":
		case s.isBool:
			rec[s.field] = v == "true"
		default:
			rec[s.field] = v
		}
	}
	return rec
}

// setList sets rec[field] to list, unless list is empty: a user without
// departments has no "departments" key.
func setList(rec datasync.Record, field string, list []string) {
	if len(list) > 0 {
		rec[field] = anys(list)
	}
}

func anys(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

// oneRowRecord is the record of a user on a single row.
func oneRowRecord(cols *columns, w *row) datasync.Record {
	rec := userRecord(cols, w.uid, w.values)
	if w.dept != "" {
		rec["departments"] = []any{w.dept}
	}
	var roles []string
	if w.role != "" {
		roles = []string{w.role}
	}
	setRoles(cols, rec, roles)
	return rec
}

// setRoles sets the record's "roles" when the mapping has a Role column:
// the roles its cells name, none ([]) when every cell is empty. A source
// that carries roles owns them, so a role dropped from the table must be
// dropped from the user, even the last one; a record without the key
// would leave the user's roles alone (the roles resource's rule for
// sources that carry no roles).
func setRoles(cols *columns, rec datasync.Record, roles []string) {
	if cols.role >= 0 {
		rec["roles"] = anys(roles)
	}
}

// partialUser is a user on several rows, merged so far. It keeps the
// cells' strings as they are: a pending user pins its lines until its last
// row comes, which costs about what copying its values would, without the
// copies.
type partialUser struct {
	uid    string
	values []string // per columns.scalars, "" while not given
	lines  []int    // per columns.scalars: the line that gave the value
	depts  []string
	roles  []string
}

func newPartialUser(cols *columns, uid string) *partialUser {
	return &partialUser{
		uid:    uid,
		values: make([]string, len(cols.scalars)),
		lines:  make([]int, len(cols.scalars)),
	}
}

// merge adds a row of the user. A field given on two rows must agree: the
// error names the later line and the column, and the line that gave the
// value first, never the values. Departments and roles gather, each once,
// in the order first seen.
func (p *partialUser) merge(table string, cols *columns, w *row) error {
	for i, v := range w.values {
		switch {
		case v == "":
		case p.values[i] == "":
			p.values[i], p.lines[i] = v, w.line
		case p.values[i] != v:
			return &RowError{Table: table, Line: w.line, Column: cols.scalars[i].column, Reason: fmt.Sprintf("differs from line %d", p.lines[i])}
		}
	}
	p.depts = gather(p.depts, w.dept)
	p.roles = gather(p.roles, w.role)
	return nil
}

// gather appends v to list unless it is empty or already there.
func gather(list []string, v string) []string {
	if v == "" || slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

func (p *partialUser) record(cols *columns) datasync.Record {
	rec := userRecord(cols, p.uid, p.values)
	setList(rec, "departments", p.depts)
	setRoles(cols, rec, p.roles)
	return rec
}
