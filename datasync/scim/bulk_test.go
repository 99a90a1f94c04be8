package scim_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync/scim"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// bulkOps is the Operations of a bulk answer.
func (r reply) bulkOps() []map[string]any {
	list, _ := r.Body["Operations"].([]any)
	out := make([]map[string]any, len(list))
	for i, e := range list {
		out[i], _ = e.(map[string]any)
	}
	return out
}

func bulkBody(failOnErrors int, ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []string{scim.BulkRequestURN}, "failOnErrors": failOnErrors, "Operations": list}
}

// A bulk request creates users and a group that references them by
// bulkId, in one transaction, as RFC 7644 §3.7.2's example does.
func TestBulkWithBulkIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		r := s.do("POST", "/Bulk", bulkBody(0,
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "ada", "data": userBody("ada")},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "bob", "data": userBody("bob")},
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "eng", "data": map[string]any{
				"schemas": []string{scim.GroupSchemaURN}, "displayName": "Engineering",
				"members": []any{map[string]any{"type": "User", "value": "bulkId:ada"}},
			}},
			map[string]any{"method": "PUT", "path": "/Groups/bulkId:eng", "data": map[string]any{
				"schemas": []string{scim.GroupSchemaURN}, "displayName": "Engineering",
				"members": []any{map[string]any{"value": "bulkId:ada"}, map[string]any{"value": "bulkId:bob"}},
			}},
			map[string]any{"method": "DELETE", "path": "/Users/bulkId:bob"},
		)).want(t, http.StatusOK)
		ops := r.bulkOps()
		if len(ops) != 5 {
			t.Fatalf("operations: %s", r.Raw)
		}
		statuses := []string{}
		for _, op := range ops {
			statuses = append(statuses, op["status"].(string))
		}
		if strings.Join(statuses, ",") != "201,201,201,200,204" {
			t.Fatalf("statuses %v: %s", statuses, r.Raw)
		}
		users := s.do("GET", "/Users", nil).want(t, http.StatusOK)
		if got := ids(users.resources()); len(got) != 1 || ops[0]["location"] != s.url+"/Users/"+got[0] {
			t.Fatalf("users %v, first location %v", got, ops[0]["location"])
		}
		if ops[0]["version"] == nil || ops[0]["bulkId"] != "ada" || ops[0]["method"] != "POST" {
			t.Errorf("first operation %v", ops[0])
		}
		group := s.do("GET", ops[2]["location"].(string)[len(s.url):], nil).want(t, http.StatusOK)
		wantMembers(t, group, ids(users.resources())[0])
		if got := s.memberTitles("ada"); strings.Join(got, ",") != "Engineering" {
			t.Errorf("ada in %v", got)
		}
	})
}

// A failed operation leaves nothing behind and the others stand;
// failOnErrors stops the request after that many failures.
func TestBulkErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{MaxBulkOperations: 3})
		r := s.do("POST", "/Bulk", bulkBody(1,
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "a", "data": userBody("ada")},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "b", "data": userBody("ADA")},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "c", "data": userBody("cy")},
		)).want(t, http.StatusOK)
		ops := r.bulkOps()
		if len(ops) != 2 || ops[0]["status"] != "201" || ops[1]["status"] != "409" {
			t.Fatalf("operations: %s", r.Raw)
		}
		wantJSON(t, ops[1]["response"], `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"userName \"ADA\" is already taken"}`)
		if list := s.do("GET", "/Users", nil); list.num("totalResults") != 1 {
			t.Errorf("users after failOnErrors 1: %s", list.Raw)
		}

		// Without failOnErrors every operation runs.
		r = s.do("POST", "/Bulk", bulkBody(0,
			map[string]any{"method": "PATCH", "path": "/Users/nope", "data": map[string]any{}},
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g", "data": map[string]any{
				"schemas": []string{scim.GroupSchemaURN}, "displayName": "G", "members": []any{map[string]any{"value": "bulkId:zzz"}}}},
			map[string]any{"method": "GET", "path": "/Users"},
		)).want(t, http.StatusOK)
		ops = r.bulkOps()
		if len(ops) != 3 || ops[1]["status"] != "400" || ops[2]["status"] != "400" {
			t.Fatalf("operations: %s", r.Raw)
		}
		if d := ops[1]["response"].(map[string]any)["detail"]; d != `bulkId "zzz" names no resource an earlier operation of this request created` {
			t.Errorf("detail %v", d)
		}
		if d := ops[2]["response"].(map[string]any)["detail"]; d != "GET /Users is not an operation /Bulk can run" {
			t.Errorf("detail %v", d)
		}

		// A clash the push itself finds (with a hand-made user's email)
		// rolls back to its savepoint: the transaction goes on.
		s.handMade("hand", "hand@example.com")
		clash := userBody("clash")
		clash["emails"] = []any{map[string]any{"value": "hand@example.com"}}
		r = s.do("POST", "/Bulk", bulkBody(0,
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "x", "data": clash},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "d", "data": userBody("dee")},
		)).want(t, http.StatusOK)
		if ops = r.bulkOps(); len(ops) != 2 || ops[0]["status"] != "409" || ops[1]["status"] != "201" {
			t.Fatalf("operations: %s", r.Raw)
		}
		if list := s.do("GET", "/Users", nil); list.num("totalResults") != 2 {
			t.Errorf("users: %s", list.Raw)
		}

		four := bulkBody(0)
		four["Operations"] = []any{map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}}
		s.do("POST", "/Bulk", four).wantError(t, http.StatusRequestEntityTooLarge, "", "the bulk request holds 4 operations, more than maxOperations (3)")
		s.do("POST", "/Bulk", map[string]any{"Operations": []any{}}).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidSyntax, scim.BulkRequestURN)
		s.do("POST", "/Bulk", `{"schemas": 3}`).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidSyntax, "the bulk request is not valid")
	})
}

func TestBulkPayloadLimit(t *testing.T) {
	db := dbtest.SQLite(t)
	s := newServer(t, db, scim.Options{MaxPayloadBytes: 200})
	ops := []map[string]any{}
	for _, n := range []string{"a1", "a2", "a3"} {
		ops = append(ops, map[string]any{"method": "POST", "path": "/Users", "bulkId": n, "data": userBody(n)})
	}
	s.do("POST", "/Bulk", bulkBody(0, ops...)).wantError(t, http.StatusRequestEntityTooLarge, "", "the request body is over 200 bytes")
}
