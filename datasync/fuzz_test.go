package datasync

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// FuzzPushBody sends arbitrary bodies to the push handler over a real
// manager on SQLite: whatever the body, the answer is never a server
// error, and it is always JSON whose data.code is the status (0 for 200).
func FuzzPushBody(f *testing.F) {
	for _, seed := range []string{
		``,
		`{}`,
		`[]`,
		`null`,
		`{"dataType": "user", "records": [}`,
		`{"dataType": "user"`,
		`{"dataType":"user"} {}`,
		`{"dataType":"user","records":[{"uid":"1"}],"extra":1}`,
		`{"DataType":"user","records":[{"uid":"1"}]}`,
		`{"dataType":1,"records":[{"uid":"1"}]}`,
		`{"dataType":"user","matchKey":true,"records":[{"uid":"1"}]}`,
		`{"dataType":"user","records":{"uid":"1"}}`,
		`{"dataType":"user","records":[{"uid":"1"},"2"]}`,
		`{"records":[{"uid":"1"}]}`,
		`{"dataType":"unsupported","records":[{"uid":"1"}]}`,
		`{"dataType":"department","records":[{"uid":"1"}]}`,
		`{"dataType":"user","records":[]}`,
		`{"dataType":"user","records":[{"nickname":"x"}]}`,
		`{"dataType":"user","records":[{"uid":"1"},{"uid":"1"}]}`,
		`{"dataType":"user","records":[{"uid":1.5}]}`,
		`{"dataType":"user","records":[{"uid":"1","nickname":"boom"}]}`,
		`{"dataType":"user","records":[{"uid":"1","isDeleted":true}]}`,
		`{"dataType":"user","records":[{"uid":12345678901234567890,"nickname":1e400}]}`,
		`{"dataType":"user","matchKey":"email","sourceName":"hr","records":[{"uid":"1","nickname":"test","departments":["d1",{"uid":"d2","isOwner":true}]}]}`,
		`{"dataType":"user","records":[{"uid":"x","nickname":"` + strings.Repeat("é", 100) + `"}]}`,
		strings.Repeat("[", 20000),
	} {
		f.Add([]byte(seed))
	}
	fx := newTaskFixture(f, dbtest.SQLite(f))
	h := fx.m.PushHandler(PushHandlerOptions{MaxBodyBytes: 1 << 20})
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := servePush(t, h, pushCase{body: string(body)})
		if rec.Code >= 500 {
			t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body)
		}
		var answer struct {
			Data *struct {
				Code    *int    `json:"code"`
				Message *string `json:"message"`
			} `json:"data"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
			t.Fatalf("answer is not JSON: %v: %s", err, rec.Body)
		}
		if answer.Data == nil || answer.Data.Code == nil || answer.Data.Message == nil {
			t.Fatalf("answer has no data.code or data.message: %s", rec.Body)
		}
		want := rec.Code
		if want == http.StatusOK {
			want = 0
		}
		if *answer.Data.Code != want {
			t.Fatalf("data.code %d with status %d: %s", *answer.Data.Code, rec.Code, rec.Body)
		}
	})
}
