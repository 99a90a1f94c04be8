package crud_test

import (
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
)

// wCase is one write: the request, the grant it runs under, and what the
// table looks like afterwards (change applied to the seeded rows; nil:
// unchanged). Comparing whole tables proves nothing outside the grant was
// written.
type wCase struct {
	name                 string
	grant                *wGrant
	user                 int64
	method, target, body string
	code                 int
	msg                  string // part of the error message
	data                 string // the reply's data as JSON, when given
	change               func(rows []wRow) []wRow
}

func runWriteCases(t *testing.T, cases []wCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				h := wAPI(t, db, crud.Options{})
				want := wRows(t, db)
				r := wDo(t, h, c.grant, c.user, c.method, c.target, c.body)
				wWant(t, "reply", r, c.code, c.msg)
				if c.data != "" {
					wJSON(t, "data", r.Data, c.data)
				}
				if c.change != nil {
					want = c.change(slices.Clone(want))
				}
				wDiff(t, "table", want, wRows(t, db))
			})
		})
	}
}

var own = map[string]any{"createdById": 2}

// withRow appends a row the write created.
func withRow(row wRow) func([]wRow) []wRow {
	return func(rows []wRow) []wRow { return append(rows, row) }
}

// setRow applies fn to the row with key id.
func setRow(id int64, fn func(*wRow)) func([]wRow) []wRow {
	return func(rows []wRow) []wRow {
		for i := range rows {
			if rows[i].ID == id {
				fn(&rows[i])
			}
		}
		return rows
	}
}

// TestWriteBlacklistsUnite is issue #9 class 4: a request's blacklist adds
// to the grant's and its whitelist can only narrow; crud writes nothing the
// merged params leave out, on update and create.
func TestWriteBlacklistsUnite(t *testing.T) {
	hostile := `{"title":"t","body":"nb","status":"published","secret":"x","createdById":1,"views":99}`
	runWriteCases(t, []wCase{{
		name:   "update: the request's blacklist cannot lift the grant's",
		grant:  &wGrant{params: map[string]any{"filter": own, "blacklist": []any{"createdById", "status", "secret"}}},
		user:   2,
		method: "PUT", target: "/api/articles/1?blacklist=title", body: hostile,
		code:   200,
		change: setRow(1, func(r *wRow) { r.Body, r.Views = "nb", 99 }),
	}, {
		name:   "update: the request's whitelist cannot add to the grant's",
		grant:  &wGrant{params: map[string]any{"filter": own, "whitelist": []any{"body"}}},
		user:   2,
		method: "PUT", target: "/api/articles/1?whitelist=body,secret,status,views", body: hostile,
		code:   200,
		change: setRow(1, func(r *wRow) { r.Body = "nb" }),
	}, {
		name:   "update: whitelists that do not meet write nothing",
		grant:  &wGrant{params: map[string]any{"filter": own, "whitelist": []any{"body"}}},
		user:   2,
		method: "PUT", target: "/api/articles/1?whitelist=secret", body: hostile,
		code: 200,
	}, {
		name:   "update: another's row stays out of scope",
		grant:  &wGrant{params: map[string]any{"filter": own, "blacklist": []any{"status"}}},
		user:   2,
		method: "PUT", target: "/api/articles/3?blacklist=title", body: hostile,
		code: 404,
	}, {
		name:   "create: the request's blacklist cannot lift the grant's",
		grant:  &wGrant{params: map[string]any{"blacklist": []any{"status", "secret"}}},
		user:   2,
		method: "POST", target: "/api/articles?blacklist=title", body: hostile,
		code:   200,
		data:   `{"id":4,"title":"","body":"nb","status":"draft","secret":"","views":99,"meta":null,"createdById":2,"updatedById":2}`,
		change: withRow(wRow{ID: 4, Body: "nb", Status: "draft", Views: 99, CreatedByID: 2, UpdatedByID: 2}),
	}, {
		name:   "create: the request's whitelist cannot add to the grant's",
		grant:  &wGrant{params: map[string]any{"whitelist": []any{"title", "body"}}},
		user:   2,
		method: "POST", target: "/api/articles?whitelist=title,secret,status", body: hostile,
		code:   200,
		change: withRow(wRow{ID: 4, Title: "t", Status: "draft", CreatedByID: 2, UpdatedByID: 2}),
	}})
}

