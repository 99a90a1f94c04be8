package syncapi_test

import (
	"net/http"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// TestPullTasksHistory: a pull through the API runs a task; its source's
// tasks list it, get shows it, and its history shows what it changed.
func TestPullTasksHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db)
		hr := s.createSource("hr", map[string]any{"users": people("ada", "grace")})
		other := s.createSource("other", map[string]any{"users": people("linus")})
		first := s.pull("hr")
		if first.Status != datasync.TaskSuccess {
			t.Fatalf("task %+v", first)
		}
		s.pull("other")
		// Ada leaves: the second pull of hr disables her (onMissing's default).
		s.do("PATCH", "/api/userDataSyncSources/"+itoa(hr), map[string]any{"options": map[string]any{"users": people("grace")}}).want(t, http.StatusOK, "")
		second := s.pull("hr")

		for _, path := range []string{
			"/api/userDataSyncTasks?filter=" + `{"sourceId":` + itoa(hr) + `}`,
			"/api/userDataSyncTasks?sourceId=" + itoa(hr),
			"/api/userDataSyncSources/" + itoa(hr) + "/tasks",
		} {
			r := s.do("GET", path, nil).want(t, http.StatusOK, "")
			got := r.list()
			if len(got) != 2 || id(t, got[0], "id") != second.ID || id(t, got[1], "id") != first.ID {
				t.Errorf("GET %s = %v, want tasks %d and %d, newest first", path, got, second.ID, first.ID)
			}
			if meta, _ := r.Body["meta"].(map[string]any); meta["count"] != 2.0 {
				t.Errorf("GET %s meta = %v", path, r.Body["meta"])
			}
		}
		all := s.do("GET", "/api/userDataSyncTasks?pageSize=2&page=2", nil).want(t, http.StatusOK, "")
		if got := all.list(); len(got) != 1 || id(t, got[0], "id") != first.ID {
			t.Errorf("page 2 of all tasks = %v, want the oldest", got)
		}
		none := s.do("GET", `/api/userDataSyncTasks?filter={"$and":[{"sourceId":`+itoa(hr)+`},{"sourceId":`+itoa(other)+`}]}`, nil).want(t, http.StatusOK, "")
		if got := none.list(); len(got) != 0 {
			t.Errorf("contradicting filters select %v", got)
		}
		failed := s.do("GET", `/api/userDataSyncTasks?filter={"status":"failed"}`, nil).want(t, http.StatusOK, "")
		if got := failed.list(); len(got) != 0 {
			t.Errorf("failed tasks = %v", got)
		}

		task := s.do("GET", "/api/userDataSyncTasks/"+itoa(second.ID), nil).want(t, http.StatusOK, "").data()
		if task["status"] != datasync.TaskSuccess || id(t, task, "sourceId") != hr {
			t.Errorf("task = %v", task)
		}
		s.do("GET", "/api/userDataSyncTasks/9999", nil).want(t, http.StatusNotFound, "Task [9999] is not found.")

		// History: the first task created two users, the second disabled Ada.
		created := s.do("GET", "/api/userDataSyncTasks:history/"+itoa(first.ID), nil).want(t, http.StatusOK, "").list()
		if uids := changedUIDs(created, "users"); len(uids) != 2 || uids[0] != "u-ada" || uids[1] != "u-grace" {
			t.Errorf("history of the first task: users %v, want u-ada and u-grace (%v)", uids, created)
		}
		changed := s.do("GET", "/api/userDataSyncTasks:history?filterByTk="+itoa(second.ID), nil).want(t, http.StatusOK, "").list()
		if uids := changedUIDs(changed, "users"); len(uids) != 1 || uids[0] != "u-ada" {
			t.Errorf("history of the second task: users %v, want u-ada (%v)", uids, changed)
		}
		// "Why was Ada disabled?": her changes across tasks, oldest first.
		ada := s.do("GET", "/api/userDataSyncTasks:searchHistory?uid=u-ada&sourceName=hr", nil).want(t, http.StatusOK, "").list()
		var tasks []int64
		for _, c := range ada {
			if c["resource"] == "users" {
				tasks = append(tasks, id(t, c, "taskId"))
			}
		}
		if len(tasks) != 2 || tasks[0] != first.ID || tasks[1] != second.ID {
			t.Errorf("Ada's user changes are in tasks %v, want %d then %d", tasks, first.ID, second.ID)
		}
		page1 := s.do("GET", "/api/userDataSyncTasks:searchHistory?pageSize=1", nil).want(t, http.StatusOK, "")
		meta, _ := page1.Body["meta"].(map[string]any)
		next, ok := meta["nextAfterId"].(float64)
		if !ok || len(page1.list()) != 1 {
			t.Fatalf("a full page has no nextAfterId: %s", page1.Raw)
		}
		page2 := s.do("GET", "/api/userDataSyncTasks:searchHistory?pageSize=1&afterId="+itoa(int64(next)), nil).want(t, http.StatusOK, "").list()
		if len(page2) != 1 || id(t, page2[0], "id") <= int64(next) {
			t.Errorf("page after %v = %v", next, page2)
		}

		// The source owns what it synced: it cannot be deleted or renamed
		// before it is cleared.
		s.do("DELETE", "/api/userDataSyncSources/"+itoa(hr), nil).want(t, http.StatusConflict, "clear it first")
		s.do("PATCH", "/api/userDataSyncSources/"+itoa(hr), map[string]any{"name": "hr2"}).want(t, http.StatusConflict, "clear it before renaming it")
	})
}

// changedUIDs lists the uids of the changes to resource, in order.
func changedUIDs(changes []map[string]any, resource string) []string {
	var out []string
	for _, c := range changes {
		if c["resource"] == resource {
			uid, _ := c["uid"].(string)
			out = append(out, uid)
		}
	}
	return out
}

func TestTaskListInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db)
		for _, c := range []struct {
			path   string
			status int
			msg    string
		}{
			{`/api/userDataSyncTasks?filter={"batch":"x"}`, 400, "filter.batch: this list filters only by equality on sourceId, status"},
			{`/api/userDataSyncTasks?filter={"sourceId":"x"}`, 400, "sourceId must be a positive whole number"},
			{`/api/userDataSyncTasks?filter=[1]`, 400, "filter must be an object"},
			{`/api/userDataSyncTasks?pageSize=5000`, 400, "pageSize must be at most 1000"},
			{`/api/userDataSyncTasks?filter={"sourceId":`, 400, "invalid JSON"},
			{`/api/userDataSyncTasks:history`, 400, "filterByTk or taskId is required"},
			{`/api/userDataSyncTasks:history/77`, 404, "Task [77] is not found."},
			{`/api/userDataSyncTasks:searchHistory?since=yesterday`, 400, "since must be an RFC 3339 time"},
			{`/api/userDataSyncTasks:searchHistory?resourcePk=3`, 400, "resourcePk needs resource"},
			{`/api/userDataSyncTasks:searchHistory?pageSize=1001`, 400, "pageSize must be at most 1000"},
			{`/api/userDataSyncTasks:searchHistory?afterId=-1`, 400, "afterId must be a positive whole number"},
			{`/api/userDataSyncTasks:destroy/1`, 404, "destroy action is not allowed"},
			{`/api/userDataSyncTasks:create`, 404, "create action is not allowed"},
		} {
			s.do("GET", c.path, nil).want(t, c.status, c.msg)
		}
	})
}
