package datasync

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

var batchPattern = regexp.MustCompile(`^(\d{14})([1-9]\d{5})$`)

func TestNewTask(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		src := f.addSource(t, "hr", staticOptions{})
		before := time.Now().Truncate(time.Second)
		batches := map[string]bool{}
		for range 20 {
			task, err := f.m.newTask(ctx, src.ID)
			if err != nil {
				t.Fatal(err)
			}
			m := batchPattern.FindStringSubmatch(task.Batch)
			if m == nil {
				t.Fatalf("batch %q: want 14 digits of time and 6 random digits (100000–999999)", task.Batch)
			}
			at, err := time.ParseInLocation("20060102150405", m[1], time.Local)
			if err != nil || at.Before(before) || at.After(time.Now()) {
				t.Fatalf("batch %q: time %v (%v) is not now", task.Batch, at, err)
			}
			batches[task.Batch] = true
			got, err := f.m.Task(ctx, task.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != TaskInit || got.SourceID != src.ID || got.Cost != nil || got.Message != "" || got.Batch != task.Batch {
				t.Fatalf("new task = %+v, want init", got)
			}
		}
		if len(batches) < 19 { // the random part makes a repeat within a second very unlikely
			t.Fatalf("20 tasks got only %d distinct batches", len(batches))
		}
	})
}

// TestTaskStates walks a task through every allowed move and tries each
// move from every state it is refused in.
func TestTaskStates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		src := f.addSource(t, "hr", staticOptions{})
		task, err := f.m.newTask(ctx, src.ID)
		if err != nil {
			t.Fatal(err)
		}
		id := task.ID
		notIn := func(status string) string { return "Task [" + strconv.FormatInt(id, 10) + "] is not " + status + "." }
		want := func(status, message string, cost *int64) {
			t.Helper()
			got, err := f.m.Task(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != status || got.Message != message || (cost == nil) != (got.Cost == nil) || (cost != nil && *cost != *got.Cost) {
				t.Fatalf("task = %+v, want status %s, message %q, cost %v", got, status, message, cost)
			}
		}
		cost := int64(1234)
		steps := []struct {
			name    string
			move    func() error
			wantErr string // "" for a move that is allowed
		}{
			{"end from init", func() error { return f.m.endTask(ctx, id, true, 1, "") }, notIn(TaskProcessing)},
			{"retry from init", func() error { return f.m.retryTask(ctx, id) }, notIn(TaskFailed)},
			{"begin", func() error { return f.m.beginTask(ctx, id) }, ""},
			{"begin from processing", func() error { return f.m.beginTask(ctx, id) }, notIn(TaskInit)},
			{"retry from processing", func() error { return f.m.retryTask(ctx, id) }, notIn(TaskFailed)},
			{"end failed", func() error { return f.m.endTask(ctx, id, false, cost, "it broke") }, ""},
			{"end from failed", func() error { return f.m.endTask(ctx, id, true, 1, "") }, notIn(TaskProcessing)},
			{"begin from failed", func() error { return f.m.beginTask(ctx, id) }, notIn(TaskInit)},
			{"retry", func() error { return f.m.retryTask(ctx, id) }, ""},
			{"end success", func() error { return f.m.endTask(ctx, id, true, cost, "") }, ""},
			{"retry from success", func() error { return f.m.retryTask(ctx, id) }, notIn(TaskFailed)},
			{"begin from success", func() error { return f.m.beginTask(ctx, id) }, notIn(TaskInit)},
		}
		states := map[string]func(){
			"begin":       func() { want(TaskProcessing, "", nil) },
			"end failed":  func() { want(TaskFailed, "it broke", &cost) },
			"retry":       func() { want(TaskProcessing, "", &cost) },
			"end success": func() { want(TaskSuccess, "", &cost) },
		}
		for _, s := range steps {
			err := s.move()
			if s.wantErr == "" {
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				states[s.name]()
				continue
			}
			wantError(t, err, ErrTaskState, s.wantErr)
		}

		missing := id + 1000
		wantError(t, f.m.beginTask(ctx, missing), ErrTaskNotFound, "Task ["+strconv.FormatInt(missing, 10)+"] is not found.")
		_, err = f.m.Task(ctx, missing)
		wantError(t, err, ErrTaskNotFound, "Task ["+strconv.FormatInt(missing, 10)+"] is not found.")
		_, err = f.m.Wait(ctx, missing)
		wantError(t, err, ErrTaskNotFound, "Task ["+strconv.FormatInt(missing, 10)+"] is not found.")
		if got, err := f.m.Wait(ctx, id); err != nil || got.Status != TaskSuccess {
			t.Fatalf("Wait on an ended task = %+v, %v", got, err)
		}
	})
}

// TestTaskMovesOnce races instances moving one task: exactly one wins.
func TestTaskMovesOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		src := f.addSource(t, "hr", staticOptions{})
		task, err := f.m.newTask(ctx, src.ID)
		if err != nil {
			t.Fatal(err)
		}
		var won, lost atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				switch err := f.m.beginTask(ctx, task.ID); {
				case err == nil:
					won.Add(1)
				case errors.Is(err, ErrTaskState):
					lost.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 || lost.Load() != 7 {
			t.Fatalf("%d begins won and %d lost, want 1 and 7", won.Load(), lost.Load())
		}
	})
}

func TestTasksNewestFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		hr := f.addSource(t, "hr", staticOptions{})
		other := f.addSource(t, "other", staticOptions{})
		var want []int64
		for _, src := range []*SyncSource{hr, other, hr, hr} {
			task, err := f.m.newTask(ctx, src.ID)
			if err != nil {
				t.Fatal(err)
			}
			if src == hr {
				want = append([]int64{task.ID}, want...)
			}
		}
		tasks, err := f.m.Tasks(ctx, hr.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, task := range tasks {
			got = append(got, task.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Tasks = %v, want %v", got, want)
		}
		if none, err := f.m.Tasks(ctx, hr.ID+other.ID+100); err != nil || len(none) != 0 {
			t.Fatalf("Tasks of an unknown source = %v, %v; want none", none, err)
		}
	})
}