// TestWriteUpsertScope is issue #9 class 5: updateOrCreate and
// firstOrCreate honour the grant's whitelist and fields, whether they find
// a row or create one, and never reach outside the grant's filter.
func TestWriteUpsertScope(t *testing.T) {
	hostile := func(title string) string {
		return `{"title":"` + title + `","body":"nb","status":"published","secret":"x","createdById":3,"views":99}`
	}
	writer := &wGrant{params: map[string]any{"filter": own, "whitelist": []any{"title", "body"}}}
	runWriteCases(t, []wCase{{
		name:   "updateOrCreate updates only whitelisted fields",
		grant:  writer,
		user:   2,
		method: "POST", target: "/api/articles:updateOrCreate?filterKeys=title", body: hostile("a1"),
		code:   200,
		data:   `{"id":1,"title":"a1","body":"nb","status":"draft","secret":"s1","views":1,"meta":null,"createdById":2,"updatedById":2}`,
		change: setRow(1, func(r *wRow) { r.Body = "nb" }),
	}, {
		name:   "updateOrCreate creates with only whitelisted fields",
		grant:  writer,
		user:   2,
		method: "POST", target: "/api/articles:updateOrCreate?filterKeys=title", body: hostile("new"),
		code:   200,
		change: withRow(wRow{ID: 4, Title: "new", Body: "nb", Status: "draft", CreatedByID: 2, UpdatedByID: 2}),
	}, {
		name:   "updateOrCreate does not update a row outside the grant's filter",
		grant:  writer,
		user:   2,
		method: "POST", target: "/api/articles:updateOrCreate?filterKeys=title", body: hostile("a3"),
		code: 409, msg: "title",
	}, {
		name:   "updateOrCreate: the grant's fields are a write whitelist",
		grant:  &wGrant{params: map[string]any{"fields": []any{"title", "views"}}},
		user:   2,
		method: "POST", target: "/api/articles:updateOrCreate?filterKeys=title", body: hostile("a2"),
		code:   200,
		change: setRow(2, func(r *wRow) { r.Views, r.UpdatedByID = 99, 2 }),
	}, {
		name:   "updateOrCreate: request fields narrow the grant's whitelist",
		grant:  writer,
		user:   2,
		method: "POST", target: "/api/articles:updateOrCreate?filterKeys=title&fields=title", body: hostile("a1"),
		code: 200,
	}, {
		name:   "firstOrCreate creates with only the grant's fields",
		grant:  &wGrant{params: map[string]any{"fields": []any{"title"}}},
		user:   2,
		method: "POST", target: "/api/articles:firstOrCreate?filterKeys=title", body: hostile("new"),
		code:   200,
		change: withRow(wRow{ID: 4, Title: "new", Status: "draft", CreatedByID: 2, UpdatedByID: 2}),
	}, {
		name:   "firstOrCreate returns a found row unchanged",
		grant:  writer,
		user:   2,
		method: "POST", target: "/api/articles:firstOrCreate?filterKeys=title", body: hostile("a2"),
		code: 200,
		data: `{"id":2,"title":"a2","body":"b2","status":"published","secret":"s2","views":2,"meta":null,"createdById":2,"updatedById":2}`,
	}, {
		name:   "fields and whitelist that do not meet are a 400",
		grant:  &wGrant{params: map[string]any{"fields": []any{"secret"}}},
		user:   2,
		method: "POST", target: "/api/articles:updateOrCreate?filterKeys=title&fields=body", body: hostile("a1"),
		code: 400, msg: "fields: no field to write",
	}, {
		name:   "filterKeys name only readable fields",
		grant:  &wGrant{params: map[string]any{}, readable: map[string][]string{"articles": {"id", "title", "body"}}},
		user:   2,
		method: "POST", target: "/api/articles:firstOrCreate?filterKeys=secret", body: hostile("a1"),
		code: 400, msg: "filterKeys: articles has no field secret",
	}, {
		name:   "an unreadable filterKey looks like an unknown one",
		grant:  &wGrant{params: map[string]any{}, readable: map[string][]string{"articles": {"id", "title", "body"}}},
		user:   2,
		method: "POST", target: "/api/articles:firstOrCreate?filterKeys=nosuch", body: hostile("a1"),
		code: 400, msg: "filterKeys: articles has no field nosuch",
	}})
}

