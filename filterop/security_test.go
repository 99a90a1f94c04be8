package filterop

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// The security corpus: hostile field names, operator names and values, and
// filters past the limits. Every entry must either be rejected with an
// *Error of the right kind whose Path names the offending key, or compile
// to SQL in which the hostile text is only ever a quoted literal, and run
// on both databases returning the rows a literal comparison returns.

// secExtraPosts are inserted next to seedPosts so that hostile values have
// a row to match exactly: a value that escaped its literal would match
// more (or fewer) rows than these.
var secExtraPosts = []*testPost{
	{ID: 101, Title: `' OR '1'='1`},
	{ID: 102, Title: `'; DROP TABLE posts; --`},
	{ID: 103, Title: `\' OR 1=1 --`},
	{ID: 104, Title: `%`},
	{ID: 105, Title: `_`},
	{ID: 106, Title: `?`},
	{ID: 107, Title: `?TableAlias ?0 $1`},
	{ID: 108, Title: `/* x */ -- y`},
	{ID: 109, Title: `\`},
	{ID: 110, Title: "ʼ OR ʼ1ʼ=ʼ1 ＇ 😀 \u202e \u2028 日本語"},
	{ID: 111, Title: strings.Repeat("A", 1<<20)},
	{ID: 112, Title: `"title" OR 1=1`},
}

// secTables are the seeded tables and their row counts after secSeed.
var secTables = map[string]int64{"users": 3, "posts": int64(len(seedPosts) + len(secExtraPosts)), "comments": 3, "tags": 2, "posts_tags": 4}

func secSeed(t *testing.T, db *bun.DB) *Schema {
	t.Helper()
	s := seed(t, db)
	if _, err := db.NewInsert().Model(&secExtraPosts).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// secMatch returns the ids of the seeded posts keep accepts: what a literal
// comparison in SQL must return.
func secMatch(keep func(p *testPost) bool) []int64 {
	var out []int64
	for _, p := range append(slices.Clone(seedPosts), secExtraPosts...) {
		if keep(p) {
			out = append(out, p.ID)
		}
	}
	slices.Sort(out)
	return out
}

func secTitleIs(vals ...string) []int64 {
	return secMatch(func(p *testPost) bool { return slices.Contains(vals, p.Title) })
}

func secTitleIsNot(v string) []int64 {
	return secMatch(func(p *testPost) bool { return p.Title != v })
}

// secCase is one entry of the corpus.
type secCase struct {
	name   string
	filter any // JSON text or map[string]any

	// kind != nil: Where must fail with this kind at path. With mayRun the
	// filter may instead compile, and then must return want.
	kind     error
	path     string
	altPaths []string // other acceptable paths
	mayRun   bool

	want []int64
	// anyRows: the rows are not checked, only that the query runs (for
	// comparisons across types, where SQLite and PostgreSQL differ).
	anyRows bool
	// lit is hostile text that must appear in the SQL as (part of) a
	// single-quoted literal only, and never outside one.
	lit string
}

// secHostileValues are values tried against the title column (a literal
// comparison), in $in lists, with $ne, and against an association.
var secHostileValues = []string{
	`' OR '1'='1`,
	`' OR 1=1 --`,
	`'; DROP TABLE posts; --`,
	`"; DROP TABLE posts; --`,
	`\' OR 1=1 --`,
	`\'; DROP TABLE posts; --`,
	`\`,
	`\\`,
	`'`,
	`''`,
	`"`,
	"It's \"quoted\" \\ back",
	`%`,
	`%%`,
	`_`,
	`Go tips_and 100_ tricks`, // would match post 2 if _ were a wildcard
	`Go tips_and 100% tricks`,
	`Go tips%`,
	`--`,
	`/*`,
	`*/`,
	`/* x */ -- y`,
	`#`,
	`;`,
	`?`,
	`?0`,
	`??`,
	`?TableAlias ?0 $1`,
	`?TableName`,
	`$1`,
	`E'\x27 OR 1=1`,
	`$$ OR 1=1 $$`,
	`$tag$ OR 1=1 $tag$`,
	"ʼ OR ʼ1ʼ=ʼ1 ＇ 😀 \u202e \u2028 日本語",
	"héllo again",
	"\u00a0",
	"\t\r\n",
	`"title" OR 1=1`,
	`') OR ('1'='1`,
	`1) OR (1=1`,
	`x' UNION SELECT id, nickname FROM users --`,
	strings.Repeat("A", 1<<20),
	strings.Repeat("'", 1<<20),
	strings.Repeat(`\'`, 1<<18) + ` OR 1=1 --`,
}

func secCorpus() []secCase {
	var cs []secCase
	rejectKey := func(name, key string, kind error, path string) {
		cs = append(cs, secCase{name: name, filter: map[string]any{key: 1}, kind: kind, path: path})
	}

	// Hostile field names: never a column, so never in the SQL.
	for _, key := range []string{
		"id; DROP TABLE posts",
		`"title" OR 1=1`,
		`title" OR "1"="1`,
		"title--",
		"title/*",
		"title */",
		"title\x00",
		"title\x00; DROP TABLE posts",
		"title ",
		" title",
		"TITLE",
		"Title",
		"tіtle", // Cyrillic і
		"__proto__",
		"constructor",
		"hasOwnProperty",
		"1",
		"*",
		"posts.*",
		"?",
		"?TableAlias",
		"",
		"(id)",
		"id)",
		"' OR '1'='1",
	} {
		rejectKey(fmt.Sprintf("field %q", key), key, ErrUnknownField, key)
	}
	// Dotted names that are not associations.
	for _, key := range []string{"posts.title", "public.posts.title", "title.", ".title", "..", ".", "title.length", "id.id"} {
		rejectKey(fmt.Sprintf("dotted field %q", key), key, ErrUnknownField, key)
	}
	// Hostile names behind a real association: the inner key is reported
	// with its full path.
	for _, key := range []string{
		"createdBy.id) OR (1=1",
		"createdBy.id; DROP TABLE users",
		"createdBy.nickname' OR '1'='1",
		"createdBy..id",
		"createdBy.__proto__",
		"comments.body--",
		"tags.name/*",
		"createdBy.users.id",
	} {
		rejectKey(fmt.Sprintf("association field %q", key), key, ErrUnknownField, key)
	}
	cs = append(cs,
		secCase{name: "association object with hostile key", filter: `{"createdBy":{"id) OR (1=1":1}}`, kind: ErrUnknownField, path: "createdBy.id) OR (1=1"},
		secCase{name: "association in $or with hostile key", filter: `{"$or":[{"id":1},{"comments":{"body; DROP TABLE comments":"x"}}]}`, kind: ErrUnknownField, path: "$or.1.comments.body; DROP TABLE comments"},
		secCase{name: "association with operator", filter: `{"createdBy.$eq":1}`, kind: ErrInvalidValue, path: "createdBy.$eq"},
		secCase{name: "association with scalar", filter: `{"createdBy":"1 OR 1=1"}`, kind: ErrInvalidValue, path: "createdBy"},
		secCase{name: "association with list", filter: `{"comments":["x"]}`, kind: ErrInvalidValue, path: "comments"},
	)

	// Operator names with SQL in them.
	for _, op := range []string{"$eq; DROP TABLE posts", "$in)--", "$eq/*", "$", "$$", "$EQ", "$eq ", "$or", "$and", "$not", "$__proto__", "$gt OR 1=1", "$like' OR '1'='1"} {
		cs = append(cs,
			secCase{name: fmt.Sprintf("operator %q in an object", op), filter: map[string]any{"title": map[string]any{op: "x"}}, kind: ErrUnknownOperator, path: "title." + op},
			secCase{name: fmt.Sprintf("operator %q dotted", op), filter: map[string]any{"title." + op: "x"}, kind: ErrUnknownOperator, path: "title." + op},
		)
	}
	for _, op := range []string{"$eq; DROP TABLE posts", "$in)--", "$", "$eq", "$where"} {
		cs = append(cs, secCase{name: fmt.Sprintf("top-level operator %q", op), filter: map[string]any{op: "x"}, kind: ErrUnknownOperator, path: op})
	}
	cs = append(cs,
		secCase{name: "operator on association field", filter: `{"createdBy.nickname.$eq; DROP TABLE users":"x"}`, kind: ErrUnknownOperator, path: "createdBy.nickname.$eq; DROP TABLE users"},
		secCase{name: "operator in $and", filter: `{"$and":[{"id":1},{"title":{"$in)--":["x"]}}]}`, kind: ErrUnknownOperator, path: "$and.1.title.$in)--"},
	)

	// Hostile values: compared as literals.
	for _, v := range secHostileValues {
		short := v
		if len(short) > 40 {
			short = short[:40] + "…"
		}
		cs = append(cs,
			secCase{name: fmt.Sprintf("title = %q", short), filter: map[string]any{"title": v}, want: secTitleIs(v), lit: v},
			secCase{name: fmt.Sprintf("title $eq %q", short), filter: map[string]any{"title": map[string]any{"$eq": v}}, want: secTitleIs(v), lit: v},
			secCase{name: fmt.Sprintf("title.$ne %q", short), filter: map[string]any{"title.$ne": v}, want: secTitleIsNot(v), lit: v},
			secCase{name: fmt.Sprintf("title $in %q", short), filter: map[string]any{"title": map[string]any{"$in": []any{v, "Hello world"}}}, want: secTitleIs(v, "Hello world"), lit: v},
			secCase{name: fmt.Sprintf("title list %q", short), filter: map[string]any{"title": []any{"héllo again", v}}, want: secTitleIs(v, "héllo again"), lit: v},
			secCase{name: fmt.Sprintf("createdBy.nickname %q", short), filter: map[string]any{"createdBy.nickname": v}, want: nil, lit: v},
			secCase{name: fmt.Sprintf("$or title %q", short), filter: map[string]any{"$or": []any{map[string]any{"title": v}, map[string]any{"id": 1}}}, want: secMatch(func(p *testPost) bool { return p.Title == v || p.ID == 1 }), lit: v},
		)
	}
	cs = append(cs,
		secCase{name: "nickname with a quote", filter: `{"createdBy.nickname":"O'Brien"}`, want: []int64{5}, lit: "O'Brien"},
		secCase{name: "nickname injection", filter: `{"createdBy":{"nickname":{"$in":["x' OR '1'='1"]}}}`, want: nil, lit: "x' OR '1'='1"},
		secCase{name: "$between with injection", filter: `{"title":{"$between":["' OR '1'='1","' OR '1'='1"]}}`, want: secTitleIs(`' OR '1'='1`), lit: `' OR '1'='1`},
		secCase{name: "$gt with injection", filter: `{"title":{"$gt":"zzz' OR '1'='1"}}`, want: secMatch(func(p *testPost) bool { return p.Title > "zzz' OR '1'='1" }), lit: "zzz' OR '1'='1"},
		secCase{name: "JSON-escaped quote", filter: `{"title":"\u0027 OR \u00271\u0027=\u00271"}`, want: secTitleIs(`' OR '1'='1`), lit: `' OR '1'='1`},
		secCase{name: "JSON-escaped backslash quote", filter: `{"title":"\\' OR 1=1 --"}`, want: secTitleIs(`\' OR 1=1 --`), lit: `\' OR 1=1 --`},
	)

	// NUL bytes cannot be stored in PostgreSQL text and bun refuses to
	// format them: the filter must be rejected, not compiled into a query
	// that fails.
	for _, v := range []string{"\x00", "a\x00b", "'\x00; DROP TABLE posts; --", "Hello world\x00"} {
		cs = append(cs,
			secCase{name: fmt.Sprintf("NUL value %q", v), filter: map[string]any{"title": v}, kind: ErrInvalidValue, path: "title"},
			secCase{name: fmt.Sprintf("NUL value in $in %q", v), filter: map[string]any{"title": map[string]any{"$in": []any{"x", v}}}, kind: ErrInvalidValue, path: "title.$in"},
		)
	}
	cs = append(cs, secCase{name: "JSON-escaped NUL", filter: `{"title":"a\u0000' OR '1'='1"}`, kind: ErrInvalidValue, path: "title"})
	// Invalid UTF-8 (JSON decoding replaces it; a Go map passes it through)
	// is refused, or compared as the literal it is; PostgreSQL refuses it
	// in a query.
	for _, v := range []string{"\xff", "\xff' OR '1'='1", "\xc0\x27 OR 1=1 --", "\xed\xa0\x80"} {
		cs = append(cs,
			secCase{name: fmt.Sprintf("invalid UTF-8 %q", v), filter: map[string]any{"title": v}, kind: ErrInvalidValue, path: "title", mayRun: true},
			secCase{name: fmt.Sprintf("invalid UTF-8 in $in %q", v), filter: map[string]any{"title": map[string]any{"$in": []any{v}}}, kind: ErrInvalidValue, path: "title.$in", mayRun: true},
		)
	}
	cs = append(cs, secCase{name: "invalid UTF-8 in JSON text", filter: "{\"title\":\"\xff' OR '1'='1\"}", want: secTitleIs("\ufffd' OR '1'='1"), lit: "\ufffd' OR '1'='1"})

	// Numbers.
	cs = append(cs,
		// An integer column takes whole numbers of at most 64 bits only.
		secCase{name: "1e308", filter: `{"views":1e308}`, kind: ErrInvalidValue, path: "views"},
		secCase{name: "-1e308 $gt", filter: `{"views":{"$gt":-1e308}}`, kind: ErrInvalidValue, path: "views.$gt"},
		secCase{name: "1e-320 subnormal", filter: `{"views":{"$lt":1e-320}}`, kind: ErrInvalidValue, path: "views.$lt"},
		secCase{name: "2^63", filter: `{"id":{"$in":[1,9223372036854775808]}}`, kind: ErrInvalidValue, path: "id.$in"},
		secCase{name: "-2^63-1", filter: `{"id":{"$gt":-9223372036854775809}}`, kind: ErrInvalidValue, path: "id.$gt"},
		secCase{name: "1e308 on a float field", filter: `{"score":{"$lt":1e308}}`, want: []int64{1, 3}},
		secCase{name: "-1e308 $gt on a float field", filter: `{"score":{"$gt":-1e308}}`, want: []int64{1, 3}},
		secCase{name: "1e-320 subnormal on a float field", filter: `{"score":{"$lt":1e-320}}`, want: []int64{3}},
		secCase{name: "2^63-1", filter: `{"id":{"$lt":9223372036854775807}}`, want: secMatch(func(*testPost) bool { return true })},
		secCase{name: "-2^63", filter: `{"id":{"$gt":-9223372036854775808}}`, want: secMatch(func(*testPost) bool { return true })},
		secCase{name: "1e2 is 100", filter: `{"views":1e2}`, want: []int64{4}},
		secCase{name: "-0", filter: `{"views":-0}`, want: secMatch(func(p *testPost) bool { return p.Views == 0 })},
		secCase{name: "-0.0 in a list", filter: `{"views":{"$in":[-0.0, 10]}}`, want: secMatch(func(p *testPost) bool { return p.Views == 0 || p.Views == 10 })},
		secCase{name: "-0 on a string field", filter: `{"title":-0}`, want: nil, lit: "0"}, // JavaScript's String(-0)
		secCase{name: "2^53+1 on a string field", filter: `{"title":9007199254740993}`, want: nil, lit: "9007199254740993"},
		secCase{name: "1e308 on a string field", filter: `{"title":1e308}`, want: nil},
		secCase{name: "2^53+1", filter: `{"id":9007199254740993}`, want: nil},
		secCase{name: "float id", filter: `{"id":1.5}`, kind: ErrInvalidValue, path: "id"},
		secCase{name: "1e309 is no float64", filter: `{"views":1e309}`, kind: ErrInvalidValue, path: "views"},
		secCase{name: "1e309 on a float field", filter: `{"score":{"$in":[1e309]}}`, kind: ErrInvalidValue, path: "score.$in"},
		secCase{name: "NaN", filter: map[string]any{"views": math.NaN()}, kind: ErrInvalidValue, path: "views"},
		secCase{name: "+Inf", filter: map[string]any{"views": map[string]any{"$gt": math.Inf(1)}}, kind: ErrInvalidValue, path: "views.$gt"},
		secCase{name: "-Inf in a list", filter: map[string]any{"views": []any{1.0, math.Inf(-1)}}, kind: ErrInvalidValue, path: "views"},
	)

	// Maps and lists where a scalar is expected.
	cs = append(cs,
		secCase{name: "map as $eq value", filter: `{"title":{"$eq":{"a":"' OR 1=1"}}}`, kind: ErrInvalidValue, path: "title.$eq"},
		secCase{name: "empty map as value", filter: `{"title":{}}`, kind: ErrInvalidValue, path: "title"},
		secCase{name: "map mixing operators and keys", filter: `{"title":{"$eq":"x","y":"z"}}`, kind: ErrInvalidValue, path: "title"},
		secCase{name: "list in $in", filter: `{"title":{"$in":[["' OR 1=1"]]}}`, kind: ErrInvalidValue, path: "title.$in"},
		secCase{name: "map in $in", filter: `{"title":{"$in":["x",{"$or":[{"id":1}]}]}}`, kind: ErrInvalidValue, path: "title.$in"},
		secCase{name: "list as $gt", filter: `{"views":{"$gt":[1,2]}}`, kind: ErrInvalidValue, path: "views.$gt"},
		secCase{name: "map in $between", filter: `{"views":{"$between":[{"a":1},2]}}`, kind: ErrInvalidValue, path: "views.$between"},
		secCase{name: "$between of three", filter: `{"views":{"$between":[1,2,3]}}`, kind: ErrInvalidValue, path: "views.$between"},
		secCase{name: "$is with a string", filter: `{"published":{"$is":"true OR 1=1"}}`, kind: ErrInvalidValue, path: "published.$is"},
		secCase{name: "$and of a string", filter: `{"$and":"1=1"}`, kind: ErrInvalidValue, path: "$and"},
		secCase{name: "$or of strings", filter: `{"$or":["1=1"]}`, kind: ErrInvalidValue, path: "$or.0"},
		secCase{name: "$or of lists", filter: `{"$or":[{"id":1},[{"id":2}]]}`, kind: ErrInvalidValue, path: "$or.1"},
		secCase{name: "$not of a list", filter: `{"$not":[{"id":1}]}`, kind: ErrInvalidValue, path: "$not"},
		secCase{name: "$not of a string", filter: `{"$not":"1=1"}`, kind: ErrInvalidValue, path: "$not"},
		secCase{name: "filter is a list", filter: `[{"id":1}]`, kind: ErrInvalidValue, path: ""},
		secCase{name: "filter is a string", filter: `"1=1"`, kind: ErrInvalidValue, path: ""},
		secCase{name: "trailing SQL after JSON", filter: `{"id":1} OR 1=1`, kind: ErrInvalidValue, path: ""},
		secCase{name: "not JSON", filter: `id = 1 OR 1=1`, kind: ErrInvalidValue, path: ""},
		secCase{name: "Go value that is not JSON", filter: map[string]any{"title": make(chan int)}, kind: ErrInvalidValue, path: "title"},
		secCase{name: "single $or object", filter: `{"$or":{"title":"' OR 1=1"}}`, want: nil, lit: "' OR 1=1"},
	)
	return cs
}

// secLimitCases are filters at and past the limits of DefaultLimits.
func secLimitCases() []secCase {
	lim := DefaultLimits
	var cs []secCase

	nest := func(op string, levels int, inner string) string {
		return strings.Repeat(`{"`+op+`":[`, levels) + inner + strings.Repeat(`]}`, levels)
	}
	nestNot := func(levels int, inner string) string {
		return strings.Repeat(`{"$not":`, levels) + inner + strings.Repeat(`}`, levels)
	}
	// object() at depth d has the path ("$and.0" d times); the first depth
	// past the limit is MaxDepth+1.
	deepPath := func(seg string) string {
		return strings.TrimSuffix(strings.Repeat(seg+".", lim.MaxDepth+1), ".")
	}
	cs = append(cs,
		secCase{name: "$and at MaxDepth", filter: nest("$and", lim.MaxDepth, `{"id":1}`), want: []int64{1}},
		secCase{name: "$or at MaxDepth", filter: nest("$or", lim.MaxDepth, `{"id":1}`), want: []int64{1}},
		secCase{name: "$and past MaxDepth", filter: nest("$and", lim.MaxDepth+1, `{"id":1}`), kind: ErrTooComplex, path: deepPath("$and.0")},
		secCase{name: "$or far past MaxDepth", filter: nest("$or", 500, `{"id":1}`), kind: ErrTooComplex, path: deepPath("$or.0")},
		secCase{name: "$not past MaxDepth", filter: nestNot(lim.MaxDepth+1, `{"id":1}`), kind: ErrTooComplex, path: deepPath("$not")},
		secCase{name: "$not at MaxDepth", filter: nestNot(lim.MaxDepth, `{"id":1}`), want: secMatch(func(p *testPost) bool { return (p.ID == 1) == (lim.MaxDepth%2 == 0) })},
		secCase{name: "JSON nested past encoding/json's limit", filter: nest("$and", 20000, `{}`), kind: ErrInvalidValue, path: ""},
		secCase{name: "empty objects nested past MaxDepth", filter: nest("$and", lim.MaxDepth+1, `{}`), kind: ErrTooComplex, path: deepPath("$and.0")},
	)

	// Values nested past MaxDepth are refused before any operator sees them.
	deepList := strings.Repeat("[", lim.MaxDepth+2) + `"x"` + strings.Repeat("]", lim.MaxDepth+2)
	cs = append(cs, secCase{name: "list value nested past MaxDepth", filter: `{"title":{"$in":` + deepList + `}}`, kind: ErrTooComplex,
		path: "title.$in" + strings.Repeat(".0", lim.MaxDepth+1)})

	// Conditions.
	conds := func(n int, item func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = item(i)
		}
		return `{"$or":[` + strings.Join(parts, ",") + `]}`
	}
	cs = append(cs,
		secCase{name: "MaxConditions+1 conditions", filter: conds(lim.MaxConditions+1, func(i int) string { return fmt.Sprintf(`{"id":%d}`, i) }),
			kind: ErrTooComplex, path: fmt.Sprintf("$or.%d.id", lim.MaxConditions)},
		secCase{name: "MaxConditions+1 conditions in one key", filter: conds(lim.MaxConditions/2+1, func(i int) string { return fmt.Sprintf(`{"views":{"$gt":%d,"$lt":%d}}`, i, i) }),
			kind: ErrTooComplex, path: fmt.Sprintf("$or.%d.views.$gt", lim.MaxConditions/2)}, // $gt sorts first
		// Each association condition is a correlated EXISTS subquery, which
		// MaxAssociations caps well before MaxConditions.
		secCase{name: "MaxConditions+1 association conditions", filter: conds(lim.MaxConditions+1, func(i int) string { return `{"createdBy.id":1}` }),
			kind: ErrTooComplex, path: fmt.Sprintf("$or.%d.createdBy", lim.MaxAssociations)},
	)

	// Lists.
	nums := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprint(i)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	cs = append(cs,
		secCase{name: "MaxValues values in $in", filter: `{"id":{"$in":` + nums(lim.MaxValues) + `}}`, want: secMatch(func(p *testPost) bool { return p.ID < int64(lim.MaxValues) })},
		secCase{name: "MaxValues values in $notIn", filter: `{"id":{"$notIn":` + nums(lim.MaxValues) + `}}`, want: secMatch(func(p *testPost) bool { return p.ID >= int64(lim.MaxValues) })},
		secCase{name: "MaxValues+1 values in $in", filter: `{"id":{"$in":` + nums(lim.MaxValues+1) + `}}`, kind: ErrTooComplex, path: "id.$in"},
		secCase{name: "MaxValues+1 values as $eq list", filter: `{"id":` + nums(lim.MaxValues+1) + `}`, kind: ErrTooComplex, path: "id"},
		secCase{name: "MaxValues+1 values in $notIn", filter: `{"id":{"$notIn":` + nums(lim.MaxValues+1) + `}}`, kind: ErrTooComplex, path: "id.$notIn"},
		secCase{name: "a million values", filter: `{"title.$in":` + nums(1_000_000) + `}`, kind: ErrTooComplex, path: "title.$in"},
		secCase{name: "MaxValues+1 values in $between", filter: `{"id":{"$between":` + nums(lim.MaxValues+1) + `}}`, kind: ErrTooComplex, path: "id.$between"},
		secCase{name: "MaxValues+1 values on an association", filter: `{"createdBy.id":{"$in":` + nums(lim.MaxValues+1) + `}}`, kind: ErrTooComplex, path: "createdBy.id.$in"},
	)
	return cs
}

