package crud_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
)

// statementLog records the statements a database runs, by their first
// word(s).
type statementLog struct {
	mu    sync.Mutex
	verbs []string
}

var leadingComment = regexp.MustCompile(`^\s*/\*.*?\*/\s*`)

func (l *statementLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (l *statementLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	q := strings.Fields(leadingComment.ReplaceAllString(e.Query, ""))
	verb := strings.ToUpper(q[0])
	if verb == "BEGIN" && len(q) > 1 {
		verb += " " + strings.ToUpper(q[1])
	}
	l.mu.Lock()
	l.verbs = append(l.verbs, verb)
	l.mu.Unlock()
}

func (l *statementLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.verbs
	l.verbs = nil
	return out
}

// TestWriteRoundTrips is issue #9 class 13: update and destroy are one
// scoped statement each (no BEGIN/SELECT/UPDATE/SELECT/COMMIT), and the
// upserts one transaction that on SQLite takes the write lock up front.
func TestWriteRoundTrips(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		log := &statementLog{}
		h := wAPI(t, db.WithQueryHook(log), crud.Options{})
		// A transaction starts by taking its lock: SQLite's write lock, or
		// a PostgreSQL advisory lock on the row's identity.
		tx := func(stmts ...string) []string {
			if db.Dialect().Name().String() == "sqlite" {
				return append([]string{"BEGIN IMMEDIATE"}, stmts...)
			}
			return append([]string{"BEGIN", "SELECT"}, stmts...)
		}
		member := &wGrant{params: map[string]any{"filter": own}}
		for _, c := range []struct {
			name                 string
			method, target, body string
			want                 []string
		}{
			{"update by key", "PUT", "/api/articles/1", `{"body":"x"}`, []string{"UPDATE"}},
			{"update by filter", "POST", `/api/articles:update?filter={"views":{"$gt":0}}`, `{"body":"y"}`, []string{"UPDATE"}},
			{"update of nothing", "PUT", "/api/articles/1", `{}`, []string{"SELECT"}},
			{"create", "POST", "/api/articles", `{"title":"n"}`, []string{"INSERT"}},
			{"destroy", "DELETE", "/api/articles/4", "", []string{"DELETE"}},
			{"updateOrCreate finds", "POST", "/api/articles:updateOrCreate?filterKeys=title", `{"title":"a1","body":"z"}`, tx("UPDATE", "COMMIT")},
			{"updateOrCreate creates", "POST", "/api/articles:updateOrCreate?filterKeys=title", `{"title":"u","body":"z"}`, tx("UPDATE", "INSERT", "COMMIT")},
			{"firstOrCreate finds", "POST", "/api/articles:firstOrCreate?filterKeys=title", `{"title":"a2"}`, tx("SELECT", "COMMIT")},
			{"firstOrCreate creates", "POST", "/api/articles:firstOrCreate?filterKeys=title", `{"title":"f"}`, tx("SELECT", "INSERT", "COMMIT")},
		} {
			log.take()
			wWant(t, c.name, wDo(t, h, member, 2, c.method, c.target, c.body), 200, "")
			wDiff(t, c.name+": statements", c.want, log.take())
		}
	})
}

// TestConcurrentWrites: concurrent updates, creates and upserts of the same
// rows all succeed, on both databases and on a SQLite WAL file with a pool
// (where a deferred transaction would fail with "database is locked").
func TestConcurrentWrites(t *testing.T) {
	run := func(t *testing.T, db *bun.DB) {
		h := wAPI(t, db, crud.Options{})
		const workers, each = 16, 15
		var wg sync.WaitGroup
		failures := make(chan string, workers*each)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					method, target, body := concurrentWrite(w, i)
					if r := wDo(t, h, nil, 1, method, target, body); r.Code != 200 {
						failures <- fmt.Sprintf("%s %s: %d %+v", method, target, r.Code, r.Errors)
					}
				}
			})
		}
		wg.Wait()
		close(failures)
		n := 0
		for f := range failures {
			if n++; n <= 5 {
				t.Error(f)
			}
		}
		if n > 0 {
			t.Errorf("%d of %d concurrent writes failed", n, workers*each)
		}
		rows := wRows(t, db)
		// 3 seeded, 5 creates per worker, and each shared title once.
		if want := 3 + workers*5 + 2; len(rows) != want {
			t.Errorf("%d rows after the writes, want %d", len(rows), want)
		}
		for _, r := range rows[:3] {
			if !strings.HasPrefix(r.Body, "w") || r.Views < 1000 {
				t.Errorf("row %d was not updated: %+v", r.ID, r)
			}
		}
	}
	dbtest.Each(t, run)
	t.Run("sqlite-wal", func(t *testing.T) {
		run(t, openSQLiteFile(t, filepath.Join(t.TempDir(), "w.db"), 30000, 8)) // a generous busy timeout: -race on a loaded 2-core machine stretches every lock
	})
}

// concurrentWrite is worker w's i-th write: an update of a shared row, a
// create, or an upsert of a shared title.
func concurrentWrite(w, i int) (method, target, body string) {
	switch i % 3 {
	case 0:
		return "PUT", fmt.Sprintf("/api/articles/%d", 1+(w+i)%3), fmt.Sprintf(`{"body":"w%d-%d","views":%d}`, w, i, 1000+i)
	case 1:
		return "POST", "/api/articles", fmt.Sprintf(`{"title":"w%d-%d"}`, w, i)
	}
	return "POST", "/api/articles:updateOrCreate?filterKeys=title", fmt.Sprintf(`{"title":"shared-%d","views":%d}`, i%2, i)
}
