package datasync

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

type pushCase struct {
	name        string
	method      string // POST when empty
	contentType string // application/json when empty
	body        string
	chunked     bool // send without a Content-Length
	cancelled   bool // the client has gone away
	wantStatus  int
	wantBody    string // the whole answer, as JSON
}

func errorAnswer(status int, msg string) string {
	raw, _ := json.Marshal(map[string]any{"data": map[string]any{"code": status, "message": msg}})
	return string(raw)
}

// servePush sends c to h and returns the answer.
func servePush(t *testing.T, h http.Handler, c pushCase) *httptest.ResponseRecorder {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	req := httptest.NewRequest(method, "/api/userData:push", strings.NewReader(c.body))
	ct := c.contentType
	if ct == "" {
		ct = "application/json"
	}
	req.Header.Set("Content-Type", ct)
	if c.chunked {
		req.ContentLength = -1
	}
	if c.cancelled {
		ctx, cancel := context.WithCancel(req.Context())
		cancel()
		req = req.WithContext(ctx)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// runPushCases checks each case's status and whole answer.
func runPushCases(t *testing.T, h http.Handler, cases []pushCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Helper()
			rec := servePush(t, h, c)
			if rec.Code != c.wantStatus {
				t.Errorf("status %d, want %d (body %s)", rec.Code, c.wantStatus, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			var got, want any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("answer is not JSON: %v: %s", err, rec.Body)
			}
			if err := json.Unmarshal([]byte(c.wantBody), &want); err != nil {
				t.Fatalf("bad wantBody: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPushHandler(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		h := f.m.PushHandler(PushHandlerOptions{MaxBodyBytes: 1024})
		big := `{"dataType":"user","records":[{"uid":"1","nickname":"` + strings.Repeat("x", 1024) + `"}]}`
		runPushCases(t, h, []pushCase{
			{name: "GET", method: http.MethodGet, wantStatus: 405, wantBody: errorAnswer(405, "Method GET is not allowed: use POST")},
			{name: "text/plain", contentType: "text/plain", body: `{}`, wantStatus: 415, wantBody: errorAnswer(415, "Content-Type must be application/json")},
			{name: "form", contentType: "application/x-www-form-urlencoded", body: `dataType=user`, wantStatus: 415, wantBody: errorAnswer(415, "Content-Type must be application/json")},
			{name: "huge", body: big, wantStatus: 413, wantBody: errorAnswer(413, "body exceeds 1024 bytes")},
			{name: "huge chunked", body: big, chunked: true, wantStatus: 413, wantBody: errorAnswer(413, "body exceeds 1024 bytes")},
			{name: "empty body", body: ``, wantStatus: 400, wantBody: errorAnswer(400, "body is empty: want a JSON object")},
			{name: "malformed", body: `{"dataType": "user", "records": [}`, wantStatus: 400,
				wantBody: errorAnswer(400, "body is not valid JSON at offset 33: invalid character '}' looking for beginning of value")},
			{name: "truncated", body: `{"dataType": "user"`, wantStatus: 400, wantBody: errorAnswer(400, "body is not valid JSON at offset 19: it ends inside its value")},
			{name: "trailing data", body: `{"dataType":"user"} {}`, wantStatus: 400, wantBody: errorAnswer(400, "body is not valid JSON: data after the JSON value at offset 20")},
			{name: "a list", body: `[{"dataType":"user"}]`, wantStatus: 400, wantBody: errorAnswer(400, "body: want a JSON object, got a list")},
			{name: "unknown key", body: `{"dataType":"user","records":[{"uid":"1"}],"extra":1}`, wantStatus: 400,
				wantBody: errorAnswer(400, `body: unknown field "extra": want dataType, matchKey, records and sourceName`)},
			{name: "key in another case", body: `{"DataType":"user","records":[{"uid":"1"}]}`, wantStatus: 400,
				wantBody: errorAnswer(400, `body: unknown field "DataType": want dataType, matchKey, records and sourceName`)},
			{name: "dataType a number", body: `{"dataType":1,"records":[{"uid":"1"}]}`, wantStatus: 400, wantBody: errorAnswer(400, "dataType: want a string, got a number")},
			{name: "matchKey a boolean", body: `{"dataType":"user","matchKey":true,"records":[{"uid":"1"}]}`, wantStatus: 400, wantBody: errorAnswer(400, "matchKey: want a string, got a boolean")},
			{name: "sourceName an object", body: `{"dataType":"user","sourceName":{},"records":[{"uid":"1"}]}`, wantStatus: 400, wantBody: errorAnswer(400, "sourceName: want a string, got an object")},
			{name: "records an object", body: `{"dataType":"user","records":{"uid":"1"}}`, wantStatus: 400, wantBody: errorAnswer(400, "records: want a list of objects, got an object")},
			{name: "record a string", body: `{"dataType":"user","records":[{"uid":"1"},"2"]}`, wantStatus: 400, wantBody: errorAnswer(400, "records[1]: want an object, got a string")},
			{name: "no dataType", body: `{"records":[{"uid":"1"}]}`, wantStatus: 400, wantBody: errorAnswer(400, "dataType for user data synchronize is required")},
			{name: "null dataType", body: `{"dataType":null,"records":[{"uid":"1"}]}`, wantStatus: 400, wantBody: errorAnswer(400, "dataType for user data synchronize is required")},
			{name: "unsupported dataType", body: `{"dataType":"unsupported","records":[{"uid":"1"}]}`, wantStatus: 400, wantBody: errorAnswer(400, "dataType unsupported is not supported")},
			{name: "department not accepted", body: `{"dataType":"department","records":[{"uid":"1"}]}`, wantStatus: 400, wantBody: errorAnswer(400, "dataType department is not supported")},
			{name: "no records", body: `{"dataType":"user"}`, wantStatus: 400, wantBody: errorAnswer(400, "records for user data synchronize is required")},
			{name: "empty records", body: `{"dataType":"user","records":[]}`, wantStatus: 400, wantBody: errorAnswer(400, "records must have at least one piece of data")},
			{name: "missing uid", body: `{"dataType":"user","records":[{"uid":"1"},{"nickname":"x"}]}`, wantStatus: 400, wantBody: errorAnswer(400, "record must has uid, error record: records[1]")},
			{name: "client gone", body: `{"dataType":"user","records":[{"uid":"9"}]}`, cancelled: true, wantStatus: 499, wantBody: errorAnswer(499, "Request cancelled")},
			{name: "failed record", body: `{"dataType":"user","records":[{"uid":"1","nickname":"Ada"},{"uid":"2","nickname":"boom"}]}`, wantStatus: 422,
				wantBody: `{"data":{"code":422,"message":"datasync: people: nickname boom is refused","resource":"people",
					"failedRecords":[{"record":{"uid":"2","nickname":"boom"},"message":"nickname boom is refused"}]}}`},
			{name: "success", contentType: "application/json; charset=utf-8", body: `{"dataType":"user","matchKey":"email","records":[{"uid":"1","nickname":"test","age":42}],"sourceName":null}`,
				wantStatus: 200,
				wantBody: `{"data":{"code":0,"message":"success","result":[
					{"resource":"people","detail":{"count":{"all":1,"success":1,"failed":0},"failedRecords":[]}}]}}`},
		})
		if diff := cmp.Diff(map[string]string{"1": "test"}, f.nicknames(t)); diff != "" {
			t.Fatalf("people after the pushes (-want +got):\n%s", diff)
		}
		if got := f.recordSources(t); got["1"] != DefaultPushSource {
			t.Fatalf("pushed record's source %q, want %q", got["1"], DefaultPushSource)
		}
	})
}

func TestPushHandlerAllowHeader(t *testing.T) {
	m := NewManager(nil, Options{})
	rec := servePush(t, m.PushHandler(PushHandlerOptions{}), pushCase{method: http.MethodPut, body: `{}`})
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
		t.Fatalf("PUT: status %d, Allow %q; want 405 and POST", rec.Code, rec.Header().Get("Allow"))
	}
}

// TestPushHandlerServerError hides a database failure behind a generic
// message and logs it.
func TestPushHandlerServerError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		if _, err := db.NewDropTable().Model((*SyncRecord)(nil)).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		runPushCases(t, f.m.PushHandler(PushHandlerOptions{}), []pushCase{{
			name: "no sync records table", body: `{"dataType":"user","records":[{"uid":"1","nickname":"secret-nickname"}]}`,
			wantStatus: 500, wantBody: errorAnswer(500, "Internal server error"),
		}})
		logs := f.logs.String()
		if !strings.Contains(logs, "datasync: push failed") || !strings.Contains(logs, "userDataSyncRecords") {
			t.Fatalf("the real error was not logged:\n%s", logs)
		}
		if strings.Contains(logs, "secret-nickname") {
			t.Fatal("a record's content reached the log")
		}
	})
}