// secTemplateCases are {{ }} templates with no variables set.
func secTemplateCases() []secCase {
	return []secCase{
		{name: "template without variables", filter: `{"createdById":"{{ ctx.state.currentUser.id }}"}`, kind: ErrUnknownVariable, path: "createdById"},
		{name: "$user template without variables", filter: `{"createdById":"{{$user.id}}"}`, kind: ErrUnknownVariable, path: "createdById"},
		{name: "template in $in without variables", filter: `{"id":{"$in":[1,"{{$user.id}}"]}}`, kind: ErrUnknownVariable, path: "id.$in.1"},
		{name: "template in association without variables", filter: `{"$and":[{"createdBy.nickname":"{{ $user.nickname }}"}]}`, kind: ErrUnknownVariable, path: "$and.0.createdBy.nickname"},
		{name: "empty template", filter: `{"title":"{{}}"}`, kind: ErrUnknownVariable, path: "title"},
		{name: "template with SQL", filter: `{"title":"{{ x'; DROP TABLE posts; -- }}"}`, kind: ErrUnknownVariable, path: "title"},
		{name: "text around a template is a literal", filter: `{"title":"x {{ $user.id }}"}`, want: nil, lit: "x {{ $user.id }}"},
		{name: "unclosed template is a literal", filter: `{"title":"{{ $user.id"}`, want: nil, lit: "{{ $user.id"},
	}
}

