package aclstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

// liveConverge bounds how long a test waits for stores to agree. It is a
// deadline against a hang, not a measure: the tests that measure say so.
const liveConverge = 15 * time.Second

// liveNode is one "process" of a fleet: its own connection pool, ACL and
// Store on the shared database.
type liveNode struct {
	db    *bun.DB
	acl   *acl.ACL
	store *Store
	// app is the pool's PostgreSQL application_name, which finds its
	// connections in pg_stat_activity ("" on SQLite).
	app string
}

// liveFleet is how a test wants its fleet: n stores, polling every poll.
type liveFleet struct {
	n    int
	poll time.Duration
	// noWatch leaves Watch to the test.
	noWatch bool
}

// liveEach runs fn on SQLite (a temporary file, opened once per store, in
// WAL mode, as separate processes would) and on PostgreSQL (a schema of
// dbtest's, with a connection pool per store), with the stores' tables
// created, every store Loaded and, unless noWatch, Watching until the test
// ends.
func liveEach(t *testing.T, f liveFleet, fn func(t *testing.T, nodes []*liveNode)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "acl.db")
		fn(t, liveStart(t, f, func(t testing.TB) (*bun.DB, string) { return liveOpenSQLite(t, path), "" }))
	})
	t.Run("pg", func(t *testing.T) { fn(t, liveStart(t, f, livePGOpener(t))) })
}

// liveEachPG is liveEach on PostgreSQL only, for what only it has
// (LISTEN/NOTIFY, concurrent writers).
func liveEachPG(t *testing.T, f liveFleet, fn func(t *testing.T, nodes []*liveNode)) {
	t.Helper()
	t.Run("pg", func(t *testing.T) { fn(t, liveStart(t, f, livePGOpener(t))) })
}

// liveOpenSQLite opens a pool on the database file at path. Its busy
// timeout is longer than the default: the burst tests keep two processes'
// writers and every store's reloads on one file at once, under -race, and
// SQLite serves one writer at a time.
func liveOpenSQLite(t testing.TB, path string) *bun.DB {
	t.Helper()
	db, err := sqlitedb.Open(context.Background(), path, sqlitedb.Options{BusyTimeout: time.Minute})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// livePGOpener returns a function opening pools on one fresh dbtest schema,
// each with an application_name of its own.
func livePGOpener(t testing.TB) func(t testing.TB) (*bun.DB, string) {
	t.Helper()
	owner := dbtest.Postgres(t)
	var schema string
	if err := owner.QueryRowContext(context.Background(), "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatalf("current_schema: %v", err)
	}
	return func(t testing.TB) (*bun.DB, string) { return liveOpenPG(t, schema) }
}

func liveOpenPG(t testing.TB, schema string) (*bun.DB, string) {
	t.Helper()
	app := "live_" + strings.ToLower(rand.Text()[:12])
	connector := pgdriver.NewConnector(
		pgdriver.WithDSN(dbtest.PostgresDSN()),
		pgdriver.WithTimeout(10*time.Second),
		pgdriver.WithConnParams(map[string]any{"search_path": schema, "application_name": app}),
	)
	db := bun.NewDB(sql.OpenDB(connector), pgdialect.New())
	t.Cleanup(func() { db.Close() })
	return db, app
}

func liveStart(t testing.TB, f liveFleet, open func(t testing.TB) (*bun.DB, string)) []*liveNode {
	t.Helper()
	ctx := context.Background()
	channel := "gh_live_" + strings.ToLower(rand.Text()[:12])
	nodes := make([]*liveNode, f.n)
	for i := range nodes {
		db, app := open(t)
		if i == 0 {
			if err := CreateTables(ctx, db); err != nil {
				t.Fatalf("CreateTables: %v", err)
			}
		}
		a := liveNewACL(t)
		s := New(db, a, Options{PollInterval: f.poll, Channel: channel})
		if err := s.Load(ctx); err != nil {
			t.Fatalf("store %d: Load: %v", i, err)
		}
		nodes[i] = &liveNode{db: db, acl: a, store: s, app: app}
	}
	if !f.noWatch {
		for _, n := range nodes {
			liveWatch(t, n)
		}
	}
	return nodes
}

// liveWatch runs n's Watch until the test ends, and then checks it
// returned nil.
func liveWatch(t testing.TB, n *liveNode) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.store.Watch(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch returned %v after its context ended, want nil", err)
		}
	})
	if n.app != "" {
		liveListenerPID(t, n)
	}
}

