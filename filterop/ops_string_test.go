package filterop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func TestStringOperatorsOnPosts(t *testing.T) {
	// Titles: 1 "Hello world", 2 "Go tips_and 100% tricks", 3 "héllo
	// again", 4 "", 5 `It's "quoted" \ back`. Status: 1 published,
	// 2 draft, 3 NULL, 4 archived, 5 draft.
	runCases(t, context.Background(), []filterCase{
		{"$includes", `{"title":{"$includes":"hello"}}`, []int64{1}},
		{"$includes ignores ASCII case", `{"title":{"$includes":"HELLO WORLD"}}`, []int64{1}},
		{"$includes non-ASCII lower", `{"title":{"$includes":"héllo"}}`, []int64{3}},
		{"$includes non-ASCII upper", `{"title":{"$includes":"HÉLLO"}}`, []int64{3}},
		{"$includes non-ASCII title case", `{"title":{"$includes":"Héllo AGAIN"}}`, []int64{3}},
		{"$includes accents count", `{"title":{"$includes":"hello again"}}`, nil},
		{"$includes dotted key", `{"title.$includes":"TRICKS"}`, []int64{2}},
		{"$includes %", `{"title":{"$includes":"%"}}`, []int64{2}},
		{"$includes 100%", `{"title":{"$includes":"100% T"}}`, []int64{2}},
		{"$includes % is literal", `{"title":{"$includes":"tips%tricks"}}`, nil},
		{"$includes _", `{"title":{"$includes":"s_a"}}`, []int64{2}},
		{"$includes _ is literal", `{"title":{"$includes":"o_w"}}`, nil},
		{"$includes without _", `{"title":{"$includes":"o w"}}`, []int64{1}},
		{"$includes backslash", `{"title":{"$includes":"\\"}}`, []int64{5}},
		{"$includes backslash space", `{"title":{"$includes":"\" \\ b"}}`, []int64{5}},
		{"$includes backslash escapes nothing", `{"title":{"$includes":"\\b"}}`, nil},
		{"$includes escaped percent", `{"title":{"$includes":"\\%"}}`, nil},
		{"$includes quote", `{"title":{"$includes":"it's"}}`, []int64{5}},
		{"$includes double quotes", `{"title":{"$includes":"\"QUOTED\""}}`, []int64{5}},
		{"$includes single quote alone", `{"title":{"$includes":"'"}}`, []int64{5}},
		{"$includes empty string is every non-NULL", `{"status":{"$includes":""}}`, []int64{1, 2, 4, 5}},
		{"$includes empty string matches the empty title", `{"title":{"$includes":""}}`, []int64{1, 2, 3, 4, 5}},
		{"$includes list is OR", `{"title":{"$includes":["world","TRICKS"]}}`, []int64{1, 2}},
		{"$includes empty list matches nothing", `{"title":{"$includes":[]}}`, nil},
		{"$includes null is IS NULL", `{"status":{"$includes":null}}`, []int64{3}},
		{"$includes number as text", `{"views":{"$includes":0}}`, []int64{1, 2, 4}},
		{"$includes on a number column", `{"views":{"$includes":"10"}}`, []int64{1, 4}},
		{"$includes through belongs-to", `{"createdBy.nickname.$includes":"o'b"}`, []int64{5}},
		{"$includes through has-many", `{"comments":{"body":{"$includes":"TOO"}}}`, []int64{3}},

		{"$notIncludes skips NULL rows", `{"status":{"$notIncludes":"draft"}}`, []int64{1, 4}},
		{"$notIncludes case", `{"status":{"$notIncludes":"DRAFT"}}`, []int64{1, 4}},
		{"$notIncludes list is AND", `{"status":{"$notIncludes":["PUB","arch"]}}`, []int64{2, 5}},
		{"$notIncludes empty list matches every row", `{"status":{"$notIncludes":[]}}`, []int64{1, 2, 3, 4, 5}},
		{"$notIncludes null is IS NOT NULL", `{"status":{"$notIncludes":null}}`, []int64{1, 2, 4, 5}},
		{"$notIncludes non-ASCII", `{"title":{"$notIncludes":"ÉLL"}}`, []int64{1, 2, 4, 5}},
		{"$notIncludes %", `{"title":{"$notIncludes":"%"}}`, []int64{1, 3, 4, 5}},
		{"$notIncludes empty string", `{"title":{"$notIncludes":""}}`, nil},

		{"$startsWith", `{"title":{"$startsWith":"hello"}}`, []int64{1}},
		{"$startsWith non-ASCII", `{"title":{"$startsWith":"HÉ"}}`, []int64{3}},
		{"$startsWith _ literal", `{"title":{"$startsWith":"go tips_"}}`, []int64{2}},
		{"$startsWith _ not a wildcard", `{"title":{"$startsWith":"g_"}}`, nil},
		{"$startsWith list", `{"title":{"$startsWith":["IT'S","go"]}}`, []int64{2, 5}},
		{"$startsWith %", `{"title":{"$startsWith":"%"}}`, nil},
		{"$startsWith number", `{"views":{"$startsWith":1}}`, []int64{1, 4}},
		{"$notStartsWith keeps the empty title", `{"title":{"$notStartsWith":"H"}}`, []int64{2, 4, 5}},
		{"$notStartsWith skips NULL rows", `{"status":{"$notStartsWith":"d"}}`, []int64{1, 4}},
		{"$notStartsWith list", `{"title":{"$notStartsWith":["h","g"]}}`, []int64{4, 5}},

		{"$endWith", `{"title":{"$endWith":"WORLD"}}`, []int64{1}},
		{"$endsWith alias", `{"title":{"$endsWith":"World"}}`, []int64{1}},
		{"$endWith backslash", `{"title":{"$endWith":"\\ back"}}`, []int64{5}},
		{"$endWith list", `{"title":{"$endWith":["tricks","AGAIN"]}}`, []int64{2, 3}},
		{"$notEndWith", `{"title":{"$notEndWith":["world","again"]}}`, []int64{2, 4, 5}},
		{"$notEndsWith skips NULL rows", `{"status":{"$notEndsWith":"FT"}}`, []int64{1, 4}},

		{"$like is case-sensitive", `{"title":{"$like":"Hello%"}}`, []int64{1}},
		{"$like other case", `{"title":{"$like":"hello%"}}`, nil},
		{"$like _ wildcard", `{"title":{"$like":"%o_w%"}}`, []int64{1}},
		{"$like escaped %", `{"title":{"$like":"%100\\% t%"}}`, []int64{2}},
		{"$like escaped % not a wildcard", `{"title":{"$like":"%tips\\%"}}`, nil},
		{"$like escaped _", `{"title":{"$like":"%s\\_a%"}}`, []int64{2}},
		{"$like escaped backslash", `{"title":{"$like":"%\\\\ b%"}}`, []int64{5}},
		{"$like quotes", `{"title":{"$like":"It's \"quoted\"%"}}`, []int64{5}},
		{"$like % matches the empty title", `{"title":{"$like":"%"}}`, []int64{1, 2, 3, 4, 5}},
		{"$like empty pattern", `{"title":{"$like":""}}`, []int64{4}},
		{"$like non-ASCII", `{"title":{"$like":"h_llo%"}}`, []int64{3}},
		{"$like list", `{"title":{"$like":["Go%","It%"]}}`, []int64{2, 5}},
		{"$notLike", `{"title":{"$notLike":"%o%"}}`, []int64{4}},
		{"$notLike case", `{"title":{"$notLike":"hello%"}}`, []int64{1, 2, 3, 4, 5}},
		{"$notLike skips NULL rows", `{"status":{"$notLike":"d%"}}`, []int64{1, 4}},
		{"$iLike", `{"title":{"$iLike":"HELLO%"}}`, []int64{1}},
		{"$iLike non-ASCII", `{"title":{"$iLike":"HÉLLO%"}}`, []int64{3}},
		{"$iLike escaped %", `{"title":{"$iLike":"%100\\% T%"}}`, []int64{2}},
		{"$notILike", `{"title":{"$notILike":"h%"}}`, []int64{2, 4, 5}},
		{"$notILike skips NULL rows", `{"status":{"$notILike":"D%"}}`, []int64{1, 4}},

		{"$not of $includes", `{"$not":{"title":{"$includes":"o"}}}`, []int64{4}},
		{"$or of string operators", `{"$or":[{"title":{"$startsWith":"go"}},{"status":{"$includes":"ARCH"}}]}`, []int64{2, 4}},
	})
}