func TestSecurityCorpus(t *testing.T) {
	ctx := context.Background()
	cases := append(append(secCorpus(), secLimitCases()...), secTemplateCases()...)
	// Templates naming unknown variables, with variables set.
	vars := WithVariables(ctx, func(path string) (any, bool) {
		switch path {
		case "$user.id":
			return int64(1), true
		case "$evil":
			return "' OR '1'='1", true
		case "$template":
			return "{{ $user.id }}", true // not filled in again
		}
		return nil, false
	})
	varCases := []secCase{
		{name: "unknown variable", filter: `{"createdById":"{{ $user.missing }}"}`, kind: ErrUnknownVariable, path: "createdById"},
		{name: "unknown variable in $in", filter: `{"id":{"$in":["{{ $user.id }}","{{ $nope }}"]}}`, kind: ErrUnknownVariable, path: "id.$in.1"},
		{name: "unknown variable in $or", filter: `{"$or":[{"id":1},{"createdBy.nickname":"{{ $nope }}"}]}`, kind: ErrUnknownVariable, path: "$or.1.createdBy.nickname"},
		{name: "empty template with variables", filter: `{"title":"{{ }}"}`, kind: ErrUnknownVariable, path: "title"},
		{name: "variable holding an injection", filter: `{"title":"{{ $evil }}"}`, want: secTitleIs(`' OR '1'='1`), lit: `' OR '1'='1`},
		{name: "variable holding a template", filter: `{"title":"{{ $template }}"}`, want: nil, lit: "{{ $user.id }}"},
		{name: "known variable", filter: `{"createdById":"{{ $user.id }}"}`, want: []int64{1, 2}},
	}

	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := secSeed(t, db)
		for _, c := range cases {
			secRun(t, ctx, db, s, c)
		}
		for _, c := range varCases {
			secRun(t, vars, db, s, c)
		}
		// Nothing in the corpus may have touched the data.
		for table, want := range secTables {
			n, err := db.NewSelect().Table(table).Count(ctx)
			if err != nil {
				t.Errorf("table %s after the corpus: %v", table, err)
				continue
			}
			if n != want {
				t.Errorf("table %s has %d rows after the corpus, want %d", table, n, want)
			}
		}
	})
}

