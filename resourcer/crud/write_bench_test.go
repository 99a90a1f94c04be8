package crud_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
)

// BenchmarkUpdate updates one row by key through the resourcer on SQLite
// under a grant (own rows, a blacklist, what it may read): parsing, the
// write scope, one UPDATE … RETURNING and JSON out.
func BenchmarkUpdate(b *testing.B) {
	db := dbtest.SQLite(b)
	h := wAPI(b, db, crud.Options{})
	g := &wGrant{
		params:   map[string]any{"filter": own, "blacklist": []any{"status", "secret"}},
		readable: map[string][]string{"articles": {"id", "title", "body", "views"}},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		req := httptest.NewRequest("PUT", "/api/articles/1", strings.NewReader(fmt.Sprintf(`{"body":"b%d","views":%d,"status":"x"}`, i, i)))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, withGrant(req, g, 2))
		if w.Code != 200 {
			b.Fatal(w.Code, w.Body)
		}
	}
}
