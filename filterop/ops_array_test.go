package filterop

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// arrOpsItem has the array columns the posts lack: Tags and Nums are
// PostgreSQL arrays (text[] and bigint[]; bun writes them as JSON text on
// SQLite), Labels a JSON array of mixed values (jsonb on PostgreSQL), Flags
// a JSON array of booleans, Meta a JSON object.
type arrOpsItem struct {
	bun.BaseModel `bun:"table:arr_ops_items,alias:items"`
	ID            int64          `bun:"id,pk"`
	Title         string         `bun:"title"`
	Tags          []string       `bun:"tags,array"`
	Nums          []int64        `bun:"nums,array"`
	Labels        []any          `bun:"labels"`
	Flags         []bool         `bun:"flags"`
	Meta          map[string]any `bun:"meta"`
}

func seedArrOpsItems(t *testing.T, db *bun.DB) *Schema {
	t.Helper()
	ctx := context.Background()
	if _, err := db.NewCreateTable().Model((*arrOpsItem)(nil)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	items := []*arrOpsItem{
		{ID: 1, Tags: []string{"go", "sql"}, Nums: []int64{1, 2}, Labels: []any{"go", "sql"}, Flags: []bool{true}, Meta: map[string]any{"k": "v"}},
		{ID: 2, Tags: []string{"sql", "go"}, Nums: []int64{2, 1}, Labels: []any{"sql", "go"}, Flags: []bool{false, true}},
		{ID: 3, Tags: []string{"go"}, Nums: []int64{3}, Labels: []any{1, "2", true}, Flags: []bool{false}},
		{ID: 4, Tags: []string{}, Nums: []int64{}, Labels: []any{}, Flags: []bool{}},
		{ID: 5}, // nil slices: NULL or JSON null
		{ID: 6}, // set to NULL below
		{ID: 7, Tags: []string{"Go", `it's "x"`, "a,b", "{c}", `back\slash`}, Nums: []int64{10}},
		{ID: 8, Tags: []string{"go", "go", "sql"}, Nums: []int64{1, 1, 2}},
		{ID: 9, Tags: []string{"héllo", "a%b", "NULL", "10"}, Nums: []int64{-5}, Labels: []any{"héllo", "a%b", 2.5, false, nil}},
	}
	if _, err := db.NewInsert().Model(&items).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		query string
		args  []any
	}{
		{"UPDATE arr_ops_items SET tags = NULL, nums = NULL, labels = NULL, flags = NULL, meta = NULL WHERE id = 6", nil},
		{"UPDATE arr_ops_items SET labels = ? WHERE id = 7", []any{`{"go": 1}`}}, // an object
		{"UPDATE arr_ops_items SET labels = ? WHERE id = 8", []any{`"go"`}},      // a scalar
		{"UPDATE arr_ops_items SET labels = ? WHERE id = 5", []any{`null`}},      // JSON null on both
		{"UPDATE arr_ops_items SET meta = ? WHERE id = 5", []any{`{}`}},          // an empty object is not JSON null
	} {
		if _, err := db.ExecContext(ctx, u.query, u.args...); err != nil {
			t.Fatal(err)
		}
	}
	s, err := SchemaFor(db, (*arrOpsItem)(nil))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestArrayOperators(t *testing.T) {
	// Tags: 1 [go sql], 2 [sql go], 3 [go], 4 [], 5 nil (NULL on
	// PostgreSQL, JSON null on SQLite), 6 NULL, 7 [Go, it's "x", a,b, {c},
	// back\slash], 8 [go go sql], 9 [héllo a%b NULL 10].
	// Nums: 1 [1 2], 2 [2 1], 3 [3], 4 [], 5 nil, 6 NULL, 7 [10], 8 [1 1
	// 2], 9 [-5].
	// Labels: 1 ["go","sql"], 2 ["sql","go"], 3 [1,"2",true], 4 [], 5 JSON
	// null, 6 NULL, 7 {"go":1}, 8 "go", 9 ["héllo","a%b",2.5,false,null].
	all := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	runModelCases(t, seedArrOpsItems, []filterCase{
		// A PostgreSQL array (JSON text on SQLite).
		{"tags $anyOf", `{"tags":{"$anyOf":"go"}}`, []int64{1, 2, 3, 8}},
		{"tags $anyOf list", `{"tags":{"$anyOf":["Go","sql"]}}`, []int64{1, 2, 7, 8}},
		{"tags $anyOf is case-sensitive", `{"tags":{"$anyOf":["GO"]}}`, nil},
		{"tags $anyOf quotes", `{"tags":{"$anyOf":["it's \"x\""]}}`, []int64{7}},
		{"tags $anyOf comma", `{"tags":{"$anyOf":["a,b"]}}`, []int64{7}},
		{"tags $anyOf braces", `{"tags":{"$anyOf":["{c}"]}}`, []int64{7}},
		{"tags $anyOf backslash", `{"tags":{"$anyOf":["back\\slash"]}}`, []int64{7}},
		{"tags $anyOf the string NULL", `{"tags":{"$anyOf":["NULL"]}}`, []int64{9}},
		{"tags $anyOf has no wildcards", `{"tags":{"$anyOf":["a_b","a%"]}}`, nil},
		{"tags $anyOf % literally", `{"tags":{"$anyOf":"a%b"}}`, []int64{9}},
		{"tags $anyOf non-ASCII", `{"tags":{"$anyOf":["héllo"]}}`, []int64{9}},
		{"tags $anyOf number as text", `{"tags":{"$anyOf":10}}`, []int64{9}},
		{"tags $anyOf empty list", `{"tags":{"$anyOf":[]}}`, nil},
		{"tags $noneOf", `{"tags":{"$noneOf":"go"}}`, []int64{4, 5, 6, 7, 9}},
		{"tags $noneOf list", `{"tags":{"$noneOf":["go","sql"]}}`, []int64{4, 5, 6, 7, 9}},
		{"tags $noneOf empty list", `{"tags":{"$noneOf":[]}}`, all},
		{"tags $match is a set", `{"tags":{"$match":["go","sql"]}}`, []int64{1, 2, 8}},
		{"tags $match other order", `{"tags":{"$match":["sql","go","sql"]}}`, []int64{1, 2, 8}},
		{"tags $match one", `{"tags":{"$match":["go"]}}`, []int64{3}},
		{"tags $match single value", `{"tags":{"$match":"go"}}`, []int64{3}},
		{"tags $match empty", `{"tags":{"$match":[]}}`, []int64{4}},
		{"tags $match odd strings", `{"tags":{"$match":["{c}","a,b","Go","it's \"x\"","back\\slash"]}}`, []int64{7}},
		{"tags $notMatch", `{"tags":{"$notMatch":["go","sql"]}}`, []int64{3, 4, 7, 9}},
		{"tags $arrayEmpty", `{"tags":{"$arrayEmpty":true}}`, []int64{4, 5, 6}},
		{"tags $arrayNotEmpty", `{"tags":{"$arrayNotEmpty":true}}`, []int64{1, 2, 3, 7, 8, 9}},
		{"tags $empty", `{"tags":{"$empty":true}}`, []int64{4, 5, 6}},
		{"tags $notEmpty", `{"tags":{"$notEmpty":true}}`, []int64{1, 2, 3, 7, 8, 9}},
		{"$not of $anyOf is $noneOf", `{"$not":{"tags":{"$anyOf":"go"}}}`, []int64{4, 5, 6, 7, 9}},
		{"$not of $match", `{"$not":{"tags":{"$match":["go"]}}}`, []int64{1, 2, 4, 5, 6, 7, 8, 9}},
		{"$not of $notMatch", `{"$not":{"tags":{"$notMatch":["go"]}}}`, []int64{3, 5, 6}},

		// An integer PostgreSQL array: values become integers.
		{"nums $anyOf", `{"nums":{"$anyOf":1}}`, []int64{1, 2, 8}},
		{"nums $anyOf numeric string", `{"nums":{"$anyOf":["2"]}}`, []int64{1, 2, 8}},
		{"nums $anyOf negative", `{"nums":{"$anyOf":[-5, 10]}}`, []int64{7, 9}},
		{"nums $noneOf", `{"nums":{"$noneOf":[1,2,3]}}`, []int64{4, 5, 6, 7, 9}},
		{"nums $match", `{"nums":{"$match":[2,1,1]}}`, []int64{1, 2, 8}},
		{"nums $match numeric strings", `{"nums":{"$match":["1","2.0"]}}`, []int64{1, 2, 8}},
		{"nums $notMatch", `{"nums":{"$notMatch":[3]}}`, []int64{1, 2, 4, 7, 8, 9}},
		{"nums $arrayEmpty", `{"nums":{"$arrayEmpty":null}}`, []int64{4, 5, 6}},

		// A JSON array of mixed values.
		{"labels $anyOf", `{"labels":{"$anyOf":"go"}}`, []int64{1, 2}},
		{"labels $anyOf number", `{"labels":{"$anyOf":1}}`, []int64{3}},
		{"labels $anyOf number finds its text", `{"labels":{"$anyOf":2}}`, []int64{3}},
		{"labels $anyOf string does not find a number", `{"labels":{"$anyOf":"1"}}`, nil},
		{"labels $anyOf true", `{"labels":{"$anyOf":true}}`, []int64{3}},
		{"labels $anyOf false", `{"labels":{"$anyOf":false}}`, []int64{9}},
		{"labels $anyOf real", `{"labels":{"$anyOf":2.5}}`, []int64{9}},
		{"labels $anyOf non-ASCII", `{"labels":{"$anyOf":"héllo"}}`, []int64{9}},
		{"labels $anyOf is case-sensitive", `{"labels":{"$anyOf":"HÉLLO"}}`, nil},
		{"labels $anyOf ignores objects and scalars", `{"labels":{"$anyOf":["go","sql"]}}`, []int64{1, 2}},
		{"labels $noneOf", `{"labels":{"$noneOf":"go"}}`, []int64{3, 4, 5, 6, 7, 8, 9}},
		{"labels $match", `{"labels":{"$match":["go","sql"]}}`, []int64{1, 2}},
		{"labels $match mixed", `{"labels":{"$match":[true,"2",1]}}`, []int64{3}},
		{"labels $match needs every value", `{"labels":{"$match":[1,"2"]}}`, nil},
		{"labels $match compares as JSON", `{"labels":{"$match":["1",2,true]}}`, nil},
		{"labels $match with duplicates", `{"labels":{"$match":["2",1,true,1]}}`, []int64{3}},
		{"labels $match string true is not true", `{"labels":{"$match":[1,"2","true"]}}`, nil},
		{"labels $match with a null element", `{"labels":{"$match":["héllo","a%b",2.5,false]}}`, nil},
		{"labels $match empty", `{"labels":{"$match":[]}}`, []int64{4}},
		{"labels $match not a scalar", `{"labels":{"$match":"go"}}`, nil},
		{"labels $notMatch", `{"labels":{"$notMatch":["go","sql"]}}`, []int64{3, 4, 7, 8, 9}},
		{"labels $arrayEmpty", `{"labels":{"$arrayEmpty":true}}`, []int64{4, 5, 6, 7, 8}},
		{"labels $arrayNotEmpty", `{"labels":{"$arrayNotEmpty":true}}`, []int64{1, 2, 3, 9}},
		{"labels $empty", `{"labels":{"$empty":true}}`, []int64{4, 5, 6, 7, 8}},
		{"labels $notEmpty", `{"labels":{"$notEmpty":true}}`, []int64{1, 2, 3, 9}},

		// A JSON array of booleans: values become booleans.
		{"flags $anyOf", `{"flags":{"$anyOf":true}}`, []int64{1, 2}},
		{"flags $anyOf text", `{"flags":{"$anyOf":"false"}}`, []int64{2, 3}},
		{"flags $match", `{"flags":{"$match":[true,false]}}`, []int64{2}},
		{"flags $noneOf", `{"flags":{"$noneOf":[false]}}`, []int64{1, 4, 5, 6, 7, 8, 9}},

		// A JSON object: NULL or JSON null is empty, {} is not.
		{"meta $empty", `{"meta":{"$empty":true}}`, []int64{2, 3, 4, 6, 7, 8, 9}},
		{"meta $notEmpty", `{"meta":{"$notEmpty":true}}`, []int64{1, 5}},

		{"combined", `{"tags":{"$anyOf":"go","$noneOf":"sql"},"nums":{"$arrayNotEmpty":true}}`, []int64{3}},
		{"$or", `{"$or":[{"labels":{"$anyOf":false}},{"nums":{"$match":[10]}}]}`, []int64{7, 9}},
	})
}

// seedArrOpsNumbers fills arr_ops_items with JSON numbers written in
// different ways.
func seedArrOpsNumbers(t *testing.T, db *bun.DB) *Schema {
	t.Helper()
	ctx := context.Background()
	if _, err := db.NewCreateTable().Model((*arrOpsItem)(nil)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for id, labels := range map[int]string{
		1: `[1.0, 0.1, 0.10000000000000002, "T", true, 1]`,
		2: `[1, "1", -0.0]`,
		3: `[0]`,
	} {
		if _, err := db.ExecContext(ctx, "INSERT INTO arr_ops_items (id, title, labels) VALUES (?, '', ?)", id, labels); err != nil {
			t.Fatal(err)
		}
	}
	s, err := SchemaFor(db, (*arrOpsItem)(nil))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestArrayOperatorsOnJSONNumbers(t *testing.T) {
	runModelCases(t, seedArrOpsNumbers, []filterCase{
		{"$match 1.0 is 1", `{"labels":{"$match":[1, 0.1, 0.10000000000000002, "T", true]}}`, []int64{1}},
		{"$match close reals differ", `{"labels":{"$match":[1, 0.1, "T", true]}}`, nil},
		{"$match number and string", `{"labels":{"$match":["1", 1, 0]}}`, []int64{2}},
		{"$match -0 is 0", `{"labels":{"$match":[0]}}`, []int64{3}},
		{"$match missing one", `{"labels":{"$match":[1, 0]}}`, nil},
		{"$anyOf 1", `{"labels":{"$anyOf":1}}`, []int64{1, 2}},
		{"$anyOf real", `{"labels":{"$anyOf":0.10000000000000002}}`, []int64{1}},
		{"$anyOf -0", `{"labels":{"$anyOf":-0.0}}`, []int64{2, 3}},
		{"$anyOf string T", `{"labels":{"$anyOf":"T"}}`, []int64{1}},
		{"$anyOf true", `{"labels":{"$anyOf":true}}`, []int64{1}},
		{"$anyOf string true", `{"labels":{"$anyOf":"true"}}`, nil},
	})
}

func TestArrayOperatorsLongLists(t *testing.T) {
	n := DefaultLimits.MaxValues - 2
	runModelCases(t, seedArrOpsItems, []filterCase{
		{"tags $anyOf", `{"tags":{"$anyOf":` + longList(n, "{c}") + `}}`, []int64{7}},
		{"tags $match", `{"tags":{"$match":` + longList(n, "go", "sql") + `}}`, nil},
		{"tags $notMatch", `{"tags":{"$notMatch":` + longList(n, "go", "sql") + `}}`, []int64{1, 2, 3, 4, 7, 8, 9}},
		{"labels $noneOf", `{"labels":{"$noneOf":` + longList(n, "go") + `}}`, []int64{3, 4, 5, 6, 7, 8, 9}},
		{"labels $match", `{"labels":{"$match":` + longList(n, "go", "sql") + `}}`, nil},
	})
}

func TestArrayOperatorErrors(t *testing.T) {
	ctx := context.Background()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		items := seedArrOpsItems(t, db)
		posts := seed(t, db)
		for _, c := range []struct {
			s      *Schema
			filter string
			want   string
		}{
			{items, `{"title":{"$anyOf":"x"}}`, "string field"},
			{items, `{"title":{"$arrayEmpty":true}}`, "string field"},
			{items, `{"meta":{"$anyOf":"x"}}`, "JSON object"},
			{items, `{"meta":{"$match":["x"]}}`, "JSON object"},
			{posts, `{"views":{"$noneOf":[1]}}`, "number field"},
			{posts, `{"published":{"$arrayNotEmpty":true}}`, "boolean field"},
			{items, `{"tags":{"$anyOf":null}}`, "not null"},
			{items, `{"tags":{"$anyOf":[null]}}`, "cannot be null"},
			{items, `{"labels":{"$match":[{"a":1}]}}`, "strings, numbers or booleans"},
			{items, `{"labels":{"$anyOf":[["go"]]}}`, "strings, numbers or booleans"},
			{items, `{"tags":{"$anyOf":"a\u0000"}}`, "NUL"},
			{items, `{"nums":{"$anyOf":1.5}}`, "integers"},
			{items, `{"nums":{"$anyOf":"x"}}`, "integers"},
			{items, `{"nums":{"$anyOf":true}}`, "integers"},
			{items, `{"nums":{"$match":[1e19]}}`, "integers"},
			{items, `{"flags":{"$anyOf":"yes"}}`, "booleans"},
		} {
			_, err := modelIDs(ctx, db, c.s, c.filter)
			if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want one saying %q", c.filter, err, c.want)
			}
		}
	})
}

func TestArrayOperatorHelpers(t *testing.T) {
	f := &Field{Name: "x", Type: TypeArray, Array: true}
	c := &Cond{Field: f, Operator: "$anyOf", Dialect: "pg"}
	// Without a Go type the element type is unknown: refused, not guessed.
	if _, err := pgArrayLiteral(c, []arrayElem{{kind: 's', s: "a"}}); err == nil {
		t.Error("pgArrayLiteral without an element type: no error")
	}
	c.Dialect = "mysql"
	if _, err := arrayStorage(c); err == nil {
		t.Error("arrayStorage on mysql: no error")
	}
}