func secRun(t *testing.T, ctx context.Context, db *bun.DB, s *Schema, c secCase) {
	t.Helper()
	expr, err := Where(ctx, s, c.filter)
	if c.kind != nil && (err != nil || !c.mayRun) {
		secCheckError(t, c, err)
		return
	}
	if err != nil {
		t.Errorf("%s: Where: %v", c.name, err)
		return
	}
	if expr != nil {
		query := db.NewSelect().Model((*testPost)(nil)).Where("?", expr).String()
		secCheckSQL(t, c, query)
	}
	var posts []*testPost
	q := db.NewSelect().Model(&posts).Column("id")
	if expr != nil {
		q = q.Where("?", expr)
	}
	if err := q.Scan(ctx); err != nil {
		t.Errorf("%s: compiled, but the query fails: %v", c.name, err)
		return
	}
	got := make([]int64, 0, len(posts))
	for _, p := range posts {
		got = append(got, p.ID)
	}
	slices.Sort(got)
	if !c.anyRows && !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
		t.Errorf("%s: got posts %v, want %v (a literal comparison)", c.name, secShort(got), secShort(c.want))
	}
}

func secCheckError(t *testing.T, c secCase, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: compiled, want an error %v at %q", c.name, c.kind, c.path)
		return
	}
	var fe *Error
	if !errors.As(err, &fe) {
		t.Errorf("%s: error %T %v is not a *filterop.Error", c.name, err, err)
		return
	}
	if !errors.Is(err, ErrInvalidFilter) || !errors.Is(err, c.kind) {
		t.Errorf("%s: error %q is of kind %v, want %v", c.name, secTrunc(err.Error()), fe.Kind, c.kind)
	}
	if fe.Path != c.path && !slices.Contains(c.altPaths, fe.Path) {
		t.Errorf("%s: error path %q, want %q (%s)", c.name, secTrunc(fe.Path), secTrunc(c.path), secTrunc(err.Error()))
	}
}

