package users_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// TestUsersSyncReportsIgnoredFields: a misspelt field is not written, and
// the push says so — in the result and once in the log, by name only.
func TestUsersSyncReportsIgnoredFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		var logs bytes.Buffer
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		res := e.sync(t,
			datasync.Record{"uid": "1", "email": "a@example.com", "nickanme": "Ada"},
			datasync.Record{"uid": "2", "email": "b@example.com", "shoeSize": 42, "nickanme": "Bo"},
		)
		if diff := cmp.Diff([]string{"nickanme", "shoeSize"}, res.Detail.IgnoredFields); diff != "" {
			t.Errorf("IgnoredFields (-want +got):\n%s", diff)
		}
		if got := strings.Count(logs.String(), "record fields ignored"); got != 1 {
			t.Errorf("logged the ignored fields %d times, want once:\n%s", got, logs.String())
		}
		if strings.Contains(logs.String(), "Ada") || strings.Contains(logs.String(), "a@example.com") {
			t.Errorf("the log shows record contents:\n%s", logs.String())
		}
		if u := e.user(t, "email", "a@example.com"); u == nil || u.Nickname != "" {
			t.Errorf("user = %+v, want created with no nickname", u)
		}
		clean := e.sync(t, datasync.Record{"uid": "3", "email": "c@example.com", "nickname": "Cy"})
		if clean.Detail.IgnoredFields != nil {
			t.Errorf("IgnoredFields = %v for a clean push, want none (omitted from the JSON)", clean.Detail.IgnoredFields)
		}
	})
}
