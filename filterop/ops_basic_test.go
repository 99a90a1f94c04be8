package filterop

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// Null entries in value lists follow SQL: IN ignores them; NOT IN with one
// is unknown for every row, so $notIn (NocoBase's NOT IN ... OR IS NULL)
// leaves the NULL rows. $ne with a list is NocoBase's bare NOT IN: no NULL
// rows, and nothing at all with a null entry or no entries. The seeded
// scores: 1 → 1.5, 3 → -2, others NULL.
func TestNullsInValueLists(t *testing.T) {
	runCases(t, context.Background(), []filterCase{
		{"$in ignores null", `{"views":{"$in":[10,null]}}`, []int64{1}},
		{"$in of null only", `{"views":{"$in":[null]}}`, nil},
		{"$in of null on a nullable column", `{"score":{"$in":[null]}}`, nil},
		{"$in with null on a nullable column", `{"score":{"$in":[1.5,null]}}`, []int64{1}},
		{"bare list with null", `{"views":[10,null,5]}`, []int64{1, 3}},
		{"$eq list with null", `{"views":{"$eq":[10,null]}}`, []int64{1}},
		{"mixed types with null", `{"views":{"$in":[10,"5",null]}}`, []int64{1, 3}},
		{"string column", `{"title":{"$in":["Hello world",null]}}`, []int64{1}},
		{"$notIn with null leaves the NULL rows", `{"score":{"$notIn":[1.5,null]}}`, []int64{2, 4, 5}},
		{"$notIn of null only", `{"score":{"$notIn":[null]}}`, []int64{2, 4, 5}},
		{"$notIn with null, column never NULL", `{"views":{"$notIn":[10,null]}}`, nil},
		{"$ne list with null matches nothing", `{"score":{"$ne":[1.5,null]}}`, nil},
		{"$ne list leaves NULL out", `{"score":{"$ne":[1.5]}}`, []int64{3}},
		{"$ne empty list matches nothing", `{"score":{"$ne":[]}}`, nil},
		{"$notIn without null", `{"score":{"$notIn":[1.5]}}`, []int64{2, 3, 4, 5}},
		{"$not of $in with null", `{"$not":{"views":{"$in":[10,null]}}}`, []int64{2, 3, 4, 5}},
		{"association $in with null", `{"createdBy.nickname":{"$in":["bob",null]}}`, []int64{3, 4}},
	})
}

func TestNullBoundsAreErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := seed(t, db)
		for _, tt := range []struct{ filter, path string }{
			{`{"views":{"$between":[1,null]}}`, "views.$between"},
			{`{"views":{"$between":[null,null]}}`, "views.$between"},
			{`{"views":{"$gt":null}}`, "views.$gt"},
		} {
			_, err := ids(t, context.Background(), db, s, tt.filter)
			var fe *Error
			if !errors.As(err, &fe) || fe.Kind != ErrInvalidValue || fe.Path != tt.path {
				t.Errorf("%s: error %v, want ErrInvalidValue at %s", tt.filter, err, tt.path)
			}
		}
	})
}

// In writes nil entries as NULL rather than panicking, as bun.In did.
func TestInWritesNull(t *testing.T) {
	db := dbtest.SQLite(t)
	for _, tt := range []struct {
		values []any
		want   string
	}{
		{[]any{int64(1), nil, "a"}, `SELECT 1 WHERE (x IN (1, NULL, 'a'))`},
		{[]any{nil}, `SELECT 1 WHERE (x IN (NULL))`},
		{nil, `SELECT 1 WHERE (x IN (NULL))`},
	} {
		got := db.NewSelect().ColumnExpr("1").Where("x IN (?)", In(tt.values)).String()
		if got != tt.want {
			t.Errorf("In(%v): %s, want %s", tt.values, got, tt.want)
		}
	}
}