// secCheckSQL checks the formatted query: every literal is closed, bun did
// not write an error marker, and hostile text only appears inside a
// literal, one of which holds exactly the value.
func secCheckSQL(t *testing.T, c secCase, query string) {
	t.Helper()
	outside, lits, err := secSplitSQL(query)
	if err != nil {
		t.Errorf("%s: %v in %s", c.name, err, secTrunc(query))
		return
	}
	for _, bad := range []string{";", "--", "/*", "*/", "?!(", "DROP", "UNION", "1=1", "$1", "\x00"} {
		if strings.Contains(outside, bad) {
			t.Errorf("%s: %q outside any literal in %s", c.name, bad, secTrunc(query))
		}
	}
	if c.lit == "" {
		return
	}
	if len(c.lit) > 1 && strings.Contains(outside, c.lit) {
		t.Errorf("%s: the value appears outside a literal in %s", c.name, secTrunc(query))
	}
	if !slices.Contains(lits, c.lit) {
		t.Errorf("%s: no literal holds exactly the value in %s", c.name, secTrunc(query))
	}
}

// secSplitSQL splits SQL text into what is outside quotes (each literal
// replaced by L, each quoted identifier by I) and the decoded single-quoted
// literals. Both dialects quote literals as '...' with ” for a quote and
// identifiers as "..." with "" for a quote; backslashes are not escapes
// (PostgreSQL's standard_conforming_strings).
func secSplitSQL(q string) (outside string, lits []string, err error) {
	var out, lit strings.Builder
	for i := 0; i < len(q); i++ {
		ch := q[i]
		if ch != '\'' && ch != '"' {
			out.WriteByte(ch)
			continue
		}
		lit.Reset()
		closed := false
		for i++; i < len(q); i++ {
			if q[i] == ch {
				if i+1 < len(q) && q[i+1] == ch {
					lit.WriteByte(ch)
					i++
					continue
				}
				closed = true
				break
			}
			lit.WriteByte(q[i])
		}
		if !closed {
			return "", nil, fmt.Errorf("unterminated %c quote", ch)
		}
		if ch == '\'' {
			out.WriteString(" L ")
			lits = append(lits, lit.String())
		} else {
			out.WriteString(" I ")
		}
	}
	return out.String(), lits, nil
}

