package datasync_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func uids(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprint(i))
	}
	return out
}

// planned lists the uids a task's plan has the users resource update to
// enabled false, and those it deletes.
func planned(plans []*datasync.Plan) (disabled, deleted []string) {
	for _, p := range plans {
		if p.DataType != datasync.DataTypeUser {
			continue
		}
		for _, rp := range p.Resources {
			if rp.Resource != "users" {
				continue
			}
			for _, c := range rp.Updates {
				if c.Values["enabled"] == false {
					disabled = append(disabled, c.UID)
				}
			}
			for _, c := range rp.Deletes {
				deleted = append(deleted, c.UID)
			}
		}
	}
	return disabled, deleted
}

func (f *dirFixture) nextNotice(t *testing.T) datasync.Notice {
	t.Helper()
	select {
	case n := <-f.notices:
		return n
	case <-time.After(10 * time.Second):
		t.Fatal("no notice")
		return datasync.Notice{}
	}
}

func (f *dirFixture) approve(t *testing.T, id int64) *datasync.SyncTask {
	t.Helper()
	got, err := f.m.Approve(context.Background(), id)
	if err != nil || got != id {
		t.Fatalf("Approve(%d) = %d, %v", id, got, err)
	}
	return f.wait(t, id)
}

// The threshold end to end: a refused pull awaits approval with its plan
// and writes nothing; Approve applies exactly that plan.
func TestPendingApprovalThenApprove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, map[string]any{"deletionLimits": map[string]any{"percent": 30}})
		f.setUsers(t, persons(uids(1, 9)...)...)
		f.pullOK(t)
		f.setUsers(t, persons("1", "2", "3")...)
		task := f.pull(t)
		const msg = "synced users would be reduced by 67% (6), reaching the 30% threshold"
		if task.Status != datasync.TaskPendingApproval || task.Message != msg {
			t.Fatalf("task = %s %q, want pendingApproval %q", task.Status, task.Message, msg)
		}
		if diff := cmp.Diff(states(uids(1, 9), nil), f.enabled(t)); diff != "" {
			t.Fatalf("users after the refused pull (-want +got):\n%s", diff)
		}
		if _, ok := f.record(t, datasync.DataTypeUser, "4").MetaData[datasync.MissingSinceKey]; ok {
			t.Fatal("a refused pull marked 4 missing")
		}
		disabled, deleted := planned(task.Plan)
		if diff := cmp.Diff(uids(4, 9), disabled); diff != "" || deleted != nil || task.Fingerprint == "" {
			t.Fatalf("the task's plan disables (-want +got):\n%s\ndeletes %v, fingerprint %q", diff, deleted, task.Fingerprint)
		}
		n := f.nextNotice(t)
		if n.Kind != datasync.NoticeApproval || n.TaskID != task.ID || n.SourceName != "hr" || n.Message != msg {
			t.Fatalf("notice = %+v, want an approval notice for task %d", n, task.ID)
		}
		// Retry is for failed tasks, not for approvals.
		if _, err := f.m.Retry(context.Background(), task.ID); !errors.Is(err, datasync.ErrTaskState) {
			t.Fatalf("Retry of a pendingApproval task: %v, want ErrTaskState", err)
		}

		done := f.approve(t, task.ID)
		if done.Status != datasync.TaskSuccess || done.Plan != nil || done.Fingerprint != "" || done.Message != "" {
			t.Fatalf("approved task = %s %q plan %v fingerprint %q, want success with its plan cleared", done.Status, done.Message, done.Plan, done.Fingerprint)
		}
		if diff := cmp.Diff(states([]string{"1", "2", "3"}, uids(4, 9)), f.enabled(t)); diff != "" {
			t.Fatalf("users after the approval (-want +got):\n%s", diff)
		}
		if _, err := f.m.Approve(context.Background(), task.ID); !errors.Is(err, datasync.ErrTaskState) || err.Error() != fmt.Sprintf("Task [%d] is not pendingApproval.", task.ID) {
			t.Fatalf("second Approve: %v, want ErrTaskState", err)
		}
		// A pending approval is told every time, even while the failure
		// reminder would be quiet.
		f.setUsers(t, persons("1")...)
		for range 2 {
			if task := f.pull(t); task.Status != datasync.TaskPendingApproval {
				t.Fatalf("task = %s %q, want pendingApproval", task.Status, task.Message)
			}
			if n := f.nextNotice(t); n.Kind != datasync.NoticeApproval {
				t.Fatalf("notice = %+v, want an approval", n)
			}
		}
	})
}

