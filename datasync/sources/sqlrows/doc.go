// Package sqlrows reads the result of a SQL query as a [tabular.Table], so
// a customer's HR database syncs like a CSV export of it.
//
//	hr := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(hrDSN))) // any *sql.DB, *bun.DB or transaction
//	t := sqlrows.New(hr, "hr staff query",
//		"SELECT employee_no, login, full_name, email, dept FROM staff WHERE active ORDER BY employee_no")
//	src, err := tabular.NewSource(t, tabular.Options{
//		Mapping: tabular.Mapping{UID: "employee_no", Username: "login", Nickname: "full_name",
//			Email: "email", DepartmentPath: "dept"},
//	})
//
// # Queries
//
// The header is the result's column names: alias columns (AS) to the names
// the mapping uses. The query runs once per pass and a source makes two
// passes, so it must return the same rows both times; order it, as a
// changed second pass fails the run. Rows are read with the cursor as the
// source asks for them, so a large result is never held in memory; the
// query holds a connection (and, on some databases, a snapshot) until the
// pass is closed.
//
// Placeholders are the querier's: a *bun.DB formats "?" itself on every
// dialect, while a *sql.DB passes the query to its driver, which wants
// "$1" on PostgreSQL. Errors name the table by the name given to [New]
// and never quote the query or its arguments ([QueryError]).
//
// On SQLite, query a database other than the directory's: a pull writes in
// one transaction that takes the write lock at its start, and a query on
// the directory's in-memory database then fails with SQLITE_BUSY.
//
// # Deltas
//
// [NewDeltaSource] makes a source that is also a [datasync.DeltaSource]:
// given the result column holding when each row last changed
// ([Delta.UpdatedAt]), a delta wraps the query in a filter that reads only
// the users with a row changed after the watermark, the highest value an
// earlier read saw. Deleted rows are only noticed by full runs.
//
//	src, err := sqlrows.NewDeltaSource(t, sqlrows.Delta{UpdatedAt: "updated_at"}, tabular.Options{Mapping: mapping})
//
// # Cells as text
//
// Each cell is turned into the text a person would type into a CSV file:
//
//   - text and bytes as they are;
//   - integers in decimal;
//   - floating-point numbers in the shortest form that reads back the
//     same, and whole numbers without an exponent, so a phone kept in a
//     DOUBLE column is 13800000000, not 1.38e+10;
//   - booleans as true and false;
//   - times in RFC 3339 (2024-03-01T09:30:00Z, with a fraction only when
//     there is one);
//   - NULL as "", with Null reporting it, so a mapping can tell "no
//     value" from an empty string.
//
// The values are the driver's, so they follow the database's types:
// SQLite has no boolean or decimal type, and returns a BOOLEAN column as
// 1 and 0 and a NUMERIC one as a float (1234.5 where PostgreSQL says
// 1234.50). Cast in the query where the difference matters.
package sqlrows