func secTrunc(s string) string {
	if len(s) > 300 {
		return fmt.Sprintf("%s…(%d bytes)", s[:300], len(s))
	}
	return s
}

func secShort(ids []int64) string {
	if len(ids) > 20 {
		return fmt.Sprintf("%v…(%d ids)", ids[:20], len(ids))
	}
	return fmt.Sprint(ids)
}

func TestSecSplitSQL(t *testing.T) {
	out, lits, err := secSplitSQL(`SELECT "a""b" FROM "t" WHERE x = 'it''s' AND y = '\' OR z = ''`)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"it's", `\`, ""}; !slices.Equal(lits, want) {
		t.Errorf("literals %q, want %q", lits, want)
	}
	if strings.Contains(out, "it") || !strings.Contains(out, "OR z =") {
		t.Errorf("outside = %q", out)
	}
	if _, _, err := secSplitSQL(`x = 'open`); err == nil {
		t.Error("unterminated literal not reported")
	}
}

// TestSecurityLimitsFitTheDatabases: a filter within DefaultLimits must
// also be within what the databases accept. SQLite refuses expressions
// deeper than 1000 (SQLITE_MAX_EXPR_DEPTH), and a flat chain of OR/AND
// terms is a left-deep tree as deep as it is long.
func TestSecurityLimitsFitTheDatabases(t *testing.T) {
	ctx := context.Background()
	lim := DefaultLimits
	chain := func(op, item string, n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(item, i)
		}
		return `{"` + op + `":[` + strings.Join(parts, ",") + `]}`
	}
	cases := []secCase{
		{name: "MaxConditions $eq in $or", filter: chain("$or", `{"id":%d}`, lim.MaxConditions), want: secMatch(func(p *testPost) bool { return p.ID < int64(lim.MaxConditions) })},
		{name: "MaxConditions $ne in $and", filter: chain("$and", `{"title.$ne":"x%d"}`, lim.MaxConditions), want: secMatch(func(*testPost) bool { return true })},
		{name: "MaxConditions $in in $and", filter: chain("$and", `{"views":{"$in":[%d,0,5,7,10,100]}}`, lim.MaxConditions), want: secMatch(func(p *testPost) bool { return true })},
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := secSeed(t, db)
		for _, c := range cases {
			secRun(t, ctx, db, s, c)
		}
	})
}