// strOpsNote is a model of our own for the strings the posts lack.
type strOpsNote struct {
	bun.BaseModel `bun:"table:str_ops_notes,alias:notes"`
	ID            int64     `bun:"id,pk"`
	Body          *string   `bun:"body"`
	Flag          bool      `bun:"flag"`
	At            time.Time `bun:"at"`
	Tags          []string  `bun:"tags,array"`
	Meta          []any     `bun:"meta"`
}

func seedStrOpsNotes(t *testing.T, db *bun.DB) *Schema {
	t.Helper()
	ctx := context.Background()
	if _, err := db.NewCreateTable().Model((*strOpsNote)(nil)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	bodies := map[int64]*string{
		1: ptr("a*b"), 2: ptr("x[1]?"), 3: ptr("ÉCOLE"), 4: ptr("école"), 5: ptr("Straße"),
		6: nil, 7: ptr("50% off_now"), 8: ptr("Élan"), 10: ptr(`back\slash`),
	}
	var notes []*strOpsNote
	for id := int64(1); id <= 10; id++ {
		if id == 9 {
			continue
		}
		notes = append(notes, &strOpsNote{ID: id, Body: bodies[id], At: day0})
	}
	if _, err := db.NewInsert().Model(&notes).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := SchemaFor(db, (*strOpsNote)(nil))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runModelCases is runCases for a model of one's own: setup creates and
// fills its table and returns its schema; the cases name the ids of its
// rows.
func runModelCases(t *testing.T, setup func(*testing.T, *bun.DB) *Schema, cases []filterCase) {
	t.Helper()
	ctx := context.Background()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := setup(t, db)
		for _, c := range cases {
			got, err := modelIDs(ctx, db, s, c.filter)
			if err != nil {
				t.Errorf("%s: %s: %v", c.name, c.filter, err)
				continue
			}
			if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("%s: %s = %v, want %v", c.name, c.filter, got, c.want)
			}
		}
	})
}

