package syncapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func TestListSyncTypes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db)
		got := s.do("GET", "/api/userData:listSyncTypes", nil).want(t, http.StatusOK, "").Body["data"]
		want := []any{map[string]any{"name": "static", "title": "Static records"}, map[string]any{"name": "plain", "title": "Plain records"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("listSyncTypes (-want +got):\n%s", diff)
		}
	})
}

// TestPush: userData:push is the push handler, with NocoBase's answer.
func TestPush(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db)
		ok := s.do("POST", "/api/userData:push", map[string]any{"dataType": "user", "records": people("ada")}).want(t, http.StatusOK, "")
		if d := ok.data(); d["code"] != 0.0 || d["message"] != "success" {
			t.Errorf("push answer = %s", ok.Raw)
		}
		var n int
		if err := db.NewSelect().Table("users").ColumnExpr("count(*)").Where("username = ?", "ada").Scan(context.Background(), &n); err != nil || n != 1 {
			t.Errorf("pushed user: %d rows, %v", n, err)
		}
		bad := s.do("POST", "/api/userData:push", map[string]any{"dataType": "unsupported", "records": people("x")}).want(t, http.StatusBadRequest, "")
		if d := bad.data(); d["code"] != 400.0 || d["message"] != "dataType unsupported is not supported" {
			t.Errorf("unsupported push answer = %s", bad.Raw)
		}
		s.do("POST", "/api/userData:push", map[string]any{"dataType": "user", "records": people("y"), "extra": 1}).want(t, http.StatusBadRequest, "")
		s.do("GET", "/api/userData:push", nil).want(t, http.StatusMethodNotAllowed, "")
	})
}

// TestRunActions: pull and retry start tasks (202 with the task id) and
// answer a client's mistakes with 4xx.
func TestRunActions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db)
		s.createSource("broken", map[string]any{"users": people("ada"), "fail": true})
		s.createSource("off", nil)
		s.do("PATCH", "/api/userDataSyncSources/2", map[string]any{"enabled": false}).want(t, http.StatusOK, "")

		// NocoBase's params (name; sourceId and id), and filterByTk.
		r := s.do("POST", "/api/userData:pull?name=broken", nil).want(t, http.StatusAccepted, "")
		failed := s.wait(id(t, r.data(), "taskId"))
		if failed.Status != datasync.TaskFailed {
			t.Fatalf("task %+v, want failed", failed)
		}
		r = s.do("POST", "/api/userData:retry?sourceId=1&id="+itoa(failed.ID), nil).want(t, http.StatusAccepted, "")
		if got := id(t, r.data(), "taskId"); got != failed.ID {
			t.Errorf("retry answered task %d, want %d", got, failed.ID)
		}
		s.wait(failed.ID)
		s.do("POST", "/api/userData:retry/"+itoa(failed.ID), map[string]any{}).want(t, http.StatusAccepted, "")
		s.wait(failed.ID)

		for _, c := range []struct {
			name, method, path string
			body               map[string]any
			status             int
			msg                string
		}{
			{"pull without a name", "POST", "/api/userData:pull", nil, 400, "name or filterByTk is required"},
			{"pull a number", "POST", "/api/userData:pull", map[string]any{"name": 3}, 400, "values.name must be a non-empty string"},
			{"pull unknown", "POST", "/api/userData:pull/nope", nil, 404, "SyncSource [nope] is not found."},
			{"pull disabled", "POST", "/api/userData:pull", map[string]any{"name": "off"}, 404, "SyncSource [off] is not found."},
			{"pull by GET", "GET", "/api/userData:pull?name=broken", nil, 405, "changes data"},
			{"retry without id", "POST", "/api/userData:retry", nil, 400, "id or filterByTk is required"},
			{"retry bad id", "POST", "/api/userData:retry", map[string]any{"id": "x"}, 400, "values.id must be a positive whole number"},
			{"retry missing", "POST", "/api/userData:retry/999", nil, 404, "Task [999] is not found."},
			{"retry another source's task", "POST", "/api/userData:retry?sourceId=2&id=" + itoa(failed.ID), nil, 404, "is not found."},
			{"unknown action", "POST", "/api/userData:sync", nil, 404, "sync action does not exist"},
		} {
			t.Run(c.name, func(t *testing.T) {
				var body any
				if c.body != nil {
					body = c.body
				}
				s.do(c.method, c.path, body).want(t, c.status, c.msg)
			})
		}

		// A task that did not fail is not retried.
		s.do("PATCH", "/api/userDataSyncSources/1", map[string]any{"options": map[string]any{"users": people("ada")}}).want(t, http.StatusOK, "")
		okTask := s.pull("broken")
		if okTask.Status != datasync.TaskSuccess {
			t.Fatalf("task %+v", okTask)
		}
		s.do("POST", "/api/userData:retry", map[string]any{"id": okTask.ID}).want(t, http.StatusConflict, "Task ["+itoa(okTask.ID)+"] is not failed.")
	})
}

