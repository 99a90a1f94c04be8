package filterop

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// FuzzCompileFilter feeds arbitrary bytes to Where on the posts schema, with
// a FieldGuard that refuses users.email. It must never panic; every error
// must be a *Error of a known kind; and a filter that compiles must run on
// SQLite: an SQL error there means the compiler accepted something it
// should have refused or wrote bad SQL. The seeds include nulls and mixed
// types in value lists, numbers past int64 and float64, and pattern
// operands at and past Limits.MaxPatternLength.
//
//	go test ./filterop -run x -fuzz 'FuzzCompileFilter$' -fuzztime 60s
func FuzzCompileFilter(f *testing.F) {
	addFilterSeeds(f)
	sqlite := newFilterTarget(f, dbtest.SQLite(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		sqlite.check(t, data)
	})
}

// FuzzCompileFilterPG is FuzzCompileFilter with PostgreSQL next to SQLite: every
// input is compiled for each dialect from that dialect's schema, and the SQL
// written for PostgreSQL runs there, so a quoting, cast or operator the pg
// half gets wrong is found as surely as a SQLite one. It skips (or, with
// GATEHOUSE_REQUIRE_PG=1, fails) as dbtest.Postgres does when the server is
// unreachable; FuzzCompileFilter keeps the SQLite half running then.
//
//	GATEHOUSE_REQUIRE_PG=1 go test ./filterop -run x -fuzz FuzzCompileFilterPG -fuzztime 60s
func FuzzCompileFilterPG(f *testing.F) {
	addFilterSeeds(f)
	pg := newFilterTarget(f, dbtest.Postgres(f))
	sqlite := newFilterTarget(f, dbtest.SQLite(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		pg.check(t, data)
		sqlite.check(t, data)
	})
}

func addFilterSeeds(f *testing.F) {
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
}

// filterTarget is one seeded database (one per fuzzing process) and the
// context the fuzz targets compile filters in.
type filterTarget struct {
	db     *bun.DB
	schema *Schema
	ctx    context.Context
}

func newFilterTarget(f *testing.F, db *bun.DB) *filterTarget {
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
	return &filterTarget{db: db, schema: seed(f, db), ctx: ctx}
}

// check compiles data for the target's dialect and runs what compiles.
func (ft *filterTarget) check(t *testing.T, data []byte) {
	dialect := ft.schema.Dialect()
	expr, err := Where(ft.ctx, ft.schema, data)
	if err != nil {
		checkFilterError(t, dialect, data, err)
		return
	}
	if expr == nil {
		return
	}
	query := ft.db.NewSelect().Model((*testPost)(nil)).Where("?", expr).String()
	if strings.Contains(withoutLiterals(query), `."email"`) {
		t.Fatalf("%s: Where(%q) compiled a condition on the refused users.email:\n%s", dialect, data, query)
	}
	// The same filter always compiles to the same SQL.
	again, err := Where(ft.ctx, ft.schema, data)
	if err != nil {
		t.Fatalf("%s: Where(%q) compiled once, then failed: %v", dialect, data, err)
	}
	if q2 := ft.db.NewSelect().Model((*testPost)(nil)).Where("?", again).String(); q2 != query {
		t.Fatalf("%s: Where(%q) is not deterministic:\n%s\n%s", dialect, data, query, q2)
	}
	// A bound on each statement, so that a filter that makes the database
	// work without end is a finding rather than a hung fuzzer.
	ctx, cancel := context.WithTimeout(ft.ctx, 10*time.Second)
	defer cancel()
	var posts []*testPost
	if err := ft.db.NewSelect().Model(&posts).Where("?", expr).Scan(ctx); err != nil {
		t.Fatalf("%s: Where(%q) compiled, but the query fails: %v\nSQL: %s", dialect, data, err, query)
	}
}

// checkFilterError asserts that a filter Where refused was refused with a
// *Error of a known kind, wrapping ErrInvalidFilter.
func checkFilterError(t *testing.T, dialect string, data []byte, err error) {
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("%s: Where(%q): error %T %v is not a *filterop.Error", dialect, data, err, err)
	}
	if !errors.Is(err, ErrInvalidFilter) {
		t.Fatalf("%s: Where(%q): %v does not wrap ErrInvalidFilter", dialect, data, err)
	}
	switch fe.Kind {
	case ErrUnknownField, ErrUnknownOperator, ErrInvalidValue, ErrTooComplex, ErrUnknownVariable, ErrFieldNotAllowed:
	default:
		t.Fatalf("%s: Where(%q): %v has kind %v", dialect, data, err, fe.Kind)
	}
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
