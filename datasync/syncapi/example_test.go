package syncapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/syncapi"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
	"github.com/gatehouse-dev/gatehouse/users"
)

// hrSource stands for an HR system's API: it emits two users.
type hrSource struct{}

func (hrSource) Pull(ctx context.Context, emit func(datasync.UserData) error) error {
	return emit(datasync.UserData{DataType: datasync.DataTypeUser, Records: []datasync.Record{
		{"uid": "e1", "username": "ada", "nickname": "Ada"},
		{"uid": "e2", "username": "grace", "nickname": "Grace"},
	}})
}

// newHR builds the source from a row's options, refusing any it does not
// know: an API token is all it takes.
func newHR(cfg datasync.SourceConfig) (datasync.Source, error) {
	for k := range cfg.Options {
		if k != "apiToken" {
			return nil, fmt.Errorf("option %q: unknown (want apiToken)", k)
		}
	}
	if _, ok := cfg.Options["apiToken"].(string); !ok {
		return nil, errors.New("option apiToken: required")
	}
	return hrSource{}, nil
}

func Example() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	m, err := users.NewSyncManager(ctx, db, users.Options{}, datasync.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer m.Close()
	if err := m.RegisterSourceType("hr", datasync.SourceType{Title: "HR system", New: newHR}); err != nil {
		panic(err)
	}

	rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
	if err := syncapi.Register(rs, m, syncapi.Options{}); err != nil {
		panic(err)
	}
	srv := httptest.NewServer(rs) // a host puts its authentication and the ACL in front
	defer srv.Close()

	call := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		json.Unmarshal(raw, &out)
		fmt.Print(resp.StatusCode, " ")
		return out
	}

	// A typo in an option is refused when the source is saved, by name.
	fmt.Println(call("POST", "/api/userDataSyncSources", `{"name":"hr","sourceType":"hr","enabled":true,"options":{"apiTokn":"t0k"}}`)["errors"])
	// The secret is kept, and never shown.
	src := call("POST", "/api/userDataSyncSources", `{"name":"hr","sourceType":"hr","enabled":true,"options":{"apiToken":"t0k"}}`)["data"].(map[string]any)
	fmt.Println(src["name"], src["options"])

	// Pull runs the source as a task in the background.
	started := call("POST", "/api/userData:pull", `{"name":"hr"}`)["data"].(map[string]any)
	fmt.Println(started)
	taskID := int64(started["taskId"].(float64))
	if _, err := m.Wait(ctx, taskID); err != nil {
		panic(err)
	}
	for _, t := range call("GET", "/api/userDataSyncTasks?sourceId=1", "")["data"].([]any) {
		task := t.(map[string]any)
		fmt.Println("task", task["id"], task["status"])
	}
	for _, c := range call("GET", fmt.Sprintf("/api/userDataSyncTasks:history/%d", taskID), "")["data"].([]any) {
		change := c.(map[string]any)
		fmt.Println(change["resource"], change["uid"], change["op"])
	}
	// Output:
	// 400 [map[message:datasync: invalid source: source "hr": option "apiTokn": unknown (want apiToken)]]
	// 200 hr map[apiToken:******]
	// 202 map[taskId:1]
	// 200 task 1 success
	// 200 users e1 create
	// users e2 create
}
