package syncapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync/syncapi"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func TestSourcesCRUD(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db)
		created := s.do("POST", "/api/userDataSyncSources", map[string]any{
			"name": "hr", "sourceType": "static", "displayName": "HR", "enabled": true, "sort": 2,
			"options": map[string]any{"apiToken": "s3cret", "users": people("ada"), "onMissing": "keep", "password": map[string]any{"format": "plain"}},
		}).want(t, http.StatusOK, "").data()
		srcID := id(t, created, "id")
		opts, _ := created["options"].(map[string]any)
		if opts["apiToken"] != syncapi.Redacted {
			t.Errorf("created options.apiToken = %v, want it redacted", opts["apiToken"])
		}
		if diff := cmp.Diff(map[string]any{"format": "plain"}, opts["password"]); diff != "" {
			t.Errorf("a policy object under a secret-looking key is shown (-want +got):\n%s", diff)
		}
		if created["createdById"] != float64(adminID) || created["updatedById"] != float64(adminID) {
			t.Errorf("audit fields %v %v, want %d", created["createdById"], created["updatedById"], adminID)
		}

		s.createSource("ldap-b", map[string]any{})
		list := s.do("GET", "/api/userDataSyncSources?pageSize=1", nil).want(t, http.StatusOK, "")
		if got := list.list(); len(got) != 1 || got[0]["name"] != "ldap-b" {
			t.Errorf("first page = %v, want ldap-b (sort 0 before 2)", got)
		}
		if diff := cmp.Diff(map[string]any{"count": 2.0, "page": 1.0, "pageSize": 1.0, "totalPage": 2.0}, list.Body["meta"]); diff != "" {
			t.Errorf("meta (-want +got):\n%s", diff)
		}
		filtered := s.do("GET", `/api/userDataSyncSources?filter={"name":"hr"}`, nil).want(t, http.StatusOK, "").list()
		if len(filtered) != 1 || filtered[0]["displayName"] != "HR" {
			t.Errorf("filter by name = %v", filtered)
		}

		got := s.do("GET", "/api/userDataSyncSources/"+itoa(srcID), nil).want(t, http.StatusOK, "").data()
		gotOpts, _ := got["options"].(map[string]any)
		if gotOpts["apiToken"] != syncapi.Redacted || got["sourceType"] != "static" {
			t.Errorf("get = %v", got)
		}

		// A client sends back what it read, placeholder included: the
		// secret stays; the options are otherwise replaced.
		gotOpts["onMissing"] = "disable"
		got["options"] = gotOpts
		got["displayName"] = "Human resources"
		updated := s.do("PUT", "/api/userDataSyncSources/"+itoa(srcID), got).want(t, http.StatusOK, "").data()
		if updated["displayName"] != "Human resources" {
			t.Errorf("updated displayName = %v", updated["displayName"])
		}
		row, err := s.m.Source(context.Background(), srcID)
		if err != nil {
			t.Fatal(err)
		}
		if row.Options["apiToken"] != "s3cret" || row.Options["onMissing"] != "disable" {
			t.Errorf("stored options = %v, want the secret kept and onMissing changed", row.Options)
		}
		// A new secret replaces the old one; a partial update leaves the
		// options alone.
		s.do("PATCH", "/api/userDataSyncSources/"+itoa(srcID), map[string]any{"options": map[string]any{"apiToken": "n3w"}}).want(t, http.StatusOK, "")
		s.do("PATCH", "/api/userDataSyncSources/"+itoa(srcID), map[string]any{"enabled": false}).want(t, http.StatusOK, "")
		row, _ = s.m.Source(context.Background(), srcID)
		if row.Options["apiToken"] != "n3w" || row.Enabled || row.Name != "hr" {
			t.Errorf("after two updates: %+v", row)
		}

		// Renaming is fine while the source has synced nothing.
		s.do("PATCH", "/api/userDataSyncSources/"+itoa(srcID), map[string]any{"name": "people"}).want(t, http.StatusOK, "")
		s.do("POST", "/api/userDataSyncSources:destroy?filterByTk="+itoa(srcID), nil).want(t, http.StatusOK, "")
		s.do("GET", "/api/userDataSyncSources/"+itoa(srcID), nil).want(t, http.StatusNotFound, "SyncSource ["+itoa(srcID)+"] is not found.")
		s.do("DELETE", "/api/userDataSyncSources/"+itoa(srcID), nil).want(t, http.StatusNotFound, "is not found")
	})
}

