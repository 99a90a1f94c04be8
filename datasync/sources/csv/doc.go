// Package csv reads CSV and TSV files as [tabular.Table]s, so that a
// tabular source can sync an HR export into the directory.
//
//	m.RegisterSourceType("hr-csv", datasync.SourceType{Title: "HR export", New: func(cfg datasync.SourceConfig) (datasync.Source, error) {
//		path, _ := cfg.Options["path"].(string)
//		return tabular.NewSource(csv.File(path, csv.Options{}), tabular.Options{
//			Mapping: tabular.Mapping{UID: "Employee ID", Email: "Email", DepartmentPath: "Department"},
//		})
//	}})
//	m.AddSource(ctx, &datasync.SyncSource{Name: "hr", SourceType: "hr-csv", Enabled: true,
//		Options: map[string]any{"path": "/data/hr/users.csv"}})
//	taskID, err := m.Pull(ctx, "hr")
//
// # Files and streams
//
// [File] reads a file on disk; [New] reads any stream that can be opened
// again: an upload held in memory, an object in a bucket, a gzip reader
// over either. A tabular source makes two passes over its table
// (departments and row counts first, then users), so a table opens its
// stream once per pass and reads it from the start: a stream that can be
// read only once will not do. Rows are streamed with encoding/csv: memory
// does not grow with the file.
//
// # Delimiters
//
// [Options.Comma] is the field delimiter: ',' by default, '\t' for a file
// whose name ends in ".tsv", ';' for the CSV that Excel writes in locales
// where the comma is the decimal separator. Quoting is CSV's in every case
// (RFC 4180): a field holding the delimiter, a quote or a line break is
// quoted, and a quote inside it doubled. A TSV written without quoting
// that has a " in a cell is therefore refused with the cell's line.
//
// # Encoding
//
// Files must be UTF-8, with or without the byte-order mark Excel puts at
// the start of "CSV UTF-8" (the mark is dropped, so the first column's
// name is as the user sees it). Header names are trimmed of spaces. A cell
// that is not valid UTF-8 (a Latin-1 or UTF-16 export) is an error naming
// its line and column: convert the file, or wrap the stream in a decoder
// (golang.org/x/text/encoding) with [New].
//
// # Line numbers
//
// Every row carries the line of the file it starts on, the header being
// line 1, as a text editor numbers them: blank lines (which are skipped)
// count, and a row whose quoted cell runs over three lines moves the rows
// after it down by three. So "users.csv line 5" is where the user looks.
//
// # Errors
//
// A row that cannot be read is a [*tabular.RowError] naming the table, the
// line and, for a bad cell, the column's header name — never the cell's
// value, which may be personal data: a row with more or fewer fields than
// the header, a cell that is not UTF-8, a quote in an unquoted field or a
// quoted field that never ends. A file without a header is [ErrNoHeader].
// A delimiter that cannot separate fields matches
// [datasync.ErrInvalidSource].
//
// A pass that stops before the end of the file — the stream failed
// part-way, the context ended — is a [*ReadError], which matches
// [datasync.ErrIncomplete]: the run rolls back rather than take the rows
// not read for users who have left.
package csv
