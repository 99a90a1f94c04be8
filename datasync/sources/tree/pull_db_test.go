package tree_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tree"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// directoryWrites counts the rows a directory's queries insert, update
// and delete, leaving out the task bookkeeping every pull does.
type directoryWrites struct{ n *atomic.Int64 }

func (directoryWrites) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (w directoryWrites) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if e.Err != nil || e.Result == nil || strings.Contains(e.Query, "userDataSyncTasks") {
		return
	}
	switch e.Operation() {
	case "INSERT", "UPDATE", "DELETE":
		n, _ := e.Result.RowsAffected()
		w.n.Add(n)
	}
}

// deptRow is what the test checks of a department.
type deptRow struct {
	Parent string // the parent's title, "" at the top level
	IsLeaf bool
	Sort   int64
}

func TestPullIntoDirectory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
			t.Fatal(err)
		}
		if err := datasync.CreateTables(ctx, db); err != nil {
			t.Fatal(err)
		}
		var writes atomic.Int64
		m := datasync.NewManager(db.WithQueryHook(directoryWrites{&writes}), datasync.Options{Logger: slog.New(slog.DiscardHandler)})
		t.Cleanup(func() { m.Close() })
		if err := users.RegisterSyncResources(m, users.Options{}); err != nil {
			t.Fatal(err)
		}
		// Children come before their parents; Paris and R&D have no users.
		table := parseTable("did,fid,title,ord\n" +
			"berlin,emea,Berlin,2\n" +
			"paris,emea,Paris,1\n" +
			"emea,sales,EMEA,1\n" +
			"sales,\\N,Sales,1\n" +
			"rnd,\\N,R&D,2")
		opts := tree.Options{Title: "title", Fields: map[string]string{"sort": "ord"}, ChunkSize: 2}
		err := m.RegisterSourceType("tree", datasync.SourceType{Title: "Tree dataset", New: func(datasync.SourceConfig) (datasync.Source, error) {
			return tree.NewSource(table, opts)
		}})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.AddSource(ctx, &datasync.SyncSource{Name: "hr", SourceType: "tree", Enabled: true}); err != nil {
			t.Fatal(err)
		}
		pullAndWait(t, m)
		_, err = m.UpdateOrCreate(ctx, datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "hr", Records: []datasync.Record{
			{"uid": "e1", "nickname": "Ada", "departments": []any{"berlin"}},
		}})
		if err != nil {
			t.Fatalf("sync a user into berlin: %v", err)
		}
		want := map[string]deptRow{
			"Sales":  {Parent: "", IsLeaf: false, Sort: 1},
			"R&D":    {Parent: "", IsLeaf: true, Sort: 2},
			"EMEA":   {Parent: "Sales", IsLeaf: false, Sort: 1},
			"Berlin": {Parent: "EMEA", IsLeaf: true, Sort: 2},
			"Paris":  {Parent: "EMEA", IsLeaf: true, Sort: 1},
		}
		if diff := cmp.Diff(want, departments(t, db)); diff != "" {
			t.Errorf("departments (-want +got):\n%s", diff)
		}

		if writes.Load() == 0 {
			t.Fatal("the write counter saw no writes: it would pass anything")
		}
		writes.Store(0)
		pullAndWait(t, m)
		if n := writes.Load(); n != 0 {
			t.Errorf("pulling the same tree again wrote %d rows, want 0", n)
		}
		if diff := cmp.Diff(want, departments(t, db)); diff != "" {
			t.Errorf("departments after the second pull (-want +got):\n%s", diff)
		}
	})
}

func pullAndWait(t *testing.T, m *datasync.Manager) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := m.Pull(ctx, "hr")
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	task, err := m.Wait(ctx, id)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if task.Status != datasync.TaskSuccess {
		t.Fatalf("task %s: %s", task.Status, task.Message)
	}
}

// departments returns the directory's departments by title.
func departments(t *testing.T, db *bun.DB) map[string]deptRow {
	t.Helper()
	var rows []users.Department
	if err := db.NewSelect().Model(&rows).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	titles := map[int64]string{}
	for _, d := range rows {
		titles[d.ID] = d.Title
	}
	out := map[string]deptRow{}
	for _, d := range rows {
		r := deptRow{IsLeaf: d.IsLeaf, Sort: d.Sort}
		if d.ParentID != nil {
			r.Parent = titles[*d.ParentID]
		}
		out[d.Title] = r
	}
	return out
}
