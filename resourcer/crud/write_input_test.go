package crud_test

import (
	"testing"
)

// TestWriteNUL is issue #9 class 10: a NUL byte in any written string is
// the same 400 naming the field on both databases (it was a 500 on
// SQLite), and nothing is written.
func TestWriteNUL(t *testing.T) {
	runWriteCases(t, []wCase{{
		name:   "create",
		user:   1,
		method: "POST", target: "/api/articles", body: `{"title":"a\u0000b"}`,
		code: 400, msg: "values.title: contains a NUL byte",
	}, {
		name:   "update",
		user:   1,
		method: "PUT", target: "/api/articles/1", body: `{"body":"ok","title":"\u0000"}`,
		code: 400, msg: "values.title: contains a NUL byte",
	}, {
		name:   "bulk update",
		user:   1,
		method: "POST", target: `/api/articles:update?filter={"views":{"$gt":0}}`, body: `{"body":"x\u0000"}`,
		code: 400, msg: "values.body: contains a NUL byte",
	}, {
		name:   "inside a JSON value",
		user:   1,
		method: "POST", target: "/api/articles", body: `{"title":"j","meta":{"a":["ok","b\u0000"]}}`,
		code: 400, msg: "values.meta: contains a NUL byte",
	}, {
		name:   "in a JSON key",
		user:   1,
		method: "POST", target: "/api/articles", body: `{"title":"j","meta":{"a\u0000":1}}`,
		code: 400, msg: "values.meta: contains a NUL byte",
	}, {
		name:   "in an updateOrCreate filter key",
		user:   1,
		method: "POST", target: "/api/articles:updateOrCreate?filterKeys=title", body: `{"title":"a1\u0000"}`,
		code: 400, msg: "values.title: contains a NUL byte",
	}, {
		name:   "in a firstOrCreate value",
		user:   1,
		method: "POST", target: "/api/articles:firstOrCreate?filterKeys=title", body: `{"title":"zz","body":"\u0000"}`,
		code: 400, msg: "values.body: contains a NUL byte",
	}, {
		name:   "a dropped value is not written, so not refused",
		grant:  &wGrant{params: map[string]any{"whitelist": []any{"title"}}},
		user:   1,
		method: "POST", target: "/api/articles", body: `{"title":"ok","body":"\u0000"}`,
		code:   200,
		change: withRow(wRow{ID: 4, Title: "ok", Status: "draft", CreatedByID: 1, UpdatedByID: 1}),
	}, {
		name:   "other control characters are text",
		user:   1,
		method: "POST", target: "/api/articles", body: `{"title":"a\u0001\u001fb"}`,
		code:   200,
		change: withRow(wRow{ID: 4, Title: "a\x01\x1fb", Status: "draft", CreatedByID: 1, UpdatedByID: 1}),
	}})
}

// TestWriteBulkGuard is issue #9 class 12: bulk update and destroy need
// filterByTk or a filter of the request's own; the ACL's filter (own rows)
// does not count, and an empty or vacuous filter is none.
func TestWriteBulkGuard(t *testing.T) {
	member := &wGrant{params: map[string]any{"filter": own}}
	runWriteCases(t, []wCase{{
		name:   "bare DELETE",
		grant:  member,
		user:   2,
		method: "DELETE", target: "/api/articles",
		code: 400, msg: "destroy needs filterByTk or a filter",
	}, {
		name:   "destroy with an empty filter",
		grant:  member,
		user:   2,
		method: "POST", target: "/api/articles:destroy?filter={}",
		code: 400, msg: "destroy needs filterByTk or a filter",
	}, {
		name:   "update with an empty filter",
		grant:  member,
		user:   2,
		method: "POST", target: "/api/articles:update?filter={}", body: `{"body":"all"}`,
		code: 400, msg: "update needs filterByTk or a filter",
	}, {
		name:   "update with a filter that selects nothing in particular",
		grant:  member,
		user:   2,
		method: "POST", target: `/api/articles:update?filter={"$and":[]}`, body: `{"body":"all"}`,
		code: 400, msg: "update needs filterByTk or a filter",
	}, {
		name:   "without an ACL too",
		user:   1,
		method: "DELETE", target: "/api/articles",
		code: 400, msg: "destroy needs filterByTk or a filter",
	}, {
		name:   "GET on destroy is refused",
		grant:  member,
		user:   2,
		method: "GET", target: "/api/articles:destroy?filterByTk=2",
		code: 405,
	}, {
		name:   "a request filter, within the ACL's",
		grant:  member,
		user:   2,
		method: "POST", target: `/api/articles:destroy?filter={"views":{"$gte":0}}`,
		code: 200, data: `2`,
		change: func(rows []wRow) []wRow { return rows[2:] },
	}, {
		name:   "bulk update with a request filter, within the ACL's",
		grant:  member,
		user:   2,
		method: "POST", target: `/api/articles:update?filter={"views":{"$gte":0}}`, body: `{"body":"all"}`,
		code:   200,
		data:   `[{"id":1,"title":"a1","body":"all","status":"draft","secret":"s1","views":1,"meta":null,"createdById":2,"updatedById":2},{"id":2,"title":"a2","body":"all","status":"published","secret":"s2","views":2,"meta":null,"createdById":2,"updatedById":2}]`,
		change: func(rows []wRow) []wRow { rows[0].Body, rows[1].Body = "all", "all"; return rows },
	}, {
		name:   "filterByTk, within the ACL's",
		grant:  member,
		user:   2,
		method: "DELETE", target: "/api/articles/1,3",
		code: 200, data: `1`,
		change: func(rows []wRow) []wRow { return rows[1:] },
	}, {
		name:   "filterByTk outside the ACL's",
		grant:  member,
		user:   2,
		method: "DELETE", target: "/api/articles/3",
		code: 404,
	}, {
		name:   "the request's filter names only what it may read",
		grant:  &wGrant{params: map[string]any{"filter": own}, readable: map[string][]string{"articles": {"title"}}},
		user:   2,
		method: "POST", target: `/api/articles:destroy?filter={"secret":{"$startsWith":"s"}}`,
		code: 400, msg: "secret",
	}})
}