// TestSecurityAssociationsCountAsConditions: every association in a filter
// becomes a correlated EXISTS subquery, far costlier than a comparison (on
// PostgreSQL with JIT a few dozen of them cost seconds). An association
// with an empty filter is still a subquery and must count against
// MaxConditions; it is only compiled here, never run.
func TestSecurityAssociationsCountAsConditions(t *testing.T) {
	db := dbtest.SQLite(t)
	db.RegisterModel((*testPostTag)(nil))
	s, err := SchemaFor(db, (*testPost)(nil))
	if err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits
	for _, item := range []string{`{"comments":{}}`, `{"tags":{}}`, `{"createdBy":{}}`, `{"createdBy":{"$and":[]}}`} {
		parts := make([]string, lim.MaxConditions+1)
		for i := range parts {
			parts[i] = item
		}
		c := secCase{name: "MaxConditions+1 of " + item, filter: `{"$or":[` + strings.Join(parts, ",") + `]}`, kind: ErrTooComplex}
		expr, err := Where(context.Background(), s, c.filter)
		if err == nil {
			n := strings.Count(db.NewSelect().Model((*testPost)(nil)).Where("?", expr).String(), "EXISTS")
			t.Errorf("%s: compiled to %d EXISTS subqueries; want %v", c.name, n, c.kind)
			continue
		}
		if !errors.Is(err, ErrTooComplex) {
			t.Errorf("%s: %v, want %v", c.name, err, c.kind)
		}
	}
}

