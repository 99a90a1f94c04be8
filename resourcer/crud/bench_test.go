package crud_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
)

// BenchmarkList lists one page of 1,000 posts on SQLite through the
// resourcer: a filter, a sort, a page, the count for meta and JSON out.
func BenchmarkList(b *testing.B) {
	benchmarkList(b, nil)
}

// BenchmarkListReadable is BenchmarkList with a permission layer's
// Readable set: the request's filter compiles once more under the field
// guard, and the records keep only the readable keys.
func BenchmarkListReadable(b *testing.B) {
	benchmarkList(b, func(string) ([]string, bool) { return []string{"id", "title", "status", "views"}, false })
}

func benchmarkList(b *testing.B, readable func(string) ([]string, bool)) {
	db := dbtest.SQLite(b)
	ctx := context.Background()
	if _, err := db.NewCreateTable().Model((*post)(nil)).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	posts := make([]*post, 1000)
	for i := range posts {
		posts[i] = &post{Title: fmt.Sprint("post ", i), Body: "body", Status: []string{"draft", "published"}[i%2], Views: i % 97, CreatedByID: int64(i%10 + 1)}
	}
	if _, err := db.NewInsert().Model(&posts).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
	if readable != nil {
		err := rs.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rs.SetRequestReadable(r, readable)
				next.ServeHTTP(w, r)
			})
		}, resourcer.UseOptions{Tag: "acl"})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := crud.Define(rs, crud.Options{DB: db, Model: (*post)(nil)}); err != nil {
		b.Fatal(err)
	}
	target := `/api/posts?filter={"status":"published","views":{"$gt":10}}&sort=-views&page=2&pageSize=20`
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		rs.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		if w.Code != 200 {
			b.Fatal(w.Code, w.Body)
		}
	}
}
