package filterop

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// The truth tests ($is/$isNot with true or false, $isTruly, $isFalsy) work
// on boolean fields; $is null stays a null test on any field. The seeded
// published: 1 and 4 true, 2 false, 3 and 5 NULL.
func TestTruthTestsOnBooleanFields(t *testing.T) {
	runCases(t, context.Background(), []filterCase{
		{"$is true", `{"published":{"$is":true}}`, []int64{1, 4}},
		{"$is false", `{"published":{"$is":false}}`, []int64{2}},
		{"$isNot true keeps NULL", `{"published":{"$isNot":true}}`, []int64{2, 3, 5}},
		{"$isTruly", `{"published":{"$isTruly":true}}`, []int64{1, 4}},
		{"$isFalsy keeps NULL", `{"published":{"$isFalsy":true}}`, []int64{2, 3, 5}},
		{"$is null on a number", `{"score":{"$is":null}}`, []int64{2, 4, 5}},
		{"$isNot null on a string", `{"status":{"$isNot":null}}`, []int64{1, 2, 4, 5}},
	})
}

// A truth test on a field that is not boolean is a 400 naming the path on
// both databases. FuzzCompileFilterPG found it: PostgreSQL refused
// "status IS TRUE" and "views = true" at run time, a 500 for the request,
// while SQLite answered by its own truthiness rules.
func TestTruthTestsNeedBooleanField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := seed(t, db)
		for _, tt := range []struct{ filter, path string }{
			{`{"$or":[{"status":{"$is":true}}]}`, "$or.0.status.$is"},
			{`{"views":{"$is":false}}`, "views.$is"},
			{`{"created_at":{"$isNot":true}}`, "created_at.$isNot"},
			{`{"meta":{"$is":true}}`, "meta.$is"},
			{`{"status":{"$isTruly":true}}`, "status.$isTruly"},
			{`{"views":{"$isFalsy":true}}`, "views.$isFalsy"},
			{`{"score":{"$isTruly":"true"}}`, "score.$isTruly"},
			{`{"meta":{"$isFalsy":false}}`, "meta.$isFalsy"},
			{`{"createdBy.nickname":{"$isTruly":true}}`, "createdBy.nickname.$isTruly"},
			{`{"comments.body":{"$is":false}}`, "comments.body.$is"},
		} {
			_, err := ids(t, context.Background(), db, s, tt.filter)
			var fe *Error
			if !errors.As(err, &fe) || fe.Kind != ErrInvalidValue || fe.Path != tt.path || fe.HTTPStatus() != 400 {
				t.Errorf("%s: error %v, want a 400 ErrInvalidValue at %s", tt.filter, err, tt.path)
			}
		}
	})
}