// modelIDs runs a filter on s's table and returns the matching ids,
// sorted; a database error is returned like a compile error.
func modelIDs(ctx context.Context, db *bun.DB, s *Schema, filter string) ([]int64, error) {
	q := db.NewSelect().TableExpr("? AS ?", bun.Ident(s.Table), bun.Ident(s.Alias)).ColumnExpr("?", bun.Ident(s.Alias+".id"))
	q, err := Apply(ctx, q, s, filter)
	if err != nil {
		return nil, err
	}
	var out []int64
	if err := q.Scan(ctx, &out); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

func TestStringOperatorsOnNotes(t *testing.T) {
	// Bodies: 1 "a*b", 2 "x[1]?", 3 "ÉCOLE", 4 "école", 5 "Straße",
	// 6 NULL, 7 "50% off_now", 8 "Élan", 10 `back\slash`.
	runModelCases(t, seedStrOpsNotes, []filterCase{
		{"$includes *", `{"body":{"$includes":"*"}}`, []int64{1}},
		{"$includes [", `{"body":{"$includes":"[1]"}}`, []int64{2}},
		{"$includes ?", `{"body":{"$includes":"?"}}`, []int64{2}},
		{"$includes lower finds upper", `{"body":{"$includes":"école"}}`, []int64{3, 4}},
		{"$includes upper finds lower", `{"body":{"$includes":"ÉCOLE"}}`, []int64{3, 4}},
		{"$includes mixed ASCII case", `{"body":{"$includes":"ÉcOlE"}}`, []int64{3, 4}},
		{"$includes accents count", `{"body":{"$includes":"ecole"}}`, nil},
		{"$startsWith title case finds title case", `{"body":{"$startsWith":"élan"}}`, []int64{8}},
		{"$includes ß", `{"body":{"$includes":"STRAßE"}}`, []int64{5}},
		{"$notIncludes é", `{"body":{"$notIncludes":"é"}}`, []int64{1, 2, 5, 7, 10}},
		{"$includes backslash", `{"body":{"$includes":"\\"}}`, []int64{10}},
		{"$endWith backslash word", `{"body":{"$endWith":"K\\SLASH"}}`, []int64{10}},
		{"$includes % and _", `{"body":{"$includes":"% off_"}}`, []int64{7}},
		{"$includes _ alone", `{"body":{"$includes":"_"}}`, []int64{7}},

		{"$like GLOB characters are literal", `{"body":{"$like":"a*b"}}`, []int64{1}},
		{"$like * is not a wildcard", `{"body":{"$like":"a*"}}`, nil},
		{"$like [ is literal", `{"body":{"$like":"x[1]_"}}`, []int64{2}},
		{"$like ? is literal", `{"body":{"$like":"%?"}}`, []int64{2}},
		{"$like case-sensitive with GLOB characters", `{"body":{"$like":"A*B"}}`, nil},
		{"$iLike with GLOB characters", `{"body":{"$iLike":"A*B"}}`, []int64{1}},
		{"$like non-ASCII is case-sensitive", `{"body":{"$like":"éCOLE"}}`, nil},
		{"$like non-ASCII", `{"body":{"$like":"_cole"}}`, []int64{4}},
		{"$iLike non-ASCII", `{"body":{"$iLike":"éCOLE"}}`, []int64{3, 4}},
		{"$like escaped backslash", `{"body":{"$like":"back\\\\slash"}}`, []int64{10}},
		{"$like backslash escapes a letter", `{"body":{"$like":"\\back%"}}`, []int64{10}},
		{"$like wildcards", `{"body":{"$like":"50% off_now"}}`, []int64{7}},
		{"$like wildcards match", `{"body":{"$like":"50%now"}}`, []int64{7}},
		{"$like escaped wildcards", `{"body":{"$like":"50\\% off\\_now"}}`, []int64{7}},
		{"$like escaped % is literal", `{"body":{"$like":"50\\%now"}}`, nil},
		{"$notLike", `{"body":{"$notLike":"%a%"}}`, []int64{2, 3, 4, 7}},
		{"$notILike", `{"body":{"$notILike":"%A%"}}`, []int64{2, 3, 4, 7}},
		{"$like list", `{"body":{"$like":["a%","x%"]}}`, []int64{1, 2}},
		{"$notLike list", `{"body":{"$notLike":["a%","x%"]}}`, []int64{3, 4, 5, 7, 8, 10}},
		{"$not of $notLike keeps NULL out", `{"$not":{"body":{"$notLike":"a%"}}}`, []int64{1}},
	})
}

// longList is a JSON list of n strings "v0", "v1", ... followed by extra.
func longList(n int, extra ...string) string {
	vals := make([]string, 0, n+len(extra))
	for i := range n {
		vals = append(vals, fmt.Sprintf("v%d", i))
	}
	b, _ := json.Marshal(append(vals, extra...))
	return string(b)
}

func TestStringOperatorsLongLists(t *testing.T) {
	// SQLite refuses expressions nested more than 1000 deep: a list as
	// long as DefaultLimits allows must still run.
	n := DefaultLimits.MaxValues - 1
	runModelCases(t, seedStrOpsNotes, []filterCase{
		{"$includes", `{"body":{"$includes":` + longList(n, "ÉCOLE") + `}}`, []int64{3, 4}},
		{"$notIncludes", `{"body":{"$notIncludes":` + longList(n, "é") + `}}`, []int64{1, 2, 5, 7, 10}},
		{"$like", `{"body":{"$like":` + longList(n, "a%") + `}}`, []int64{1}},
		{"$notILike", `{"body":{"$notILike":` + longList(n, "%A%") + `}}`, []int64{2, 3, 4, 7}},
	})
}

func TestStringOperatorErrors(t *testing.T) {
	ctx := context.Background()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		posts := seed(t, db)
		notes := seedStrOpsNotes(t, db)
		for _, c := range []struct {
			s      *Schema
			filter string
			want   string
		}{
			{posts, `{"title":{"$startsWith":null}}`, "not null"},
			{posts, `{"title":{"$notEndWith":null}}`, "not null"},
			{posts, `{"title":{"$like":null}}`, "not null"},
			{posts, `{"title":{"$includes":[null]}}`, "cannot be null"},
			{posts, `{"title":{"$includes":{"a":1}}}`, "wants a string"},
			{posts, `{"title":{"$includes":[["a"]]}}`, "wants a string"},
			{posts, `{"title":{"$like":"abc\\"}}`, "unescaped backslash"},
			{posts, `{"title":{"$notILike":"a\\\\\\"}}`, "unescaped backslash"},
			{posts, `{"title":{"$includes":"a\u0000b"}}`, "NUL"},
			{posts, `{"published":{"$includes":"t"}}`, "boolean field"},
			{posts, `{"created_at":{"$includes":"2024"}}`, "time field"},
			{posts, `{"meta":{"$includes":"en"}}`, "JSON field"},
			{notes, `{"tags":{"$includes":"x"}}`, "array field"},
			{notes, `{"meta":{"$like":"%x%"}}`, "JSON field"},
			{notes, `{"flag":{"$iLike":"t%"}}`, "boolean field"},
		} {
			_, err := modelIDs(ctx, db, c.s, c.filter)
			if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), c.want) {
				if len(c.filter) > 80 {
					c.filter = c.filter[:80] + "..."
				}
				t.Errorf("%s: error %v, want one saying %q", c.filter, err, c.want)
			}
		}
		// A pattern that ends in an escaped backslash is fine.
		if _, err := modelIDs(ctx, db, posts, `{"title":{"$like":"%\\\\"}}`); err != nil {
			t.Errorf("escaped trailing backslash: %v", err)
		}
	})
}

