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
// when a related row matches (EXISTS), for to-one and to-many alike.
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
// also match NULL, a list given to $eq is $in, values compared with a
// string field are compared as strings, and so on per operator.
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
// Where NocoBase's behaviour is unsafe or differs by database, filterop
// picks one answer for both: a positive string operator given an empty
// list matches nothing (NocoBase drops the condition, matching every row);
// $notIn of an empty list matches every row; $like is case-sensitive and
// $iLike case-insensitive on both databases; impossible dates
// ("2024-02-30") are errors rather than rolled over; range brackets on
// instants are honoured; values a column cannot hold ("abc" for a number)
// are errors rather than database errors; an empty association filter
// ({"comments": {}}) asks nothing. Numbers keep their digits where
// NocoBase's JSON.parse rounds them to doubles, and an integer column
// refuses a fraction that NocoBase would pass to the database; a list
// given to $ne is $notIn here (matching NULL too), where NocoBase writes a
// bare NOT IN.
//
// # Speed
//
// BenchmarkCompileFilter compiles 10 conditions with $and/$or and an
// association, from JSON to SQL text; BenchmarkPatternWorstCase measures
// the pattern operators' worst case on both databases. Their figures are
// in the README's "Measured" section.
package filterop
