// Package synctest gives sync tests a real directory: the users and sync
// tables on a test database and a manager with the built-in resources
// (users.NewSyncManager), closed when the test ends.
package synctest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/users"
)

// Directory returns a manager over db with the built-in resources and
// quiet logs.
func Directory(t testing.TB, db *bun.DB) *datasync.Manager {
	t.Helper()
	m, err := users.NewSyncManager(context.Background(), db, users.Options{}, datasync.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// PullOK pulls the source named name as a task, waits for it (up to 30
// s), and fails the test unless the task succeeded.
func PullOK(t testing.TB, m *datasync.Manager, name string) *datasync.SyncTask {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := m.Pull(ctx, name)
	if err != nil {
		t.Fatalf("pull %s: %v", name, err)
	}
	task, err := m.Wait(ctx, id)
	if err != nil {
		t.Fatalf("wait for the pull of %s: %v", name, err)
	}
	if task.Status != datasync.TaskSuccess {
		t.Fatalf("pull %s: task %s: %s", name, task.Status, task.Message)
	}
	return task
}

// CountRows reads one pass over t and returns its rows, failing the test
// on any error.
func CountRows(tb testing.TB, t tabular.Table) int {
	tb.Helper()
	rs, err := t.Open(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer rs.Close()
	rows := 0
	for {
		_, _, err := rs.Next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			tb.Fatal(err)
		}
		rows++
	}
}
