// Package filterop compiles NocoBase filter JSON into SQL conditions on bun
// queries, identically on SQLite and PostgreSQL.
//
//	s, _ := filterop.SchemaFor(db, (*Post)(nil))
//	q := db.NewSelect().Model(&posts)
//	q, err := filterop.Apply(ctx, q, s, map[string]any{
//		"$or": []any{
//			map[string]any{"title": map[string]any{"$includes": "go"}},
//			map[string]any{"createdBy.nickname": "ann"},
//		},
//		"status.$ne": "archived",
//	})
//
// # Filters
//
// A filter is an object whose keys are ANDed: "$and" and "$or" take lists
// of filters, "$not" one filter; any other key names a field, with an
// operator object ({"views": {"$gt": 10, "$lt": 100}}), a bare value
// ($eq; a list means $in), or the dotted shorthand {"name.$ne": "users"}.
// A key may go through associations the model declares with bun relations
// ("createdBy.nickname", or {"createdBy": {...}}); the condition then holds
// as NocoBase's LEFT JOIN answers it: when a related row matches, or, for
// a row with no related row, when the NULLs the join puts in its place
// match ({"createdBy.nickname": {"$ne": "ann"}} keeps the rows without a
// creator, as $ne keeps NULL). "createdBy.$exists" and
// "createdBy.$notExists" ask whether there is a related row at all. Most
// conditions compile to a plain EXISTS; one that a missing related row
// satisfies, through a to-many or has-one association ({"tags.name":
// {"$ne": "go"}}), is NocoBase's LEFT JOIN itself, which the databases
// evaluate row by row: slower on large tables.
//
// Field names are checked against the model (its column names and json
// tags) and identifiers reach SQL only as bun.Ident of those names; values
// reach it only as bun arguments. Anything else is an *Error naming the
// path of the offending key ("$or.1.createdBy.nickname"), which the
// resourcer answers with 400.
//
// # Field guard
//
// A permission layer decides which fields a filter may touch with
// [WithFieldGuard]: every field and association a filter names, at any
// depth and in every form ("createdBy.email", {"createdBy": {"email":
// ...}}, "email.$ne"), is passed to the [FieldGuard] with the schema it
// resolves in, before anything reaches SQL; a refusal is an *Error of kind
// [ErrFieldNotAllowed] (400) at the filter path, so a filter cannot be
// used to test the value of a column the caller may not read. Its text is
// the one a name the model lacks gets, so the answer does not tell an
// unreadable column from a missing one either.
//
// # Numbers
//
// Numbers are read exactly. Request JSON is decoded with UseNumber (the
// resourcer does so for the filter in the query and for JSON bodies, and
// Where does for a filter given as JSON text), and a json.Number is
// converted for the column it is compared with: an integer column takes a
// whole number within int64's range as that integer ("1e3" and 1000.0
// are 1000; 1.5, 1e20 and 1e400 are errors), so {"id": 9007199254740993}
// finds row 9007199254740993 and not its float64 neighbour
// 9007199254740992; a float column takes the nearest float64; a string
// column the number's decimal text (JavaScript's String(n): "12.5" for
// 12.50, "0" for -0); a boolean column 0 or 1. Lists, $between, the array
// operators and Field.Set (through which crud writes values) convert the
// same way.
//
// # Operators
//
// Operators are functions in a Registry; Register adds one (the users
// package adds $isCurrentUser this way). An OperatorFunc gets a Cond: the
// request context, the field and its qualified column, the value with its
// {{ }} templates filled in (from WithVariables), the dialect and the
// time zone (WithTimezone). NocoBase's semantics are kept: $ne and $notIn
// also match NULL, a list given to $eq is $in and to $ne a bare NOT IN
// (which does not), values compared with a string field are compared as
// strings, a boolean field reads PostgreSQL's spellings ("yes", "on", "t")
// on every database, and so on per operator.
//
// A null in a value list has SQL's meaning, as in the query NocoBase's
// Sequelize writes: {"$in": [1, null]} is IN (1); a null makes NOT IN
// unknown for every row, so {"$notIn": [1, null]} (NocoBase's
// "x NOT IN (1, NULL) OR x IS NULL") matches just the rows where the field
// is NULL. The bounds of $between and the operand of $gt and the like
// cannot be null (an error; Sequelize writes BETWEEN 1 AND NULL, which
// matches nothing).
//
// # Limits
//
// Registry.Limits bound a filter's nesting, its number of conditions and
// the length of a value list and the number of association subqueries
// (PostgreSQL's planner slows down sharply, and uncancellably, past a few
// dozen correlated subqueries), and the length of a pattern operand
// (MaxPatternLength: SQLite's and PostgreSQL's LIKE cost the text's length
// times the pattern's in the worst case), so that a request cannot make
// the compiler or the database do unbounded work. A filter past a limit is
// an *Error of kind [ErrTooComplex].
//
// # Differences from NocoBase
//
// TestNocoBaseCorpus replays filters generated by tools/nocobase-db-oracle
// with the ids NocoBase 2.2.15's own database layer (@nocobase/database on
// PostgreSQL) returned, on SQLite and PostgreSQL; every filter that gets
// other rows falls under one of these, each pinned by
// TestNocoBaseDifferences. Where NocoBase's behaviour is unsafe, differs
// by database or is an evident bug, filterop picks one answer for both:
//
//   - Conditions on one to-many association are separate: {"$and":
//     [{"tags.name": "go"}, {"tags.name": "sql"}]} is "has a tag go and a
//     tag sql"; NocoBase joins the tags once, so one tag must be both and
//     the filter can never match.
//   - Several operators on one field all apply: {"$gt": 5, "$ne": 10};
//     Sequelize keeps one of them when it merges the operator objects.
//   - {"$exists": false} and {"$notExists": false} are the opposite of
//     true, on fields and associations; NocoBase ignores the value.
//   - "views.$exists" tests the field; NocoBase's prepareFilter, meant for
//     associations, rewrites a top-level key to "views.id.$exists", which
//     fails or matches nothing.
//   - {"$eq": null} is IS NULL, as a bare null is; NocoBase compares a
//     string field with the text "null".
//   - $includes, $startsWith and $endWith match a backslash literally;
//     NocoBase leaves it unescaped (it escapes the next character, or the
//     query fails when it ends the value).
//   - An empty "$or" or "$and" asks nothing at any depth; NocoBase skips
//     it at the top level only and elsewhere makes it match nothing.
//   - $empty and $notEmpty count the empty string as empty on every
//     string column; NocoBase does for its string fields but not for text
//     fields.
//   - Values are converted for the column where NocoBase's database fails
//     with a type error: numeric text for a number, a list given to $like
//     or $iLike (any of the patterns), and the like. Values a column
//     cannot hold ("abc" for a number) are 400s rather than database
//     errors, and an integer column refuses a fraction; numbers keep their
//     digits where NocoBase's JSON.parse rounds them to doubles.
//   - $match on a field of strings converts the values to text (1 is
//     "1"); NocoBase compares JSON as is.
//   - A null operand of $gt, $lt and the like, of $like and the other
//     pattern operators and of $between is a 400; Sequelize writes
//     x < NULL or x LIKE NULL, which matches nothing.
//   - Empty lists: $notIn of an empty list matches every row and a
//     positive pattern or array operator of one matches no row; NocoBase
//     writes NOT IN (NULL) (only the NULL rows), drops the condition
//     (every row) or fails on PostgreSQL.
//   - $isNot is $is negated; NocoBase registers no $isNot and fails.
//   - "author.$exists" works inside "$and", "$or" and "$not"; NocoBase
//     rewrites it only among the top-level keys and fails elsewhere.
//   - A [from, to] date range honours its brackets on an instant end
//     ("2024-01-01T16:00:00Z" is inside "[]"); NocoBase always leaves an
//     instant end out.
//
// Also, outside the corpus: $like is case-sensitive and $iLike
// case-insensitive on both databases; impossible dates ("2024-02-30") are
// errors rather than rolled over; an empty association filter
// ({"comments": {}}) asks nothing.
//
// # Speed
//
// BenchmarkCompileFilter compiles 10 conditions with $and/$or and an
// association, from JSON to SQL text; BenchmarkPatternWorstCase measures
// the pattern operators' worst case on both databases. Their figures are
// in the README's "Measured" section.
package filterop
