package sqlrows

import "fmt"

// QueryError is a query that failed or stopped part-way: the database
// refused it, the connection went, the context ended. Table is the name
// given to [New]; neither the query text nor its arguments are in the
// message, as the arguments may be personal data. Row is the number of
// data rows read before the failure.
type QueryError struct {
	Table string
	Row   int
	Err   error
}

func (e *QueryError) Error() string {
	if e.Row == 0 {
		return fmt.Sprintf("sqlrows: %s: %v", e.Table, e.Err)
	}
	return fmt.Sprintf("sqlrows: %s: stopped after row %d: %v", e.Table, e.Row, e.Err)
}

// Unwrap returns the cause: the driver's error or the context's.
func (e *QueryError) Unwrap() error { return e.Err }
