// Package tabular turns a table of text cells — a CSV file, an Excel
// sheet, the rows of a SQL query — into the users and departments a
// [datasync.Manager] syncs. The csv, xlsx and sqlrows sources are a
// [Table] each and this package's [Source] on top.
//
//	src, err := tabular.NewSource(table, tabular.Options{
//		Mapping: tabular.Mapping{
//			UID:            "Employee no", // the immutable id; Username when absent
//			Username:       "Login",
//			Nickname:       "Name",
//			Email:          "Mail",
//			DepartmentPath: "Department", // "Sales/EMEA/Berlin"
//			Fields:         map[string]string{"employeeNo": "Employee no"},
//		},
//		MatchKey: "email", // adopt existing users by email on the first sync
//	})
//	if err != nil { ... } // wraps datasync.ErrInvalidSource
//	err = src.Pull(ctx, emit) // or: register it as a source type, and Manager.Pull
//
// # Mapping columns to fields
//
// [Mapping] names, for each record field, the header column it comes from
// ("" when the table has none). Names are compared with the header
// exactly, after trimming spaces. Every mapped column must be in the
// header, and no header name may appear twice (unnamed columns aside):
// otherwise Pull fails with a [*HeaderError] before it emits anything,
// because a misspelt mapping must not quietly sync less than it should.
// One column may feed several fields: a "Mail" column is often both
// Username and Email. [NewSource] refuses a mapping without a UID or
// Username column, one with both Department and DepartmentPath (a row's
// memberships come from one namespace), and Fields that name a field the
// mapping or the core owns ("uid", "departments", "roles", "email", ...).
//
// A row is one user: its uid is the UID cell, or the Username cell when
// UID is not mapped, and an empty uid is a [*RowError]. Cells are
// trimmed and become string fields, except Enabled, which reads 1/0,
// true/false or yes/no in any case. Role gives the record's "roles"
// (with Role mapped, a user whose Role cells are all empty has "roles":
// [], no roles from this source: the one list an empty cell clears),
// Department a membership in a department another source makes (its
// uid), and DepartmentPath memberships in departments this source makes.
//
// # Empty cells
//
// An empty cell, or a NULL from a database, means "not given": the field
// is left out of the record, so the user keeps whatever value it has. An
// empty cell never clears a value. This is what lets one person spread
// over several rows give each field once, and what keeps a sparse export
// from wiping fields it does not carry. Lists are the exception: a user's
// departments and roles are whatever its rows name, so a user whose
// Department (or Role) cells are all empty has none from the source.
//
// # Department paths
//
// A DepartmentPath cell like "Sales / EMEA / Berlin" is split on
// [Options.PathSeparator] ("/" by default) and its segments trimmed: its
// department's uid is the normalised path "Sales/EMEA/Berlin", its title
// "Berlin", its parentUid "Sales/EMEA". Every prefix becomes a department
// too, so a table of users alone builds the whole tree. An empty segment
// ("Sales//Berlin", a leading or trailing separator) is a [*RowError]:
// guessing would file people under the wrong department. Renaming a
// department in the export gives it a new uid: the old one is a different
// department to the sync.
//
// # Two passes, bounded memory
//
// Pull reads the table twice, through [Table.Open]. The first pass
// validates every row, counts each uid's rows and collects the department
// paths; then it emits the departments, parents before children, so the
// core can place each under its parent. The second pass emits the users:
// a user on one row at once, a user on several rows (one per department
// or role, as HR exports do it) merged and emitted at its last row. So
// memory holds one small count per user, the department paths, and only
// the users whose rows are still coming — never the whole table. Records
// go out in chunks of [Options.ChunkSize].
//
// Merging gathers departments and roles, each once, in the order first
// seen. A single-valued field given differently on two rows of one user
// is a [*RowError] naming the later line, the column and the line that
// gave it first.
//
// # Errors
//
// Errors name the table, the line and the column, never a cell's value:
// cells hold personal data, and errors end up in logs and task messages.
// An error of the table itself (opening, reading, closing) is returned
// wrapped and also matches [datasync.ErrIncomplete], as does a table that
// changed between the two passes: the run then fails and rolls back, and
// nobody is deleted for not having been read. A cancelled context returns
// ctx.Err(); emit's error is returned as it is.
package tabular