func TestStringOperatorHelpers(t *testing.T) {
	for in, want := range map[string]string{
		`a%b_c\d`: `a\%b\_c\\d`,
		`héllo`:   `héllo`,
		``:        ``,
	} {
		if got := escapeLikeLiteral(in); got != want {
			t.Errorf("escapeLikeLiteral(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		`a%b_c`:      `a*b?c`,
		`a\%b\_c`:    `a%b_c`,
		`*?[]`:       `[*][?][[]]`,
		`\*\?\[`:     `[*][?][[]`,
		`\\x\y`:      `\xy`,
		`%100\% _é_`: `*100% ?é?`,
	} {
		if got := likeToGlob(in); got != want {
			t.Errorf("likeToGlob(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string][]string{
		"hello":  {"hello"},
		"HeLLo":  {"HeLLo"},
		"héllo":  {"héllo", "HÉLLO"},
		"Élan":   {"Élan", "élan"},
		"%\\_":   {"%\\_"},
		"ÉCOLE":  {"ÉCOLE", "école"},
		"straße": {"straße"},
	} {
		if got := caseVariants(in); !slices.Equal(got, want) {
			t.Errorf("caseVariants(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]bool{`a\`: true, `a\\`: false, `a\\\`: true, `\`: true, ``: false, `a`: false} {
		if got := endsInEscape(in); got != want {
			t.Errorf("endsInEscape(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestPatternLengthLimit: every pattern operator refuses an operand over
// Limits.MaxPatternLength with ErrTooComplex at the operand's path, and
// takes one at the limit; a registry may raise the limit up to what
// SQLite's LIKE takes (likeMaxPattern bytes of finished pattern).
func TestPatternLengthLimit(t *testing.T) {
	ctx := context.Background()
	limit := DefaultLimits.MaxPatternLength
	ops := []string{"$includes", "$notIncludes", "$startsWith", "$notStartsWith", "$endWith", "$notEndWith",
		"$endsWith", "$notEndsWith", "$like", "$notLike", "$iLike", "$notILike"}
	atLimit := strings.Repeat("é", limit/2)       // limit bytes
	overLimit := strings.Repeat("x", limit) + "y" // limit+1 bytes
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		posts := seed(t, db)
		checked := 0
		for _, op := range ops {
			for _, tc := range []struct {
				value any
				path  string
			}{
				{overLimit, "title." + op},
				{[]any{"ok", overLimit}, "title." + op + ".1"},
			} {
				filter := map[string]any{"title": map[string]any{op: tc.value}}
				_, err := Where(ctx, posts, filter)
				var fe *Error
				if !errors.As(err, &fe) || fe.Kind != ErrTooComplex || fe.Path != tc.path || !strings.Contains(fe.Reason, "MaxPatternLength") {
					t.Errorf("%s with a %d-byte operand: error %v, want ErrTooComplex at %s", op, limit+1, err, tc.path)
				}
				checked++
			}
			if _, err := ids(t, ctx, db, posts, map[string]any{"title": map[string]any{op: atLimit}}); err != nil {
				t.Errorf("%s with a %d-byte operand (the limit): %v", op, len(atLimit), err)
			}
		}
		if checked != 2*len(ops) {
			t.Fatalf("checked %d refusals, want %d", checked, 2*len(ops))
		}

		// A raised limit still stops at SQLite's cap on finished patterns.
		reg := NewRegistry()
		reg.Limits.MaxPatternLength = likeMaxPattern
		for _, filter := range []string{
			`{"title":{"$includes":"` + strings.Repeat("x", likeMaxPattern) + `"}}`,
			`{"title":{"$like":"` + strings.Repeat("*", likeMaxPattern/2) + `"}}`, // GLOB writes [*]
		} {
			_, err := reg.Where(ctx, posts, filter)
			if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "at most") {
				t.Errorf("%.40s...: error %v, want the finished-pattern cap", filter, err)
			}
		}
		got, err := ApplyWith(reg, ctx, db.NewSelect().Model((*testPost)(nil)).Column("id"), posts,
			map[string]any{"title": map[string]any{"$includes": strings.Repeat("x", 1000)}})
		if err != nil {
			t.Fatalf("a 1000-byte operand under a raised limit: %v", err)
		}
		if n, err := got.Count(ctx); err != nil || n != 0 {
			t.Errorf("a 1000-byte operand under a raised limit: %d rows, %v", n, err)
		}
	})
	var zero Limits
	if zero.patternLength() != DefaultLimits.MaxPatternLength {
		t.Errorf("a zero MaxPatternLength means %d, want the default %d", zero.patternLength(), DefaultLimits.MaxPatternLength)
	}
}