// TestApproveAndClear: a pull the deletion limits stop waits for
// approval; approving it applies it; clearing the source removes what it
// synced, after which it can be deleted.
func TestApproveAndClear(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db)
		hr := s.createSource("hr", map[string]any{"users": people("ada", "grace", "linus"), "deletionLimits": map[string]any{"percent": 30}})
		first := s.pull("hr")
		if first.Status != datasync.TaskSuccess {
			t.Fatalf("first pull: %+v", first)
		}
		s.do("POST", "/api/userData:approve", map[string]any{"id": first.ID}).want(t, http.StatusConflict, "")
		s.do("POST", "/api/userData:approve/999", nil).want(t, http.StatusNotFound, "")
		s.do("POST", "/api/userData:approve", nil).want(t, http.StatusBadRequest, "id or filterByTk is required")

		s.do("PATCH", "/api/userDataSyncSources/"+itoa(hr), map[string]any{"options": map[string]any{"users": people("grace"), "deletionLimits": map[string]any{"percent": 30}}}).want(t, http.StatusOK, "")
		held := s.pull("hr")
		if held.Status != datasync.TaskPendingApproval {
			t.Fatalf("a pull that disables 2 of 3 users: %s %q, want %s", held.Status, held.Message, datasync.TaskPendingApproval)
		}
		task := s.do("GET", "/api/userDataSyncTasks/"+itoa(held.ID), nil).want(t, http.StatusOK, "").data()
		if task["plan"] == nil {
			t.Errorf("a pendingApproval task shows no plan: %v", task)
		}
		r := s.do("POST", "/api/userData:approve/"+itoa(held.ID), nil).want(t, http.StatusAccepted, "")
		if done := s.wait(id(t, r.data(), "taskId")); done.Status != datasync.TaskSuccess {
			t.Fatalf("approved task: %s %q", done.Status, done.Message)
		}
		if n := enabledUsers(t, db); n != 1 {
			t.Errorf("%d enabled users after the approved pull, want 1 (grace)", n)
		}

		// Clearing works by name, for pushed sources that have no row too.
		if got := s.do("POST", "/api/userData:clear", map[string]any{"name": "nope"}).want(t, http.StatusOK, "").data(); got["sourceName"] != "nope" {
			t.Errorf("clear of a name that synced nothing = %v", got)
		}
		s.do("POST", "/api/userData:clear", nil).want(t, http.StatusBadRequest, "name or filterByTk is required")
		s.do("GET", "/api/userData:clear/hr", nil).want(t, http.StatusMethodNotAllowed, "")
		cleared := s.do("POST", "/api/userData:clear/hr", nil).want(t, http.StatusOK, "").data()
		if cleared["sourceName"] != "hr" {
			t.Errorf("clear answer = %v", cleared)
		}
		if n := enabledUsers(t, db); n != 0 {
			t.Errorf("%d enabled users after clear, want 0", n)
		}
		s.do("DELETE", "/api/userDataSyncSources/"+itoa(hr), nil).want(t, http.StatusOK, "")
		// The audit trail outlives the source.
		if got := s.do("GET", "/api/userDataSyncTasks:searchHistory?sourceName=hr&uid=u-ada", nil).want(t, http.StatusOK, "").list(); len(got) == 0 {
			t.Error("the history of a deleted source is gone")
		}
	})
}

// enabledUsers counts the enabled users that are not root.
func enabledUsers(t *testing.T, db *bun.DB) int {
	t.Helper()
	var n int
	err := db.NewSelect().Table("users").ColumnExpr("count(*)").Where("? = ?", bun.Ident("enabled"), true).Where("? <> ?", bun.Ident("username"), "root").Scan(context.Background(), &n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPullChanges: a delta needs a delta source and a watermark, which a
// full pull leaves.
func TestPullChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db)
		s.createSource("hr", map[string]any{"users": people("ada")})
		s.do("POST", "/api/userDataSyncSources", map[string]any{"name": "csv", "sourceType": "plain", "enabled": true}).want(t, http.StatusOK, "")
		s.do("POST", "/api/userData:pullChanges/hr", nil).want(t, http.StatusConflict, "no watermark")
		s.do("POST", "/api/userData:pullChanges", map[string]any{"name": "csv"}).want(t, http.StatusBadRequest, "cannot run deltas")
		s.do("POST", "/api/userData:pullChanges", nil).want(t, http.StatusBadRequest, "name or filterByTk is required")
		s.do("GET", "/api/userData:pullChanges/hr", nil).want(t, http.StatusMethodNotAllowed, "")
		s.pull("hr")
		r := s.do("POST", "/api/userData:pullChanges?name=hr", nil).want(t, http.StatusAccepted, "")
		if task := s.wait(id(t, r.data(), "taskId")); task.Status != datasync.TaskSuccess {
			t.Errorf("delta task: %s %q", task.Status, task.Message)
		}
	})
}
