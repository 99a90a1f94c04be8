package filterop

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// FuzzParseFilter feeds arbitrary bytes to Where on the posts schema. It
// must never panic; every error must be a *Error of a known kind; and a
// filter that compiles must run on SQLite: an SQL error there means the
// compiler accepted something it should have refused or wrote bad SQL.
//
//	go test ./filterop -run x -fuzz FuzzParseFilter -fuzztime 60s
func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"status":"draft"}`,
		`{"title":{"$eq":"It's \"quoted\" \\ back"}}`,
		`{"id":[1,3],"views":{"$gte":5,"$lt":100}}`,
		`{"status":{"$ne":"draft"},"score":{"$ne":null}}`,
		`{"$and":[{"status":"draft"},{"views":{"$gt":1}}]}`,
		`{"$or":[{"status":"archived"},{"views":0},{"published":{"$isTruly":true}}]}`,
		`{"$not":{"status":{"$in":["draft","archived"]}}}`,
		`{"views":{"$between":[5,10]},"status.$notIn":["draft"]}`,
		`{"createdBy.nickname":"bob"}`,
		`{"createdBy":{"nickname":{"$in":["ann","O'Brien"]}},"createdBy.email.$ne":null}`,
		`{"comments":{"body":{"$in":["nice","nice too"]}},"tags.name":"sql"}`,
		`{"createdById":"{{ ctx.state.currentUser.id }}","id":{"$in":["{{$user.id}}",2]}}`,
		`{"$or":[{"$and":[{"createdById":1},{"views":{"$gt":5}}]},{"$not":{"$or":[{"id":{"$lt":5}}]}}]}`,
		`{"published":{"$is":null},"score":{"$exists":false}}`,
		`{"title":{"$includes":"h\u00e9llo"},"status":{"$notEmpty":true}}`,
		`{"title.$like":"%tips_%","title":{"$notStartsWith":"It"}}`,
		`{"created_at":{"$dateOn":"2024-01-02"},"$or":[{"created_at":{"$dateBetween":["2024-01-01","2024-01-03"]}}]}`,
	} {
		f.Add([]byte(seed))
	}

	// One seeded SQLite database per fuzzing process.
	db := dbtest.SQLite(f)
	s := seed(f, db)
	ctx := WithVariables(context.Background(), func(path string) (any, bool) {
		switch path {
		case "ctx.state.currentUser.id", "$user.id":
			return int64(1), true
		case "$user.nickname":
			return "ann", true
		case "$nRole":
			return "admin", true
		}
		return nil, false
	})

	f.Fuzz(func(t *testing.T, data []byte) {
		expr, err := Where(ctx, s, data)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Where(%q): error %T %v is not a *filterop.Error", data, err, err)
			}
			if !errors.Is(err, ErrInvalidFilter) {
				t.Fatalf("Where(%q): %v does not wrap ErrInvalidFilter", data, err)
			}
			switch fe.Kind {
			case ErrUnknownField, ErrUnknownOperator, ErrInvalidValue, ErrTooComplex, ErrUnknownVariable:
			default:
				t.Fatalf("Where(%q): %v has kind %v", data, err, fe.Kind)
			}
			return
		}
		if expr == nil {
			return
		}
		query := db.NewSelect().Model((*testPost)(nil)).Where("?", expr).String()
		// The same filter always compiles to the same SQL.
		again, err := Where(ctx, s, data)
		if err != nil {
			t.Fatalf("Where(%q) compiled once, then failed: %v", data, err)
		}
		if q2 := db.NewSelect().Model((*testPost)(nil)).Where("?", again).String(); q2 != query {
			t.Fatalf("Where(%q) is not deterministic:\n%s\n%s", data, query, q2)
		}
		var posts []*testPost
		if err := db.NewSelect().Model(&posts).Where("?", expr).Scan(ctx); err != nil {
			t.Fatalf("Where(%q) compiled, but the query fails on SQLite: %v\nSQL: %s", data, err, query)
		}
	})
}
