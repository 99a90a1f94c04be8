package filterop

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// The test models: posts by users, with comments and tags.

type testUser struct {
	bun.BaseModel `bun:"table:users,alias:users"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Nickname      string `bun:"nickname"`
	Email         string `bun:"email,nullzero"`
}

type testPost struct {
	bun.BaseModel `bun:"table:posts,alias:posts"`
	ID            int64          `bun:"id,pk,autoincrement"`
	Title         string         `bun:"title" json:"title"`
	Status        string         `bun:"status,nullzero"`
	Views         int            `bun:"views"`
	Score         *float64       `bun:"score"`
	Published     *bool          `bun:"published"`
	CreatedByID   int64          `bun:"created_by_id" json:"createdById"`
	CreatedBy     *testUser      `bun:"rel:belongs-to,join:created_by_id=id"`
	CreatedAt     time.Time      `bun:"created_at,nullzero"`
	Meta          map[string]any `bun:"meta,type:jsonb"`
	Secret        string         `bun:"secret" json:"-"`
	Comments      []*testComment `bun:"rel:has-many,join:id=post_id"`
	Tags          []*testTag     `bun:"m2m:posts_tags,join:Post=Tag"`
}

type testComment struct {
	bun.BaseModel `bun:"table:comments,alias:comments"`
	ID            int64  `bun:"id,pk,autoincrement"`
	PostID        int64  `bun:"post_id"`
	Body          string `bun:"body"`
}

type testTag struct {
	bun.BaseModel `bun:"table:tags,alias:tags"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Name          string `bun:"name"`
}

type testPostTag struct {
	bun.BaseModel `bun:"table:posts_tags,alias:posts_tags"`
	PostID        int64     `bun:"post_id,pk"`
	Post          *testPost `bun:"rel:belongs-to,join:post_id=id"`
	TagID         int64     `bun:"tag_id,pk"`
	Tag           *testTag  `bun:"rel:belongs-to,join:tag_id=id"`
}

func ptr[T any](v T) *T { return &v }

var (
	day0 = time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	// The seeded posts; tests name the ids they expect.
	seedPosts = []*testPost{
		{ID: 1, Title: "Hello world", Status: "published", Views: 10, Score: ptr(1.5), Published: ptr(true), CreatedByID: 1, CreatedAt: day0, Meta: map[string]any{"lang": "en"}},
		{ID: 2, Title: "Go tips_and 100% tricks", Status: "draft", Views: 0, Published: ptr(false), CreatedByID: 1, CreatedAt: day0.Add(24 * time.Hour)},
		{ID: 3, Title: "héllo again", Status: "", Views: 5, Score: ptr(-2.0), CreatedByID: 2, CreatedAt: day0.Add(48 * time.Hour)},
		{ID: 4, Title: "", Status: "archived", Views: 100, Published: ptr(true), CreatedByID: 2},
		{ID: 5, Title: "It's \"quoted\" \\ back", Status: "draft", Views: 7, CreatedByID: 3, CreatedAt: day0.Add(-24 * time.Hour)},
	}
)

// seed creates the tables and rows on db and returns the Post schema.
func seed(t testing.TB, db *bun.DB) *Schema {
	t.Helper()
	ctx := context.Background()
	db.RegisterModel((*testPostTag)(nil))
	for _, m := range []any{(*testUser)(nil), (*testPost)(nil), (*testComment)(nil), (*testTag)(nil), (*testPostTag)(nil)} {
		if _, err := db.NewCreateTable().Model(m).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	users := []*testUser{{ID: 1, Nickname: "ann", Email: "ann@example.com"}, {ID: 2, Nickname: "bob"}, {ID: 3, Nickname: "O'Brien"}}
	comments := []*testComment{{PostID: 1, Body: "nice"}, {PostID: 1, Body: "spam"}, {PostID: 3, Body: "nice too"}}
	tags := []*testTag{{ID: 1, Name: "go"}, {ID: 2, Name: "sql"}}
	links := []*testPostTag{{PostID: 1, TagID: 1}, {PostID: 2, TagID: 1}, {PostID: 2, TagID: 2}, {PostID: 4, TagID: 2}}
	for _, rows := range []any{&users, &seedPosts, &comments, &tags, &links} {
		if _, err := db.NewInsert().Model(rows).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	s, err := SchemaFor(db, (*testPost)(nil))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ids runs a filter on the posts and returns the matching ids, sorted.
func ids(t *testing.T, ctx context.Context, db *bun.DB, s *Schema, filter any) ([]int64, error) {
	t.Helper()
	var posts []*testPost
	q, err := Apply(ctx, db.NewSelect().Model(&posts), s, filter)
	if err != nil {
		return nil, err
	}
	if err := q.Scan(ctx); err != nil {
		t.Fatalf("filter %v: %v", filter, err)
	}
	out := make([]int64, 0, len(posts))
	for _, p := range posts {
		out = append(out, p.ID)
	}
	slices.Sort(out)
	return out, nil
}

// filterCase is one filter and the posts it must return on every database.
type filterCase struct {
	name   string
	filter string
	want   []int64
}

func runCases(t *testing.T, ctx context.Context, cases []filterCase) {
	t.Helper()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := seed(t, db)
		for _, c := range cases {
			got, err := ids(t, ctx, db, s, c.filter)
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