// liveNewACL is the ACL configuration every node shares, as the processes
// of one service would.
func liveNewACL(t testing.TB) *acl.ACL {
	t.Helper()
	a := acl.New()
	a.SetAvailableAction("view", acl.ActionOptions{Aliases: []string{"get", "list"}})
	a.SetAvailableAction("create", acl.ActionOptions{})
	a.SetAvailableAction("update", acl.ActionOptions{})
	a.SetAvailableAction("destroy", acl.ActionOptions{})
	for _, s := range []acl.Snippet{
		{Name: "ui.menu", Actions: []string{"uiSchemas:*"}},
		{Name: "pm", Actions: []string{"pm:*"}},
		{Name: "pm.users", Actions: []string{"users:*"}},
	} {
		if err := a.RegisterSnippet(s); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// liveListenerPID waits until n's Watch listens and returns the PostgreSQL
// process id of its listening connection.
func liveListenerPID(t testing.TB, n *liveNode) int64 {
	t.Helper()
	var pid int64
	liveEventually(t, "store "+n.app+" listens", func() bool {
		err := n.db.QueryRowContext(context.Background(),
			`SELECT pid FROM pg_stat_activity WHERE application_name = ? AND query LIKE 'LISTEN%' ORDER BY backend_start DESC LIMIT 1`,
			n.app).Scan(&pid)
		return err == nil
	})
	return pid
}

// liveEventually waits until cond holds, failing the test after
// liveConverge.
func liveEventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(liveConverge)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: not yet: %s", liveConverge, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// liveWaitCan waits until a's answer to role doing resource:action is
// want, and returns how long that took.
func liveWaitCan(t testing.TB, a *acl.ACL, role, resource, action string, want bool, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		_, ok := a.Can(acl.CanArgs{Role: role, Resource: resource, Action: action})
		if ok == want {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("after %s, Can(%s, %s:%s) = %v, want %v", limit, role, resource, action, ok, want)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// liveRolesJSON is every role of a, as NocoBase's role.toJSON(), sorted by
// name: two ACLs with equal liveRolesJSON answer alike.
func liveRolesJSON(t testing.TB, a *acl.ACL) string {
	t.Helper()
	b, err := json.Marshal(liveRoles(t, a))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// liveRoles is every role of a as toJSON, by name.
func liveRoles(t testing.TB, a *acl.ACL) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for _, name := range a.Roles() {
		r, ok := a.GetRole(name)
		if !ok {
			continue // removed between Roles and GetRole
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("marshal role %s: %v", name, err)
		}
		out[name] = b
	}
	return out
}

// liveWaitSameRoles waits until every node's roles equal nodes[0]'s. On
// failure it shows the roles that differ, and the tables' version of them
// (a fresh Load).
func liveWaitSameRoles(t testing.TB, nodes []*liveNode) {
	t.Helper()
	for i, n := range nodes[1:] {
		deadline := time.Now().Add(liveConverge)
		for liveRolesJSON(t, n.acl) != liveRolesJSON(t, nodes[0].acl) {
			if time.Now().After(deadline) {
				t.Fatalf("store %d never converged on store 0's roles:\n%s", i+1, liveRolesDiff(t, nodes[0], n))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func liveRolesDiff(t testing.TB, want, got *liveNode) string {
	t.Helper()
	fresh := liveNewACL(t)
	if err := New(want.db, fresh, Options{}).Load(context.Background()); err != nil {
		t.Fatalf("fresh Load: %v", err)
	}
	w, g, db := liveRoles(t, want.acl), liveRoles(t, got.acl), liveRoles(t, fresh)
	var b strings.Builder
	for name := range w {
		if string(w[name]) != string(g[name]) {
			fmt.Fprintf(&b, "role %s\n  store 0: %s\n  store n: %s\n  tables:  %s\n", name, w[name], g[name], db[name])
		}
	}
	for name := range g {
		if _, ok := w[name]; !ok {
			fmt.Fprintf(&b, "role %s only in store n: %s\n", name, g[name])
		}
	}
	return b.String()
}

// liveCreateRole creates a role without snippets through n.
func liveCreateRole(t testing.TB, n *liveNode, name string) {
	t.Helper()
	if err := n.store.CreateRole(context.Background(), &Role{Name: name, Snippets: []string{}}); err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
}

// liveLogs is a slog.Handler keeping the messages logged, so that a test
// can wait for the store to have noticed something.
type liveLogs struct {
	mu   sync.Mutex
	msgs []string
}

func (l *liveLogs) Enabled(context.Context, slog.Level) bool { return true }
func (l *liveLogs) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *liveLogs) WithGroup(string) slog.Handler            { return l }

func (l *liveLogs) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}

// has reports whether a message starting with prefix was logged.
func (l *liveLogs) has(prefix string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.msgs, func(m string) bool { return strings.HasPrefix(m, prefix) })
}
