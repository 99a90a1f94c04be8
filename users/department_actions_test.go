package users_test

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
	"github.com/gatehouse-dev/gatehouse/users"
)

func TestDepartmentActions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := setup(t, db)
		rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
		rs.RegisterActionHandlers(users.DepartmentActions(db))
		if _, err := crud.Define(rs, crud.Options{DB: db, Model: (*users.Department)(nil)}); err != nil {
			t.Fatal(err)
		}
		call := func(method, target, body string) (int, map[string]any) {
			req := httptest.NewRequest(method, target, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			rs.ServeHTTP(w, req.WithContext(users.WithCurrentUser(ctx, 1)))
			var out map[string]any
			json.Unmarshal(w.Body.Bytes(), &out)
			return w.Code, out
		}
		if code, out := call("POST", "/api/departments", `{"title":"R&D"}`); code != 200 {
			t.Fatalf("create: %d %v", code, out)
		}
		if code, out := call("POST", "/api/departments", `{"title":"Go team","parentId":1}`); code != 200 {
			t.Fatalf("create child: %d %v", code, out)
		}
		code, out := call("GET", "/api/departments/1", "")
		if code != 200 || out["data"].(map[string]any)["isLeaf"] != false {
			t.Errorf("parent after a child: %d %v", code, out)
		}
		if code, out := call("DELETE", "/api/departments/1", ""); code != 409 || !strings.Contains(errText(out), "sub-department") {
			t.Errorf("delete with a child: %d %v", code, out)
		}
		if code, out := call("PUT", "/api/departments/1", `{"parentId":2}`); code != 400 {
			t.Errorf("move under own child: %d %v", code, out)
		}
		code, out = call("PUT", "/api/departments/2", `{"title":"Gophers","parentId":null}`)
		if code != 200 || out["data"].(map[string]any)["title"] != "Gophers" || out["data"].(map[string]any)["parentId"] != nil {
			t.Errorf("rename and move to root: %d %v", code, out)
		}
		if code, _ := call("GET", "/api/departments/1", ""); code != 200 {
			t.Fatal(code)
		}
		if _, out := call("GET", "/api/departments/1", ""); out["data"].(map[string]any)["isLeaf"] != true {
			t.Errorf("old parent is a leaf again: %v", out)
		}
		if code, out := call("POST", "/api/departments", `{"title":""}`); code != 400 {
			t.Errorf("empty title: %d %v", code, out)
		}
		if code, out := call("POST", "/api/departments", `{"title":"x","parentId":99}`); code != 404 {
			t.Errorf("missing parent: %d %v", code, out)
		}
		if code, out := call("DELETE", "/api/departments/1", ""); code != 200 {
			t.Errorf("delete a leaf: %d %v", code, out)
		}
	})
}

func errText(out map[string]any) string {
	raw, _ := json.Marshal(out["errors"])
	return string(raw)
}
