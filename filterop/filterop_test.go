package filterop

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func TestLogicAndBasicOperators(t *testing.T) {
	runCases(t, context.Background(), []filterCase{
		{"empty", `{}`, []int64{1, 2, 3, 4, 5}},
		{"bare value", `{"status":"draft"}`, []int64{2, 5}},
		{"json name", `{"createdById":2}`, []int64{3, 4}},
		{"column name", `{"created_by_id":2}`, []int64{3, 4}},
		{"$eq list is $in", `{"id":[1,3]}`, []int64{1, 3}},
		{"$eq null", `{"status":{"$eq":null}}`, []int64{3}},
		{"number on a string field", `{"title":{"$eq":100}}`, nil},
		{"$ne keeps nulls", `{"status":{"$ne":"draft"}}`, []int64{1, 3, 4}},
		{"$ne null", `{"score":{"$ne":null}}`, []int64{1, 3}},
		{"$gt", `{"views":{"$gt":5}}`, []int64{1, 4, 5}},
		{"$gte $lt together", `{"views":{"$gte":5,"$lt":100}}`, []int64{1, 3, 5}},
		{"$lte", `{"score":{"$lte":1.5}}`, []int64{1, 3}},
		{"$in", `{"status":{"$in":["draft","archived"]}}`, []int64{2, 4, 5}},
		{"$in empty", `{"status":{"$in":[]}}`, nil},
		{"$notIn keeps nulls", `{"status":{"$notIn":["draft"]}}`, []int64{1, 3, 4}},
		{"$notIn empty", `{"id":{"$notIn":[]}}`, []int64{1, 2, 3, 4, 5}},
		{"$between", `{"views":{"$between":[5,10]}}`, []int64{1, 3, 5}},
		{"$exists", `{"score":{"$exists":true}}`, []int64{1, 3}},
		{"$notExists", `{"score":{"$notExists":true}}`, []int64{2, 4, 5}},
		{"$is true", `{"published":{"$is":true}}`, []int64{1, 4}},
		{"$isNot true", `{"published":{"$isNot":true}}`, []int64{2, 3, 5}},
		{"$is null", `{"published":{"$is":null}}`, []int64{3, 5}},
		{"$isTruly", `{"published":{"$isTruly":true}}`, []int64{1, 4}},
		{"$isFalsy", `{"published":{"$isFalsy":true}}`, []int64{2, 3, 5}},
		{"dotted operator", `{"status.$ne":"draft"}`, []int64{1, 3, 4}},
		{"$and", `{"$and":[{"status":"draft"},{"views":{"$gt":1}}]}`, []int64{5}},
		{"$or", `{"$or":[{"status":"archived"},{"views":0}]}`, []int64{2, 4}},
		{"$not", `{"$not":{"status":"draft"}}`, []int64{1, 4}},
		{"nested", `{"$or":[{"$and":[{"createdById":1},{"views":{"$gt":5}}]},{"$not":{"$or":[{"id":{"$lt":5}}]}}]}`, []int64{1, 5}},
		{"belongs-to path", `{"createdBy.nickname":"bob"}`, []int64{3, 4}},
		{"belongs-to nested", `{"createdBy":{"nickname":{"$in":["ann","O'Brien"]}}}`, []int64{1, 2, 5}},
		{"belongs-to with operator", `{"createdBy.email.$ne":null}`, []int64{1, 2}},
		{"has-many", `{"comments.body":"nice"}`, []int64{1}},
		{"has-many any of", `{"comments":{"body":{"$in":["nice","nice too"]}}}`, []int64{1, 3}},
		{"many-to-many", `{"tags.name":"sql"}`, []int64{2, 4}},
		{"many-to-many and field", `{"tags.name":"go","views":{"$gt":1}}`, []int64{1}},
	})
}

func TestHiddenFieldsCannotBeFiltered(t *testing.T) {
	s := schemaOfPosts(t)
	f, ok := s.Field("secret")
	if !ok || !f.Hidden {
		t.Fatalf("secret: %+v %v", f, ok)
	}
	for _, filter := range []string{`{"secret":"x"}`, `{"secret":{"$startsWith":"a"}}`, `{"$or":[{"secret.$ne":null}]}`} {
		if _, err := Where(context.Background(), s, filter); !errors.Is(err, ErrUnknownField) {
			t.Errorf("%s: %v, want ErrUnknownField", filter, err)
		}
	}
}

func schemaOfPosts(t *testing.T) *Schema {
	t.Helper()
	db := dbtest.SQLite(t)
	db.RegisterModel((*testPostTag)(nil))
	s, err := SchemaFor(db, (*testPost)(nil))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
