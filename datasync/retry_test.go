package datasync

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// TestSchedulerRetries runs an hourly source whose first reads fail, with
// tiny back-offs: transient failures (ErrSourceAPI, ErrIncomplete) are
// retried in the same task after 30 ms, then 60 ms…, up to the policy's
// attempts; any other failure, or no "retry" option, is not.
func TestSchedulerRetries(t *testing.T) {
	apiErr := fmt.Errorf("deltadir: the directory answered 503: %w", ErrSourceAPI)
	shortErr := fmt.Errorf("deltadir: page 3 never came: %w", ErrIncomplete)
	retry := map[string]any{"attempts": 3.0, "backoff": "30ms"}
	cases := []struct {
		name   string
		retry  map[string]any
		fail   []error
		reads  int
		status string
	}{
		{"transient twice then success", retry, []error{apiErr, shortErr}, 3, TaskSuccess},
		{"attempts run out", map[string]any{"attempts": 2.0, "backoff": "30ms"}, []error{apiErr, apiErr, apiErr, apiErr}, 3, TaskFailed},
		{"not transient", retry, []error{errors.New("deltadir: the mapping names no uid column")}, 1, TaskFailed},
		{"transient then not transient", retry, []error{apiErr, errors.New("deltadir: bad row")}, 2, TaskFailed},
		{"no retry option", nil, []error{apiErr}, 1, TaskFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				f := newTaskFixture(t, db)
				dir := newDeltaDir("1", "2")
				dir.failNext(tc.fail...)
				options := map[string]any{"schedule": map[string]any{"every": "1h"}}
				if tc.retry != nil {
					options["retry"] = tc.retry
				}
				row := addDeltaSource(t, f.m, "flaky", dir, options)
				stop := runScheduler(t, NewScheduler(f.m, SchedulerOptions{Tick: 10 * time.Millisecond}))
				// Long enough for every retry (30+60+120 ms) and for one
				// that should not come.
				time.Sleep(700 * time.Millisecond)
				stop()

				tasks := settledTasks(t, f.m, row.ID)
				if len(tasks) != 1 || tasks[0].Status != tc.status {
					t.Fatalf("tasks %+v, want one, %s", tasks, tc.status)
				}
				reads := dir.readLog()
				if len(reads) != tc.reads {
					t.Fatalf("%d reads, want %d: %+v", len(reads), tc.reads, reads)
				}
				wait := 30 * time.Millisecond
				for i := 1; i < len(reads); i++ {
					if gap := reads[i].at.Sub(reads[i-1].at); gap < wait {
						t.Fatalf("retry %d came %v after the read before it, want at least %v", i, gap, wait)
					}
					wait *= 2
				}
				want := 0
				if tc.status == TaskSuccess {
					want = 2
				}
				if n := len(f.nicknames(t)); n != want {
					t.Fatalf("%d people synced, want %d", n, want)
				}
			})
		})
	}
}
