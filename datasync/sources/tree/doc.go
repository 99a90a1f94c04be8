// Package tree is a [datasync.Source] that reads a department tree from
// any [tabular.Table] (a CSV or Excel file, a SQL query) and emits it as
// department records, parents first.
//
//	src, err := tree.NewSource(table, tree.Options{Title: "name"}) // columns did, fid, name
//	if err != nil { ... }
//	m.RegisterSourceType("tree", datasync.SourceType{
//		Title: "Tree dataset",
//		New:   func(datasync.SourceConfig) (datasync.Source, error) { return src, nil },
//	})
//
// # Two shapes of tree
//
// A did/fid table (FineReport's tree dataset, the shape of most HR
// exports) has one row per department: its id (Options.ID, "did") and its
// parent's id (Options.Parent, "fid"). Rows may come in any order; the
// tree is read whole and emitted parents before children.
//
//	did  fid   name
//	1    NULL  Sales
//	2    1     EMEA
//	3    2     Berlin
//
// A path table has one column (Options.Path) with a department's path,
// "Sales/EMEA/Berlin" (Options.PathSeparator, "/" by default). Every
// prefix is a department, whether or not it has a row of its own; its uid
// is the normalised path and its title the last segment. A path table
// cannot hold a cycle or a node with two parents, which is why exports
// that people edit by hand often take this shape.
//
// # NULL or empty: where the top level is
//
// In a did/fid table the top level's parent is NULL, and by default an
// empty parent cell is an error naming its row: in a database an empty
// string where an id belongs is almost always a broken row, and taking it
// for the top level would move a department silently. Files have no NULL
// (CSV, Excel): set [Options.EmptyParentIsRoot] for them, and an empty
// parent means the top level.
//
// # Errors
//
// Nothing is emitted unless every row is right. Each mistake is a
// [*tabular.RowError] naming the line (and the column, where one cell is
// at fault) but never a cell's value, which may be personal data: an
// empty id, an empty parent, a duplicate id, one id under two parents, a
// parent that is no department, a cycle, an empty path segment. A pull
// collects about 20 of them (joined with [errors.Join]) before it stops,
// so that an operator fixes several at once. A mapped column missing from
// the header is a plain error naming the column. A table that fails
// part-way, or a cancelled context, gives an error wrapping
// [datasync.ErrIncomplete], so the run rolls back.
//
// # Departments without users
//
// The whole tree is emitted, so a department nobody belongs to (yet) is
// created too, in [Options.ChunkSize] records per [datasync.UserData].
// Extra columns become record fields through [Options.Fields] (e.g. the
// department's "sort"); a cell that is a JSON number is sent as a
// [encoding/json.Number], which the directory writes to number and text
// columns alike.
package tree