// TestSecurityValueTypes: a value of the wrong type for its column must be
// refused (ErrInvalidValue at its path) or compared safely; it must never
// compile into a query the database rejects (PostgreSQL does not compare
// bigint with 'abc', timestamptz with 5 or jsonb with 'x').
func TestSecurityValueTypes(t *testing.T) {
	ctx := context.Background()
	cases := []secCase{
		{name: "injection on a number", filter: `{"views":"' OR '1'='1"}`, path: "views"},
		{name: "text on a number", filter: `{"views":"abc"}`, path: "views"},
		{name: "text on a number, $gt", filter: `{"views.$gt":"1 OR 1=1"}`, path: "views.$gt"},
		{name: "text in $in on a number", filter: `{"views":{"$in":["7","x"]}}`, path: "views.$in"},
		{name: "text on a float", filter: `{"score":{"$lt":"-- "}}`, path: "score.$lt"},
		{name: "boolean on a number", filter: `{"id":true}`, path: "id"},
		{name: "text on a boolean", filter: `{"published":"' OR '1'='1"}`, path: "published"},
		{name: "number on a boolean", filter: `{"published":5}`, path: "published"},
		{name: "number on a time", filter: `{"created_at":5}`, path: "created_at"},
		{name: "text on a time", filter: `{"created_at":"' OR '1'='1"}`, path: "created_at"},
		{name: "boolean on a time", filter: `{"created_at":{"$gt":true}}`, path: "created_at.$gt"},
		{name: "text on JSON", filter: `{"meta":"' OR '1'='1"}`, path: "meta"},
		{name: "number on JSON", filter: `{"meta":1}`, path: "meta"},
	}
	for i := range cases {
		cases[i].kind, cases[i].mayRun, cases[i].anyRows = ErrInvalidValue, true, true
	}
	cases = append(cases,
		secCase{name: "numeric text on a number", filter: `{"views":"10"}`, want: []int64{1}, kind: ErrInvalidValue, path: "views", mayRun: true},
		secCase{name: "number on a string", filter: `{"title":10}`, want: nil},
	)
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := secSeed(t, db)
		for _, c := range cases {
			secRun(t, ctx, db, s, c)
		}
	})
}

// secMaxSubqueries is the proposed budget of association subqueries in one
// filter. Each association condition is a correlated EXISTS subquery, and
// PostgreSQL's JIT compiles every one of them: on PostgreSQL 15 with the
// default jit settings, 32 to 40 of them in an $or on the (nearly empty)
// test tables took 2 to 4 s, 50 took 4.5 to 6 s and 100 over 10 s, nearly
// all of it in LLVM, where neither statement_timeout nor
// pg_cancel_backend can stop it. MaxConditions (1000) alone lets a filter
// ask for 500.
const secMaxSubqueries = 16 // DefaultLimits.MaxAssociations

// TestSecurityAssociationSubqueryBudget finds the most association
// subqueries a filter within DefaultLimits compiles to. It only compiles.
func TestSecurityAssociationSubqueryBudget(t *testing.T) {
	db := dbtest.SQLite(t)
	db.RegisterModel((*testPostTag)(nil))
	s, err := SchemaFor(db, (*testPost)(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range []string{`{"comments.body":"x"}`, `{"tags.name":"x"}`, `{"createdBy":{"nickname":"x"}}`} {
		most := 0
		for n := 1; n <= DefaultLimits.MaxConditions; n = min(2*n, DefaultLimits.MaxConditions+1) {
			parts := slices.Repeat([]string{item}, n)
			expr, err := Where(context.Background(), s, `{"$or":[`+strings.Join(parts, ",")+`]}`)
			if err != nil {
				if !errors.Is(err, ErrTooComplex) {
					t.Errorf("%d × %s: %v, want %v", n, item, err, ErrTooComplex)
				}
				break
			}
			query := db.NewSelect().Model((*testPost)(nil)).Where("?", expr).String()
			most = max(most, strings.Count(query, "EXISTS ("))
		}
		if most > secMaxSubqueries {
			t.Errorf("$or of %s: a filter within DefaultLimits compiles to %d (or more) EXISTS subqueries, want at most %d",
				item, most, secMaxSubqueries)
		}
	}
}
