package filterop

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// FuzzParseFilter feeds arbitrary bytes to Where on the posts schema, with
// a FieldGuard that refuses users.email. It must never panic; every error
// must be a *Error of a known kind; and a filter that compiles must run on
// SQLite: an SQL error there means the compiler accepted something it
// should have refused or wrote bad SQL. The seeds include nulls and mixed
// types in value lists, numbers past int64 and float64, and pattern
// operands at and past Limits.MaxPatternLength.
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
		// Nulls and mixed types in lists.
		`{"views":{"$in":[1,null]}}`,
		`{"views":{"$notIn":[null,10,"5"]},"score":{"$ne":[1.5,null]}}`,
		`{"id":[1,null,"2",true],"title":["Hello world",null,3,false]}`,
		`{"views":{"$between":[1,null]},"score":{"$between":[null,"2"]}}`,
		`{"status":{"$includes":["dr",null]},"title":{"$notLike":[null]}}`,
		`{"published":{"$in":[true,null,0,"false"]},"created_at":{"$in":[null,"2024-01-01"]}}`,
		`{"createdBy.nickname":{"$in":[null]},"comments.body":{"$notIn":["nice",null]}}`,
		// Huge, tiny and exact numbers.
		`{"id":9007199254740993,"views":{"$gt":-9223372036854775808}}`,
		`{"id":{"$in":[9223372036854775807,9223372036854775808,1e400,-1e-400]}}`,
		`{"score":{"$lt":1e308,"$gt":-1.7976931348623157e308},"views":1e2}`,
		`{"title":9007199254740993,"status":{"$startsWith":-0.0}}`,
		`{"views":{"$eq":1.5},"id":{"$between":[0.5,2e0]}}`,
		`{"views":{"$dateOn":{"type":"past","unit":"day","number":9007199254740993}}}`,
		// Pattern operands at and past the default limit, and wildcard runs.
		`{"title":{"$includes":"` + strings.Repeat("a", DefaultLimits.MaxPatternLength) + `"}}`,
		`{"title":{"$notIncludes":["x","` + strings.Repeat("é", DefaultLimits.MaxPatternLength) + `"]}}`,
		`{"title":{"$iLike":"` + strings.Repeat("%_", DefaultLimits.MaxPatternLength/2) + `"}}`,
		`{"title":{"$like":"` + strings.Repeat("*[?", 40) + `"}}`,
		// Fields the guard refuses, at depth.
		`{"createdBy.email":"ann@example.com"}`,
		`{"$or":[{"id":1},{"createdBy":{"$not":{"email.$ne":null}}}]}`,
	} {
		f.Add([]byte(seed))
	}

	// One seeded SQLite database per fuzzing process.
	db := dbtest.SQLite(f)
	s := seed(f, db)
	guarded := WithFieldGuard(context.Background(), func(s *Schema, name string) error {
		if s.Table == "users" && name == "email" {
			return errors.New("not readable")
		}
		return nil
	})
	ctx := WithVariables(guarded, func(path string) (any, bool) {
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
			case ErrUnknownField, ErrUnknownOperator, ErrInvalidValue, ErrTooComplex, ErrUnknownVariable, ErrFieldNotAllowed:
			default:
				t.Fatalf("Where(%q): %v has kind %v", data, err, fe.Kind)
			}
			return
		}
		if expr == nil {
			return
		}
		query := db.NewSelect().Model((*testPost)(nil)).Where("?", expr).String()
		if strings.Contains(withoutLiterals(query), `."email"`) {
			t.Fatalf("Where(%q) compiled a condition on the refused users.email:\n%s", data, query)
		}
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

// withoutLiterals drops the single-quoted literals of an SQL text (a
// doubled quote inside one toggles twice), leaving identifiers and
// keywords.
func withoutLiterals(sql string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(sql); i++ {
		if sql[i] == '\'' {
			in = !in
			continue
		}
		if !in {
			b.WriteByte(sql[i])
		}
	}
	return b.String()
}
