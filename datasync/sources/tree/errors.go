package tree

import (
	"errors"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// maxErrors is how many row errors a pull collects before it stops
// reading: enough for an operator to fix a whole class of mistakes in one
// go, few enough that a wrong mapping does not print 100,000 lines.
const maxErrors = 20

// rowErrors collects the row errors of one pull, up to maxErrors.
type rowErrors struct {
	table string
	errs  []error
}

// add records a row error and reports whether the pull should stop: the
// last error it keeps says the read stopped there, so an operator knows
// more may follow.
func (r *rowErrors) add(line int, column, reason string) (full bool) {
	if len(r.errs) == maxErrors-1 {
		r.errs = append(r.errs, &tabular.RowError{Table: r.table, Line: line, Column: column, Reason: reason},
			&tabular.RowError{Table: r.table, Line: line, Reason: "too many errors; stopped here"})
		return true
	}
	r.errs = append(r.errs, &tabular.RowError{Table: r.table, Line: line, Column: column, Reason: reason})
	return false
}

func (r *rowErrors) full() bool { return len(r.errs) >= maxErrors }

// err joins the collected errors, or is nil when there are none.
func (r *rowErrors) err() error { return errors.Join(r.errs...) }
