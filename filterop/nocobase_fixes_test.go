package filterop

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// Association conditions are answered as NocoBase's LEFT JOIN answers
// them: a row without related rows matches when the join's NULLs do.
// Seeded: comments on posts 1 ("nice", "spam") and 3 ("nice too"); tags go
// on 1 and 2, sql on 2 and 4; posts 3 and 5 have no tags.
func TestAssociationsLeftJoin(t *testing.T) {
	runCases(t, context.Background(), []filterCase{
		{"$ne keeps rows without related rows", `{"comments.body":{"$ne":"spam"}}`, []int64{1, 2, 3, 4, 5}},
		{"$notIn keeps rows without related rows", `{"tags.name":{"$notIn":["go"]}}`, []int64{2, 3, 4, 5}},
		{"$empty on a missing related row", `{"tags":{"name":{"$empty":true}}}`, []int64{3, 5}},
		{"$eq needs a matching row", `{"comments.body":"nice"}`, []int64{1}},
		{"$exists on a has-many", `{"comments.$exists":true}`, []int64{1, 3}},
		{"$notExists on a has-many", `{"comments.$notExists":true}`, []int64{2, 4, 5}},
		{"$exists false is $notExists", `{"comments.$exists":false}`, []int64{2, 4, 5}},
		{"$exists on a many-to-many", `{"tags.$exists":true}`, []int64{1, 2, 4}},
		{"$exists on a belongs-to, nested", `{"$or":[{"createdBy.$exists":true}]}`, []int64{1, 2, 3, 4, 5}},
		{"$not of $exists", `{"$not":{"tags.$exists":true}}`, []int64{3, 5}},
	})
}

// A boolean field reads PostgreSQL's spellings on both databases. Seeded:
// published true on 1 and 4, false on 2, NULL on 3 and 5.
func TestBooleanSpellings(t *testing.T) {
	runCases(t, context.Background(), []filterCase{
		{"yes", `{"published":"yes"}`, []int64{1, 4}},
		{"on", `{"published":{"$eq":"on"}}`, []int64{1, 4}},
		{"OFF", `{"published":"OFF"}`, []int64{2}},
		{"prefix with spaces", `{"published":" t "}`, []int64{1, 4}},
		{"n", `{"published":"n"}`, []int64{2}},
		{"list", `{"published":{"$in":["y","f"]}}`, []int64{1, 2, 4}},
	})
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := seed(t, db)
		for _, f := range []string{`{"published":"o"}`, `{"published":""}`, `{"published":"yess"}`, `{"published":2}`} {
			_, err := ids(t, context.Background(), db, s, f)
			var fe *Error
			if !errors.As(err, &fe) || fe.Kind != ErrInvalidValue || !strings.Contains(fe.Reason, "use true or false") {
				t.Errorf("%s: error %v, want ErrInvalidValue saying true or false", f, err)
			}
		}
	})
}

// The timezone a [from, to, brackets, timezone] list names is not used:
// NocoBase reads the list in the database's timezone, here the request's.
// Seeded created_at: 1 on 2024-01-01 10:00 UTC, 2 a day later.
func TestDateListTimezoneIgnored(t *testing.T) {
	runCases(t, context.Background(), []filterCase{
		{"list zone ignored", `{"created_at":{"$dateOn":["2024-01-01","2024-01-01","[]","-11:00"]}}`, []int64{1}},
	})
	runCases(t, WithTimezone(context.Background(), "-11:00"), []filterCase{
		{"request zone used", `{"created_at":{"$dateOn":["2024-01-01","2024-01-01","[]","+00:00"]}}`, []int64{2}},
	})
}

// A boolean in a number list is refused with a message that asks for a
// number (it once listed booleans among the accepted values).
func TestBooleanInNumberList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := seed(t, db)
		_, err := ids(t, context.Background(), db, s, `{"views":{"$in":[true]}}`)
		var fe *Error
		if !errors.As(err, &fe) || fe.Path != "views.$in" || !strings.Contains(fe.Reason, "use a number") || strings.Contains(fe.Reason, "boolean") {
			t.Errorf("error %v, want one at views.$in asking for a number", err)
		}
	})
}

// Each way an association condition is compiled answers as NocoBase's
// LEFT JOIN does: a plain EXISTS (false on the row of NULLs), NOT EXISTS
// on a belongs-to (true there), and the LEFT JOIN itself for an operator
// a Registry added, whose answer on NULL filterop cannot know. Post 6
// names a creator that does not exist.
func TestAssociationNullRowForms(t *testing.T) {
	r := NewRegistry()
	if err := r.Register("$missing", func(c *Cond) (Expr, error) { return SQL("? IS NULL", c.Column), nil }); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, filter, sqlHas string
		want                 []int64
	}{
		{"false on NULLs: EXISTS", `{"createdBy.nickname":"bob"}`, "EXISTS (SELECT 1 FROM", []int64{3, 4}},
		{"true on NULLs, belongs-to: NOT EXISTS", `{"createdBy.nickname":{"$ne":"bob"}}`, "NOT EXISTS", []int64{1, 2, 5, 6}},
		{"true on NULLs, has-many: LEFT JOIN", `{"comments.body":{"$notIn":["spam"]}}`, "LEFT JOIN", []int64{1, 2, 3, 4, 5, 6}},
		{"registered operator: LEFT JOIN", `{"createdBy.email":{"$missing":true}}`, "LEFT JOIN", []int64{3, 4, 5, 6}},
		{"registered operator, has-many", `{"comments.body":{"$missing":true}}`, "LEFT JOIN", []int64{2, 4, 5, 6}},
		{"$not of a NULL answer stays out", `{"createdBy":{"$not":{"nickname":"bob"}}}`, "EXISTS", []int64{1, 2, 5}},
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := seed(t, db)
		ctx := context.Background()
		if _, err := db.NewInsert().Model(&testPost{ID: 6, Title: "orphan", CreatedByID: 99}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for _, tt := range cases {
			var got []int64
			q, err := ApplyWith(r, ctx, db.NewSelect().Model((*testPost)(nil)).Column("id").Order("id"), s, tt.filter)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if !strings.Contains(q.String(), tt.sqlHas) {
				t.Errorf("%s: SQL %s lacks %q", tt.name, q.String(), tt.sqlHas)
			}
			if err := q.Scan(ctx, &got); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s: %s = %v, want %v", tt.name, tt.filter, got, tt.want)
			}
		}
	})
}