// TestWriteServerColumns: a model's ServerColumns are the server's when a
// user is signed in (NocoBase overwrites createdById), on every write;
// without one (a system job) preset values stay.
func TestWriteServerColumns(t *testing.T) {
	runWriteCases(t, []wCase{{
		name:   "create ignores the client's audit values",
		user:   1,
		method: "POST", target: "/api/articles", body: `{"title":"r","createdById":3,"updatedById":3}`,
		code:   200,
		change: withRow(wRow{ID: 4, Title: "r", Status: "draft", CreatedByID: 1, UpdatedByID: 1}),
	}, {
		name:   "create ignores a server-owned association",
		user:   1,
		method: "POST", target: "/api/articles", body: `{"title":"r","createdBy":{"id":3}}`,
		code:   200,
		change: withRow(wRow{ID: 4, Title: "r", Status: "draft", CreatedByID: 1, UpdatedByID: 1}),
	}, {
		name:   "update ignores the client's audit values",
		user:   1,
		method: "PUT", target: "/api/articles/3", body: `{"body":"x","createdById":1,"updatedById":2}`,
		code:   200,
		change: setRow(3, func(r *wRow) { r.Body, r.UpdatedByID = "x", 1 }),
	}, {
		name:   "updateOrCreate ignores the client's audit values",
		user:   1,
		method: "POST", target: "/api/articles:updateOrCreate?filterKeys=title", body: `{"title":"a3","createdById":1}`,
		code:   200,
		change: setRow(3, func(r *wRow) { r.UpdatedByID = 1 }),
	}, {
		name:   "without a user preset values stay",
		method: "POST", target: "/api/articles", body: `{"title":"sys","createdById":3,"updatedById":3}`,
		code:   200,
		change: withRow(wRow{ID: 4, Title: "sys", Status: "draft", CreatedByID: 3, UpdatedByID: 3}),
	}, {
		name:   "without a user an association is still not writable",
		method: "POST", target: "/api/articles", body: `{"title":"sys","createdBy":{"id":3}}`,
		code: 400, msg: "values.createdBy: associations cannot be written",
	}})
}

// TestWriteReplyIsReadable: a write answers with what the request may
// read of the row, not everything it may write.
func TestWriteReplyIsReadable(t *testing.T) {
	reader := map[string][]string{"articles": {"title"}}
	runWriteCases(t, []wCase{{
		name:   "update",
		grant:  &wGrant{params: map[string]any{"filter": own}, readable: reader},
		user:   2,
		method: "PUT", target: "/api/articles/1", body: `{"body":"x"}`,
		code:   200,
		data:   `{"id":1,"title":"a1"}`,
		change: setRow(1, func(r *wRow) { r.Body = "x" }),
	}, {
		name:   "create",
		grant:  &wGrant{params: map[string]any{}, readable: reader},
		user:   2,
		method: "POST", target: "/api/articles", body: `{"title":"n","secret":"x"}`,
		code:   200,
		data:   `{"id":4,"title":"n"}`,
		change: withRow(wRow{ID: 4, Title: "n", Status: "draft", Secret: "x", CreatedByID: 2, UpdatedByID: 2}),
	}, {
		name:   "a role that reads nothing gets the key of what it created",
		grant:  &wGrant{params: map[string]any{}, readable: map[string][]string{}},
		user:   2,
		method: "POST", target: "/api/articles", body: `{"title":"n"}`,
		code:   200,
		data:   `{"id":4}`,
		change: withRow(wRow{ID: 4, Title: "n", Status: "draft", CreatedByID: 2, UpdatedByID: 2}),
	}})
}
