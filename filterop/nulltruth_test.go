package filterop

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// nullTruthCases are field:operator:value triples over the corpus's posts;
// together they use every built-in operator.
var nullTruthCases = map[string][]string{
	"title": {`{"$eq":"a"}`, `{"$eq":null}`, `{"$eq":["a"]}`, `{"$eq":[]}`, `{"$ne":"a"}`, `{"$ne":null}`, `{"$ne":["a"]}`,
		`{"$ne":[]}`, `{"$ne":["a",null]}`, `{"$in":["a"]}`, `{"$in":[]}`, `{"$in":[null]}`, `{"$in":"a"}`, `{"$notIn":["a"]}`,
		`{"$notIn":[]}`, `{"$notIn":[null]}`, `{"$exists":true}`, `{"$exists":false}`, `{"$notExists":true}`,
		`{"$notExists":false}`, `{"$is":null}`, `{"$isNot":null}`, `{"$empty":true}`, `{"$notEmpty":true}`,
		`{"$includes":"a"}`, `{"$includes":null}`, `{"$includes":[]}`, `{"$notIncludes":"a"}`, `{"$notIncludes":null}`,
		`{"$notIncludes":[]}`, `{"$startsWith":"a"}`, `{"$startsWith":[]}`, `{"$notStartsWith":"a"}`, `{"$notStartsWith":[]}`,
		`{"$endWith":"a"}`, `{"$notEndWith":"a"}`, `{"$endsWith":["a","b"]}`, `{"$notEndsWith":[]}`, `{"$like":"a%"}`,
		`{"$like":[]}`, `{"$notLike":"a%"}`, `{"$notLike":[]}`, `{"$iLike":"A%"}`, `{"$notILike":"A%"}`, `{"$gt":"a"}`,
		`{"$lte":"a"}`},
	"views":     {`{"$gte":1}`, `{"$lt":1}`, `{"$between":[1,2]}`, `{"$eq":1}`, `{"$empty":false}`},
	"published": {`{"$is":true}`, `{"$is":false}`, `{"$isNot":true}`, `{"$isNot":false}`, `{"$isTruly":true}`, `{"$isTruly":false}`, `{"$isFalsy":true}`, `{"$isFalsy":"true"}`},
	"publishedAt": {`{"$dateOn":"2024-01-01"}`, `{"$dateNotOn":"2024-01-01"}`, `{"$dateNotOn":"2024-01-01T00:00:00Z"}`,
		`{"$dateBefore":"2024"}`, `{"$dateAfter":"2024"}`, `{"$dateNotBefore":"2024"}`, `{"$dateNotAfter":"2024"}`,
		`{"$dateBetween":["2024-01-01","2024-02-01"]}`},
	"labels": {`{"$anyOf":["a"]}`, `{"$anyOf":[]}`, `{"$noneOf":["a"]}`, `{"$noneOf":[]}`, `{"$match":["a"]}`, `{"$match":[]}`,
		`{"$notMatch":["a"]}`, `{"$arrayEmpty":true}`, `{"$arrayNotEmpty":true}`, `{"$empty":true}`, `{"$notEmpty":true}`},
}

// TestNullAnswersMatchSQL checks nullAnswer against the databases: what
// each built-in operator's SQL is on a row whose columns are all NULL.
func TestNullAnswersMatchSQL(t *testing.T) {
	corpus := loadNocoBaseCorpus(t)
	used := map[string]bool{}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := seedNocoBase(t, db, corpus.Rows)["posts"]
		ctx := context.Background()
		if _, err := db.NewInsert().Model(&ncPost{ID: 100}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for field, ops := range nullTruthCases {
			for _, op := range ops {
				filter := fmt.Sprintf(`{%q:%s}`, field, op)
				var m map[string]any
				if err := jsonDecode(filter, &m); err != nil {
					t.Fatal(err)
				}
				for k := range m[field].(map[string]any) {
					used[k] = true
				}
				c := &compiler{reg: Default(), ops: *Default().ops.Load(), ctx: ctx, dialect: s.Dialect()}
				p, err := c.object("", s, s.Alias, m, 0)
				if err != nil {
					t.Fatalf("%s: %v", filter, err)
				}
				if got, want := p.null, sqlTruthOnNulls(t, db, s, filter); got != want {
					t.Errorf("%s: nullAnswer says %d, the database %d", filter, got, want)
				}
			}
		}
	})
	for name := range nullAnswer {
		if !used[name] {
			t.Errorf("no case uses %s", name)
		}
	}
	for name := range *Default().ops.Load() {
		if _, ok := nullAnswer[name]; !ok {
			t.Errorf("built-in operator %s has no nullAnswer", name)
		}
	}
}

// sqlTruthOnNulls runs filter and its negation on post 100 (all NULL).
func sqlTruthOnNulls(t *testing.T, db *bun.DB, s *Schema, filter string) nullTruth {
	t.Helper()
	matches := func(f string) bool {
		got, err := runNocoBaseFilter(db, s, `{"$and":[{"id":100},`+f+`]}`)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		return len(got) == 1
	}
	switch {
	case matches(filter):
		return nullTrue
	case matches(`{"$not":` + filter + `}`):
		return nullFalse
	}
	return nullNull
}

func runNocoBaseFilter(db *bun.DB, s *Schema, filter string) ([]int64, error) {
	var m map[string]any
	if err := jsonDecode(filter, &m); err != nil {
		return nil, err
	}
	o := runNocoBaseCase(context.Background(), db, s, ncCase{Filter: m})
	return o.ids, o.err
}