// Approving after the source changed plans again: pending with the new
// plan when still over the limits, success when within them.
func TestApproveReplans(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, map[string]any{"onMissing": "delete", "deletionLimits": map[string]any{"percent": 30}})
		f.setUsers(t, persons(uids(1, 9)...)...)
		f.pullOK(t)
		f.setUsers(t, persons("1", "2", "3")...)
		first := f.pull(t)
		if first.Status != datasync.TaskPendingApproval {
			t.Fatalf("task = %s %q, want pendingApproval", first.Status, first.Message)
		}
		f.nextNotice(t)
		// 4 is back: 5 to go, another plan.
		f.setUsers(t, persons("1", "2", "3", "4")...)
		again := f.approve(t, first.ID)
		if again.Status != datasync.TaskPendingApproval || again.Message != "synced users would be reduced by 56% (5), reaching the 30% threshold" || again.Fingerprint == first.Fingerprint {
			t.Fatalf("re-planned task = %s %q, want pendingApproval with a new plan", again.Status, again.Message)
		}
		if _, deleted := planned(again.Plan); !cmp.Equal(uids(5, 9), deleted) {
			t.Fatalf("re-planned deletions %v, want 5..9", deleted)
		}
		if diff := cmp.Diff(states(uids(1, 9), nil), f.enabled(t)); diff != "" {
			t.Fatalf("users after a stale approval (-want +got):\n%s", diff)
		}
		f.nextNotice(t)
		// The source is nearly whole again: within the limits, success.
		f.setUsers(t, persons(uids(1, 8)...)...)
		if done := f.approve(t, first.ID); done.Status != datasync.TaskSuccess {
			t.Fatalf("task = %s %q, want success", done.Status, done.Message)
		}
		if diff := cmp.Diff(states(uids(1, 8), nil), f.enabled(t)); diff != "" {
			t.Fatalf("users (-want +got):\n%s", diff)
		}
	})
}

// A result with none of the synced users (an export of the wrong
// directory, say) never disables them all unless allowAll: the refusal
// fails the task and cannot be approved. (A source that emits no user
// part at all sweeps no users.)
func TestEveryoneGoneIsNotApprovable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, map[string]any{"deletionLimits": map[string]any{"percent": 30}})
		f.setUsers(t, persons("1", "2", "3")...)
		f.pullOK(t)
		f.setUsers(t, person("x"))
		task := f.pull(t)
		if task.Status != datasync.TaskFailed || !strings.Contains(task.Message, "set deletionLimits.allowAll") {
			t.Fatalf("task = %s %q, want failed asking for allowAll", task.Status, task.Message)
		}
		if _, err := f.m.Approve(context.Background(), task.ID); !errors.Is(err, datasync.ErrTaskState) {
			t.Fatalf("Approve of a failed task: %v, want ErrTaskState", err)
		}
		ctx := context.Background()
		stranger := listSource{data: []datasync.UserData{{DataType: datasync.DataTypeUser, Records: persons("x")}}}
		_, err := f.m.RunSource(ctx, "hr", stranger, datasync.RunSourceOptions{})
		var le *datasync.DeletionLimitError
		if !errors.As(err, &le) || le.Fingerprint != "" || le.Deleted != 3 {
			t.Fatalf("RunSource: %v, want a DeletionLimitError without a fingerprint", err)
		}
		if diff := cmp.Diff(states([]string{"1", "2", "3"}, nil), f.enabled(t)); diff != "" {
			t.Fatalf("users (-want +got):\n%s", diff)
		}
		f.policy = map[string]any{"deletionLimits": map[string]any{"allowAll": true}}
		f.setUsers(t, person("x"))
		f.pullOK(t)
		if diff := cmp.Diff(states([]string{"x"}, []string{"1", "2", "3"}), f.enabled(t)); diff != "" {
			t.Fatalf("users with allowAll (-want +got):\n%s", diff)
		}
	})
}

// RunSource returns the refusal with its plans and fingerprint, and
// RunSourceOptions.Approve applies exactly those deletions.
func TestRunSourceApprove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, nil)
		ctx := context.Background()
		pol, err := datasync.ParsePolicy(map[string]any{"deletionLimits": map[string]any{"count": 2}})
		if err != nil {
			t.Fatal(err)
		}
		run := func(approve string, uids ...string) error {
			src := listSource{data: []datasync.UserData{{DataType: datasync.DataTypeUser, Records: persons(uids...)}}}
			_, err := f.m.RunSource(ctx, "hr", src, datasync.RunSourceOptions{Policy: pol, Approve: approve})
			return err
		}
		if err := run("", uids(1, 6)...); err != nil {
			t.Fatal(err)
		}
		err = run("", "1", "2", "3")
		var le *datasync.DeletionLimitError
		if !errors.As(err, &le) || le.Message != "synced users would be reduced by 3 (50%), reaching the limit of 2" || le.Fingerprint == "" || le.HTTPStatus() != 409 {
			t.Fatalf("err = %v, want the count's refusal with a fingerprint", err)
		}
		if diff := cmp.Diff(uids(4, 6), le.UIDs); diff != "" {
			t.Fatalf("refusal's uids (-want +got):\n%s", diff)
		}
		if disabled, _ := planned(le.Plans); !cmp.Equal(uids(4, 6), disabled) {
			t.Fatalf("refusal's plans disable %v, want 4..6", disabled)
		}
		// A token for other deletions does not apply to these.
		if err := run(le.Fingerprint, "1", "2"); !errors.Is(err, datasync.ErrDeletionLimit) {
			t.Fatalf("approve of a stale token: %v, want a refusal", err)
		}
		if err := run("not-a-token", "1", "2", "3"); !errors.Is(err, datasync.ErrDeletionLimit) {
			t.Fatalf("approve of a wrong token: %v, want a refusal", err)
		}
		if err := run(le.Fingerprint, "1", "2", "3"); err != nil {
			t.Fatalf("approved run: %v", err)
		}
		if diff := cmp.Diff(states([]string{"1", "2", "3"}, uids(4, 6)), f.enabled(t)); diff != "" {
			t.Fatalf("users (-want +got):\n%s", diff)
		}
	})
}
