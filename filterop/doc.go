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
// # Limits
//
// Registry.Limits bound a filter's nesting, its number of conditions and
// the length of a value list and the number of association subqueries
// (PostgreSQL's planner slows down sharply, and uncancellably, past a few
// dozen correlated subqueries), so that a request cannot make the compiler
// or the database do unbounded work.
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
// ({"comments": {}}) asks nothing.
//
// # Speed
//
// BenchmarkCompileFilter (10 conditions with $and/$or and an association,
// parsed from JSON and written as SQL) takes about 56 µs and 356
// allocations on the project's 2-core machines.
package filterop