// TestSourceValidation: what cannot be saved answers 4xx naming the field
// or option at fault, and saves nothing.
func TestSourceValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db)
		existing := s.createSource("hr", map[string]any{"apiToken": "x"})
		cases := []struct {
			name, method, path string
			body               map[string]any
			status             int
			msg                string
		}{
			{"policy option", "POST", "/api/userDataSyncSources", source("a", map[string]any{"onMissing": "nuke"}), 400, "option onMissing: want one of disable, delete, keep"},
			{"nested policy option", "POST", "/api/userDataSyncSources", source("a", map[string]any{"identity": map[string]any{"usr": "id"}}), 400, "option identity.usr: unknown option"},
			{"schedule", "POST", "/api/userDataSyncSources", source("a", map[string]any{"schedule": map[string]any{"cron": "61 * * * *"}}), 400, "schedule.cron"},
			{"type option", "POST", "/api/userDataSyncSources", source("a", map[string]any{"usres": []any{}}), 400, `option "usres": unknown`},
			{"type option value", "POST", "/api/userDataSyncSources", source("a", map[string]any{"users": "all"}), 400, "option users: want a list"},
			{"unknown type", "POST", "/api/userDataSyncSources", map[string]any{"name": "a", "sourceType": "ftp"}, 400, "SyncSourceType [ftp] is not found."},
			{"no type", "POST", "/api/userDataSyncSources", map[string]any{"name": "a"}, 400, "sourceType is required"},
			{"no name", "POST", "/api/userDataSyncSources", map[string]any{"sourceType": "static"}, 400, "a source needs a name"},
			{"unknown field", "POST", "/api/userDataSyncSources", map[string]any{"name": "a", "sourceType": "static", "enabeld": true}, 400, `values: unknown field "enabeld"`},
			{"field type", "POST", "/api/userDataSyncSources", map[string]any{"name": "a", "sourceType": "static", "enabled": "yes"}, 400, "values.enabled must be true or false"},
			{"options type", "POST", "/api/userDataSyncSources", map[string]any{"name": "a", "sourceType": "static", "options": []any{}}, 400, "values.options must be an object"},
			{"placeholder with no secret", "POST", "/api/userDataSyncSources", source("a", map[string]any{"apiToken": syncapi.Redacted}), 400, "values.options.apiToken"},
			{"duplicate name", "POST", "/api/userDataSyncSources", source("hr", nil), 409, `source with that name exists: source "hr"`},
			{"bad id", "GET", "/api/userDataSyncSources/abc", nil, 400, "filterByTk must be a positive whole number"},
			{"update bad option", "PATCH", "/api/userDataSyncSources/" + itoa(existing), map[string]any{"options": map[string]any{"deletionLimits": map[string]any{"percent": 150}}}, 400, "deletionLimits.percent"},
			{"update missing", "PATCH", "/api/userDataSyncSources/999", map[string]any{"enabled": true}, 404, "SyncSource [999] is not found."},
			{"filter field", "GET", `/api/userDataSyncSources?filter={"options":1}`, nil, 400, "filter.options: this list filters only by equality"},
			{"filter operator", "GET", `/api/userDataSyncSources?filter={"name":{"$like":"h"}}`, nil, 400, "only $eq"},
			{"page", "GET", "/api/userDataSyncSources?page=0", nil, 400, "page must be a positive whole number"},
			{"create by GET", "GET", "/api/userDataSyncSources:create", nil, 405, "changes data"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var body any
				if c.body != nil {
					body = c.body
				}
				s.do(c.method, c.path, body).want(t, c.status, c.msg)
			})
		}
		rows, err := s.m.Sources(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Options["apiToken"] != "x" {
			t.Errorf("sources after refused saves: %+v", rows)
		}
	})
}

func source(name string, options map[string]any) map[string]any {
	return map[string]any{"name": name, "sourceType": "static", "options": options}
}

func TestNextRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db)
		hourly := s.createSource("hourly", map[string]any{"schedule": map[string]any{"every": "1h"}})
		manual := s.createSource("manual", nil)
		got := s.do("GET", "/api/userDataSyncSources:nextRun/"+itoa(hourly), nil).want(t, http.StatusOK, "").data()
		if got["scheduled"] != true || got["nextRun"] == nil || got["schedule"] != "every 1h0m0s" {
			t.Errorf("hourly nextRun = %v", got)
		}
		got = s.do("GET", "/api/userDataSyncSources:nextRun?filterByTk="+itoa(manual), nil).want(t, http.StatusOK, "").data()
		if diff := cmp.Diff(map[string]any{"scheduled": false, "nextRun": nil}, got); diff != "" {
			t.Errorf("unscheduled nextRun (-want +got):\n%s", diff)
		}
		s.do("PATCH", "/api/userDataSyncSources/"+itoa(hourly), map[string]any{"enabled": false}).want(t, http.StatusOK, "")
		got = s.do("GET", "/api/userDataSyncSources:nextRun/"+itoa(hourly), nil).want(t, http.StatusOK, "").data()
		if got["scheduled"] != false {
			t.Errorf("a disabled source is scheduled: %v", got)
		}
		s.do("GET", "/api/userDataSyncSources:nextRun/77", nil).want(t, http.StatusNotFound, "")
	})
}
