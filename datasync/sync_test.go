package datasync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// The engine's tests run UserData through two resources of their own,
// real implementations over tables of their own: perRecordUsers, NocoBase's
// MockUsersResource on a table, and batchItems, a set-based resource.

// mockUserRow is a row of perRecordUsers' table.
type mockUserRow struct {
	bun.BaseModel `bun:"table:mock_users"`
	ID            int64  `bun:"id,pk,autoincrement"`
	UID           string `bun:"uid,notnull"`
	Nickname      string `bun:"nickname,notnull"`
}

// perRecordUsers is NocoBase's MockUsersResource writing to mock_users:
// Create inserts a row and links it, Update rewrites the linked row (or
// re-creates it if it vanished, as the users resource does).
type perRecordUsers struct {
	name    string
	accepts []datasync.DataType
	// failOn lists uids whose call fails after writing its row, so a
	// savepoint has something to undo.
	failOn map[string]bool

	mu    sync.Mutex
	calls []string // "create:1", "update:20"
}

func newPerRecordUsers(name string) *perRecordUsers {
	return &perRecordUsers{name: name, accepts: []datasync.DataType{datasync.DataTypeUser}, failOn: map[string]bool{}}
}

func (p *perRecordUsers) Name() string                 { return p.name }
func (p *perRecordUsers) Accepts() []datasync.DataType { return p.accepts }

func (p *perRecordUsers) called(what string, rec *datasync.OriginRecord) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, what+":"+rec.SourceUk)
}

func (p *perRecordUsers) Create(ctx context.Context, tx bun.IDB, rec *datasync.OriginRecord, _ string) ([]datasync.RecordResourceChanged, error) {
	p.called("create", rec)
	row := mockUserRow{UID: rec.SourceUk, Nickname: nickname(rec.MetaData)}
	if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
		return nil, err
	}
	if p.failOn[rec.SourceUk] {
		return nil, fmt.Errorf("%s refuses uid %s", p.name, rec.SourceUk)
	}
	return []datasync.RecordResourceChanged{{ResourcePk: strconv.FormatInt(row.ID, 10)}}, nil
}

func (p *perRecordUsers) Update(ctx context.Context, tx bun.IDB, rec *datasync.OriginRecord, pks []string, matchKey string) ([]datasync.RecordResourceChanged, error) {
	p.called("update", rec)
	res, err := tx.NewUpdate().Model((*mockUserRow)(nil)).
		Set("nickname = ?", nickname(rec.MetaData)).Where("id = ?", pks[0]).Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		created, err := p.Create(ctx, tx, rec, matchKey)
		if err != nil {
			return nil, err
		}
		return append(created, datasync.RecordResourceChanged{ResourcePk: pks[0], IsDeleted: true}), nil
	}
	if p.failOn[rec.SourceUk] {
		return nil, fmt.Errorf("%s refuses uid %s", p.name, rec.SourceUk)
	}
	return nil, nil
}

func nickname(rec datasync.Record) string {
	s, _ := rec["nickname"].(string)
	return s
}

// itemRow is a row of batchItems' table.
type itemRow struct {
	bun.BaseModel `bun:"table:mock_items,alias:i"`
	ID            int64  `bun:"id,pk,autoincrement"`
	UID           string `bun:"uid,notnull"`
	Title         string `bun:"title,notnull"`
}

// batchItems is a BatchResource keeping one mock_items row per record:
// "title" is required, "isDeleted" removes the row, other fields are
// ignored. Each ApplyBatch defers a step that notes which chunk it came
// from and how many rows exist when it runs.
type batchItems struct {
	// breakApply makes ApplyBatch of that chunk (1 = the first) fail with
	// a real database error: a statement on a missing table.
	breakApply int
	prepareErr error

	mu       sync.Mutex
	applied  int
	prepared int
	deferred []string
}

func (*batchItems) Name() string                 { return "items" }
func (*batchItems) Accepts() []datasync.DataType { return []datasync.DataType{datasync.DataTypeUser} }

func (b *batchItems) Prepare(_ context.Context, _ bun.IDB, data *datasync.UserData, batch *datasync.Batch) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prepared++
	if len(batch.Records) != 0 || len(data.Records) == 0 {
		return errors.New("prepare wants the whole data and a batch without records")
	}
	return b.prepareErr
}

// firstLink returns the primary key of rec's first written link to items.
func firstLink(rec *datasync.BatchRecord) string {
	for _, pk := range rec.LinksTo("items") {
		if pk != "" {
			return pk
		}
	}
	return ""
}

func (b *batchItems) PlanBatch(ctx context.Context, db bun.IDB, batch *datasync.Batch) (*datasync.ResourcePlan, error) {
	var pks []string
	for i := range batch.Records {
		if pk := firstLink(&batch.Records[i]); pk != "" {
			pks = append(pks, pk)
		}
	}
	rows := map[string]string{} // pk → title
	if len(pks) > 0 {
		var found []itemRow
		if err := db.NewSelect().Model(&found).Where("id IN (?)", bun.List(pks)).Scan(ctx); err != nil {
			return nil, err
		}
		for _, r := range found {
			rows[strconv.FormatInt(r.ID, 10)] = r.Title
		}
	}
	plan := &datasync.ResourcePlan{Resource: "items"}
	for i := range batch.Records {
		planItem(plan, &batch.Records[i], rows)
	}
	slices.Sort(plan.Ignored)
	plan.Ignored = slices.Compact(plan.Ignored)
	return plan, nil
}

func planItem(plan *datasync.ResourcePlan, rec *datasync.BatchRecord, rows map[string]string) {
	uid := rec.SourceUk
	pk := firstLink(rec)
	old, exists := rows[pk]
	for k := range rec.MetaData {
		if k != "uid" && k != "title" && k != "isDeleted" {
			plan.Ignored = append(plan.Ignored, k)
		}
	}
	title, _ := rec.MetaData["title"].(string)
	switch {
	case rec.MetaData.IsDeleted() && exists:
		plan.Deletes = append(plan.Deletes, datasync.RecordChange{UID: uid, PK: pk})
	case rec.MetaData.IsDeleted():
		plan.Unchanged++
	case title == "":
		plan.Failures = append(plan.Failures, datasync.FailedRecord{Record: rec.MetaData, Message: "title is required"})
	case pk != "" && !exists:
		plan.Creates = append(plan.Creates, datasync.RecordChange{UID: uid, Values: map[string]any{"title": title}, Reason: "the linked row vanished"})
	case pk == "":
		plan.Creates = append(plan.Creates, datasync.RecordChange{UID: uid, Values: map[string]any{"title": title}})
	case old == title:
		plan.Unchanged++
	default:
		plan.Updates = append(plan.Updates, datasync.RecordChange{UID: uid, PK: pk, Values: map[string]any{"title": title}, Previous: map[string]any{"title": old}})
	}
}

func (b *batchItems) ApplyBatch(ctx context.Context, tx bun.IDB, batch *datasync.Batch, plan *datasync.ResourcePlan) ([]datasync.LinkChange, error) {
	b.mu.Lock()
	b.applied++
	chunk := b.applied
	b.mu.Unlock()
	if chunk == b.breakApply {
		if _, err := tx.ExecContext(ctx, "INSERT INTO mock_missing (id) VALUES (1)"); err != nil {
			return nil, err
		}
	}
	var changes []datasync.LinkChange
	if len(plan.Creates) > 0 {
		rows := make([]itemRow, len(plan.Creates))
		for i, c := range plan.Creates {
			rows[i] = itemRow{UID: c.UID, Title: c.Values["title"].(string)}
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return nil, err
		}
		vanished := map[string]string{}
		for i := range batch.Records {
			if pk := firstLink(&batch.Records[i]); pk != "" {
				vanished[batch.Records[i].SourceUk] = pk
			}
		}
		for _, r := range rows {
			changes = append(changes, datasync.LinkChange{UID: r.UID, ResourcePk: strconv.FormatInt(r.ID, 10)})
			if old, ok := vanished[r.UID]; ok {
				changes = append(changes, datasync.LinkChange{UID: r.UID, ResourcePk: old, IsDeleted: true})
			}
		}
	}
	for _, u := range plan.Updates {
		if _, err := tx.NewUpdate().Model((*itemRow)(nil)).Set("title = ?", u.Values["title"]).Where("id = ?", u.PK).Exec(ctx); err != nil {
			return nil, err
		}
	}
	for _, d := range plan.Deletes {
		if _, err := tx.NewDelete().Model((*itemRow)(nil)).Where("id = ?", d.PK).Exec(ctx); err != nil {
			return nil, err
		}
		changes = append(changes, datasync.LinkChange{UID: d.UID, ResourcePk: d.PK, IsDeleted: true})
	}
	batch.Defer(func(ctx context.Context, tx bun.IDB) error {
		n, err := tx.NewSelect().Model((*itemRow)(nil)).Count(ctx)
		b.mu.Lock()
		defer b.mu.Unlock()
		b.deferred = append(b.deferred, fmt.Sprintf("chunk %d sees %d rows", chunk, n))
		return err
	})
	return changes, nil
}

// queryCounter counts what a database handle runs: every statement, the
// statements that write (INSERT, UPDATE, DELETE) and the rows they touch.
type queryCounter struct{ statements, writes, rows atomic.Int64 }

func (*queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (c *queryCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	c.statements.Add(1)
	switch e.Operation() {
	case "INSERT", "UPDATE", "DELETE":
		c.writes.Add(1)
		if e.Err == nil && e.Result != nil {
			if n, err := e.Result.RowsAffected(); err == nil {
				c.rows.Add(n)
			}
		}
	}
}

// newEngine creates the sync tables and the test resources' tables on db
// and returns a manager with resources registered in the given order.
func newEngine(t *testing.T, db *bun.DB, opts datasync.Options, resources ...datasync.Resource) *datasync.Manager {
	t.Helper()
	ctx := context.Background()
	if err := datasync.CreateTables(ctx, db); err != nil {
		t.Fatal(err)
	}
	for _, model := range []any{(*mockUserRow)(nil), (*itemRow)(nil)} {
		if _, err := db.NewCreateTable().Model(model).IfNotExists().Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m := datasync.NewManager(db, opts)
	for _, res := range resources {
		if err := m.RegisterResource(res, datasync.RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// userRecords makes user records uid → nickname and title "T"+uid.
func userRecords(source string, uids ...int) datasync.UserData {
	data := datasync.UserData{DataType: datasync.DataTypeUser, SourceName: source, Records: []datasync.Record{}}
	for _, id := range uids {
		uid := strconv.Itoa(id)
		data.Records = append(data.Records, datasync.Record{"uid": uid, "nickname": "n" + uid, "title": "T" + uid})
	}
	return data
}

func mustSync(t *testing.T, m *datasync.Manager, data datasync.UserData) []datasync.SyncResult {
	t.Helper()
	res, err := m.UpdateOrCreate(context.Background(), data)
	if err != nil {
		t.Fatalf("UpdateOrCreate: %v", err)
	}
	return res
}

// syncRecordRow is what a test compares of a sync record.
type syncRecordRow struct {
	SourceName   string
	DataType     datasync.DataType
	SourceUk     string
	MetaData     datasync.Record
	LastMetaData datasync.Record
	Hashed       bool
	Links        []string // "resource=pk"
}

// syncRecords loads the sync records of source, by uid.
func syncRecords(t *testing.T, db *bun.DB, source string) map[string]syncRecordRow {
	t.Helper()
	var rows []datasync.SyncRecord
	err := db.NewSelect().Model(&rows).Relation("Resources", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Order("id")
	}).Where("? = ?", bun.Ident("sourceName"), source).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]syncRecordRow{}
	for _, r := range rows {
		row := syncRecordRow{SourceName: r.SourceName, DataType: r.DataType, SourceUk: r.SourceUk,
			MetaData: r.MetaData, LastMetaData: r.LastMetaData, Hashed: r.MetaHash != ""}
		for _, l := range r.Resources {
			row.Links = append(row.Links, l.Resource+"="+l.ResourcePk)
		}
		out[r.SourceUk] = row
	}
	return out
}

func tableRows[T any](t *testing.T, db *bun.DB) []T {
	t.Helper()
	var rows []T
	if err := db.NewSelect().Model(&rows).Order("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rows
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func TestValidation(t *testing.T) {
	records := func(recs ...datasync.Record) []datasync.Record { return recs }
	cases := []struct {
		name    string
		data    datasync.UserData
		want    string
		records []int
	}{
		{"no dataType", datasync.UserData{SourceName: "hr", Records: records(datasync.Record{"uid": "1"})},
			"dataType for user data synchronize is required", nil},
		{"unknown dataType", datasync.UserData{DataType: "role", SourceName: "hr", Records: records(datasync.Record{"uid": "1"})},
			"dataType must be user or department", nil},
		{"no records", datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "hr"},
			"records for user data synchronize is required", nil},
		{"empty records", datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "hr", Records: []datasync.Record{}},
			"records must have at least one piece of data", nil},
		{"unsupported dataType", datasync.UserData{DataType: datasync.DataTypeDepartment, SourceName: "hr", Records: records(datasync.Record{"uid": "1"})},
			"dataType department is not supported", nil},
		{"no sourceName", datasync.UserData{DataType: datasync.DataTypeUser, Records: records(datasync.Record{"uid": "1"})},
			"sourceName for user data synchronize is required", nil},
		{"a record without uid", datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "hr",
			Records: records(datasync.Record{"uid": "1"}, datasync.Record{"uid": "2"}, datasync.Record{"uid": "3"}, datasync.Record{"nickname": "secret"})},
			"record must has uid, error record: records[3]", []int{3}},
		{"records without a usable uid", datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "hr",
			Records: records(datasync.Record{"uid": ""}, datasync.Record{"uid": 1.5}, nil, datasync.Record{"uid": 7})},
			"record must has uid, error record: records[0] (and 2 more)", []int{0, 1, 2}},
		{"a duplicate uid", datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "hr",
			Records: records(datasync.Record{"uid": "1"}, datasync.Record{"uid": "2"}, datasync.Record{"uid": "3"}, datasync.Record{"uid": json.Number("2")})},
			`uid "2" appears twice: records[1] and records[3]`, []int{1, 3}},
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		res := newPerRecordUsers("mock-users")
		m := newEngine(t, db, datasync.Options{}, res)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				for op, run := range map[string]func() error{
					"UpdateOrCreate": func() error { _, err := m.UpdateOrCreate(context.Background(), tc.data); return err },
					"Plan":           func() error { _, err := m.Plan(context.Background(), tc.data); return err },
				} {
					err := run()
					var de *datasync.DataError
					if !errors.As(err, &de) || !errors.Is(err, datasync.ErrInvalidData) {
						t.Fatalf("%s: want a *DataError, got %v", op, err)
					}
					if de.Message != tc.want || !slices.Equal(de.Records, tc.records) || de.HTTPStatus() != 400 {
						t.Errorf("%s: got %q %v (status %d), want %q %v", op, de.Message, de.Records, de.HTTPStatus(), tc.want, tc.records)
					}
				}
			})
		}
		if n := len(tableRows[datasync.SyncRecord](t, db)) + len(tableRows[mockUserRow](t, db)); n != 0 || len(res.calls) != 0 {
			t.Errorf("invalid data wrote %d rows, made calls %v", n, res.calls)
		}
	})
}

// TestChunking: ChunkSize 3 over 10 records gives the same results, rows,
// sync records and plan as one chunk.
func TestChunking(t *testing.T) {
	type outcome struct {
		Plan    *datasync.Plan
		Results []datasync.SyncResult
		Users   []mockUserRow
		Items   []itemRow
		Records map[string]syncRecordRow
	}
	run := func(t *testing.T, db *bun.DB, chunk int) outcome {
		m := newEngine(t, db, datasync.Options{ChunkSize: chunk}, newPerRecordUsers("mock-users"), &batchItems{})
		data := userRecords("hr", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
		mustSync(t, m, data)
		data.Records[4]["title"] = "changed"
		data.Records[9] = datasync.Record{"uid": "10", "isDeleted": true}
		data.Records = append(data.Records, datasync.Record{"uid": "11", "title": "new"})
		plan, err := m.Plan(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		results := mustSync(t, m, data)
		return outcome{plan, results, tableRows[mockUserRow](t, db), tableRows[itemRow](t, db), syncRecords(t, db, "hr")}
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		small := run(t, db, 3)
		var big outcome
		if db.Dialect().Name().String() == "sqlite" {
			big = run(t, dbtest.SQLite(t), 1000)
		} else {
			big = run(t, dbtest.Postgres(t), 1000)
		}
		if diff := cmp.Diff(big, small, cmp.AllowUnexported(datasync.Plan{})); diff != "" {
			t.Errorf("ChunkSize 3 vs 1000 (-1000 +3):\n%s", diff)
		}
		if got := small.Plan.Records; got != (datasync.RecordCounts{New: 1, Changed: 2, Unchanged: 8}) {
			t.Errorf("record counts: %+v", got)
		}
	})
}

// TestUnchangedResyncWritesNothing: the same data again costs no write
// statement at all, and a changed record costs only its own writes.
func TestUnchangedResyncWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		counter := &queryCounter{}
		db = db.WithQueryHook(counter)
		res := newPerRecordUsers("mock-users")
		var events []datasync.Progress
		m := newEngine(t, db, datasync.Options{ChunkSize: 4, OnProgress: func(p datasync.Progress) { events = append(events, p) }}, res, &batchItems{})
		decoded := func() datasync.UserData {
			// As a push decodes it: numbers are json.Number.
			var data datasync.UserData
			dec := json.NewDecoder(strings.NewReader(`{"dataType":"user","sourceName":"hr","records":[
				{"uid":1,"nickname":"a","title":"A","age":41.50,"tags":["x","y"],"extra":{"b":1,"a":2}},
				{"uid":"2","title":"B","nickname":"<b>"},{"uid":3,"title":"C"},{"uid":4,"title":"D"},{"uid":5,"title":"E"}]}`))
			dec.UseNumber()
			if err := dec.Decode(&data); err != nil {
				t.Fatal(err)
			}
			return data
		}
		first := mustSync(t, m, decoded())
		before := dumpTables(t, db)
		res.calls, events = nil, nil
		counter.writes.Store(0)

		again := mustSync(t, m, decoded())
		if n := counter.writes.Load(); n != 0 {
			t.Errorf("an unchanged re-sync ran %d write statements", n)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Errorf("results differ (-first +again):\n%s", diff)
		}
		if diff := cmp.Diff(before, dumpTables(t, db)); diff != "" {
			t.Errorf("tables changed (-before +after):\n%s", diff)
		}
		if len(res.calls) != 0 {
			t.Errorf("the per-record resource was called for unchanged records: %v", res.calls)
		}
		last := map[string]datasync.Progress{}
		for _, e := range events {
			last[e.Resource] = e
		}
		for _, name := range []string{"mock-users", "items"} {
			if p := last[name]; p.Read != 5 || p.Unchanged != 5 || p.Created+p.Updated+p.Deleted+p.Failed != 0 {
				t.Errorf("%s progress: %+v", name, p)
			}
		}

		counter.writes.Store(0)
		changed := decoded()
		changed.Records[2]["title"] = "C2"
		mustSync(t, m, changed)
		// The sync record, the mock user and the item of uid 3.
		if n := counter.writes.Load(); n != 3 {
			t.Errorf("one changed record ran %d write statements, want 3", n)
		}
		if diff := cmp.Diff([]string{"update:3"}, res.calls); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
}

// skipFailedData has two records that fail: uid 3 in mock-users (when
// told to), uid 5 in items (no title).
func skipFailedData() datasync.UserData {
	d := userRecords("hr", 1, 2, 3, 4, 5)
	delete(d.Records[4], "title")
	return d
}

// TestFailedRecordStopsTheRun: by default a failed record stops the run
// and nothing is written.
func TestFailedRecordStopsTheRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		res := newPerRecordUsers("mock-users")
		res.failOn["3"] = true
		m := newEngine(t, db, datasync.Options{}, res, &batchItems{})
		_, err := m.UpdateOrCreate(context.Background(), skipFailedData())
		var fe *datasync.FailedError
		if !errors.As(err, &fe) || !errors.Is(err, datasync.ErrRecordsFailed) || fe.HTTPStatus() != 422 {
			t.Fatalf("want a *FailedError, got %v", err)
		}
		want := &datasync.FailedError{Resource: "mock-users", Failures: []datasync.FailedRecord{
			{Record: datasync.Record{"uid": "3", "nickname": "n3", "title": "T3"}, Message: "mock-users refuses uid 3"},
		}}
		if diff := cmp.Diff(want, fe); diff != "" {
			t.Errorf("error (-want +got):\n%s", diff)
		}
		res.failOn = map[string]bool{}
		_, err = m.UpdateOrCreate(context.Background(), skipFailedData())
		if !errors.As(err, &fe) || fe.Resource != "items" || len(fe.Failures) != 1 || fe.Failures[0].Message != "title is required" {
			t.Fatalf("want the items failure, got %v", err)
		}
		if got := dumpTables(t, db); got.rows() != 0 {
			t.Errorf("a stopped run wrote rows: %+v", got)
		}
	})
}

// TestSkipFailed: with SkipFailed the other records are applied, the
// failed record's partial writes are undone, and the results list it.
func TestSkipFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		res := newPerRecordUsers("mock-users")
		res.failOn["3"] = true
		m := newEngine(t, db, datasync.Options{SkipFailed: true}, res, &batchItems{})
		results := mustSync(t, m, skipFailedData())
		want := []datasync.SyncResult{
			{Resource: "mock-users", Detail: datasync.SyncDetail{Count: datasync.SyncCount{All: 5, Success: 4, Failed: 1},
				FailedRecords: []datasync.FailedRecord{{Record: datasync.Record{"uid": "3", "nickname": "n3", "title": "T3"}, Message: "mock-users refuses uid 3"}}}},
			{Resource: "items", Detail: datasync.SyncDetail{Count: datasync.SyncCount{All: 5, Success: 4, Failed: 1},
				FailedRecords: []datasync.FailedRecord{{Record: datasync.Record{"uid": "5", "nickname": "n5"}, Message: "title is required"}},
				IgnoredFields: []string{"nickname"}}},
		}
		if diff := cmp.Diff(want, results); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
		var uids []string
		for _, u := range tableRows[mockUserRow](t, db) {
			uids = append(uids, u.UID)
		}
		if diff := cmp.Diff([]string{"1", "2", "4", "5"}, uids); diff != "" {
			t.Errorf("mock users: the failed record's insert must be undone (-want +got):\n%s", diff)
		}
		recs := syncRecords(t, db, "hr")
		wantLinks := map[string]int{"1": 2, "3": 1, "5": 1}
		for uid, n := range wantLinks {
			if r := recs[uid]; r.Hashed != (uid == "1") || len(r.Links) != n {
				t.Errorf("sync record %s: %+v", uid, r)
			}
		}
		if !strings.HasPrefix(recs["3"].Links[0], "items=") {
			t.Errorf("sync record 3 links: %v", recs["3"].Links)
		}
	})
}

// TestFailedRecordRetried: a record that failed keeps no hash, so the next
// sync of the same data retries it (and only it).
func TestFailedRecordRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		res := newPerRecordUsers("mock-users")
		res.failOn["3"] = true
		m := newEngine(t, db, datasync.Options{SkipFailed: true}, res)
		mustSync(t, m, userRecords("hr", 1, 2, 3, 4))
		res.failOn, res.calls = map[string]bool{}, nil

		results := mustSync(t, m, userRecords("hr", 1, 2, 3, 4))
		if diff := cmp.Diff([]string{"create:3"}, res.calls); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
		if c := results[0].Detail.Count; c != (datasync.SyncCount{All: 4, Success: 4}) {
			t.Errorf("count: %+v", c)
		}
		if r := syncRecords(t, db, "hr")["3"]; !r.Hashed || len(r.Links) != 1 {
			t.Errorf("sync record 3 after the retry: %+v", r)
		}
		res.calls = nil
		mustSync(t, m, userRecords("hr", 1, 2, 3, 4))
		if len(res.calls) != 0 {
			t.Errorf("calls after a clean sync: %v", res.calls)
		}
	})
}

func TestProgress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		var events []datasync.Progress
		m := newEngine(t, db, datasync.Options{ChunkSize: 2, OnProgress: func(p datasync.Progress) { events = append(events, p) }},
			newPerRecordUsers("mock-users"), &batchItems{})
		mustSync(t, m, userRecords("hr", 1, 2, 3))
		data := userRecords("hr", 1, 2, 3, 4, 5)
		data.Records[0]["title"] = "changed"
		data.Records[1]["isDeleted"] = true
		delete(data.Records[4], "title")
		events = nil
		if _, err := m.UpdateOrCreate(context.Background(), data); err == nil {
			t.Fatal("want the run to stop on uid 5")
		}
		p := func(res string, read, created, updated, deleted, unchanged, failed int) datasync.Progress {
			return datasync.Progress{SourceName: "hr", DataType: datasync.DataTypeUser, Resource: res,
				Read: read, Created: created, Updated: updated, Deleted: deleted, Unchanged: unchanged, Failed: failed}
		}
		want := []datasync.Progress{
			p("mock-users", 2, 0, 2, 0, 0, 0), p("items", 2, 0, 1, 1, 0, 0),
			p("mock-users", 4, 1, 2, 0, 1, 0), p("items", 4, 1, 1, 1, 1, 0),
			// uid 5 has no title: mock-users takes it, items stops the run.
			p("mock-users", 5, 2, 2, 0, 1, 0),
		}
		if diff := cmp.Diff(want, events); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

// TestDeferOrder: deferred steps run after the last chunk, in the order
// they were registered, and never in a dry run.
func TestDeferOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		items := &batchItems{}
		m := newEngine(t, db, datasync.Options{ChunkSize: 2}, items)
		if _, err := m.Plan(context.Background(), userRecords("hr", 1, 2, 3, 4, 5)); err != nil {
			t.Fatal(err)
		}
		if len(items.deferred) != 0 || items.applied != 0 {
			t.Fatalf("a dry run applied %d chunks, deferred %v", items.applied, items.deferred)
		}
		mustSync(t, m, userRecords("hr", 1, 2, 3, 4, 5))
		want := []string{"chunk 1 sees 5 rows", "chunk 2 sees 5 rows", "chunk 3 sees 5 rows"}
		if diff := cmp.Diff(want, items.deferred); diff != "" {
			t.Errorf("deferred (-want +got):\n%s", diff)
		}
	})
}

// TestPreparer: Prepare runs once per UserData, dry runs included, and its
// error stops the run before anything is written.
func TestPreparer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		items := &batchItems{}
		m := newEngine(t, db, datasync.Options{ChunkSize: 2}, items)
		if _, err := m.Plan(context.Background(), userRecords("hr", 1, 2, 3)); err != nil {
			t.Fatal(err)
		}
		mustSync(t, m, userRecords("hr", 1, 2, 3))
		if items.prepared != 2 {
			t.Errorf("Prepare ran %d times for two runs", items.prepared)
		}
		items.prepareErr = &datasync.DataError{Message: "parentUid cycle: a → b → a", Records: []int{0, 1}}
		_, err := m.UpdateOrCreate(context.Background(), userRecords("hr", 4, 5))
		var de *datasync.DataError
		if !errors.As(err, &de) || err.Error() != "parentUid cycle: a → b → a" {
			t.Fatalf("want Prepare's DataError as it is, got %v", err)
		}
		if n := len(syncRecords(t, db, "hr")); n != 3 {
			t.Errorf("a refused run left %d sync records, want 3", n)
		}
	})
}

// TestLinks: deletes remove links, a vanished row is re-created and its
// link replaced, and a record whose links changed is no longer unchanged
// for the resources after.
func TestLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		res := newPerRecordUsers("mock-users")
		m := newEngine(t, db, datasync.Options{}, &batchItems{}, res)
		mustSync(t, m, userRecords("hr", 1, 2))
		items := tableRows[itemRow](t, db)
		if _, err := db.NewDelete().Model((*itemRow)(nil)).Where("id = ?", items[0].ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		res.calls = nil
		data := userRecords("hr", 1, 2)
		data.Records[1]["isDeleted"] = true
		mustSync(t, m, data)

		// uid 1 is unchanged, but items re-created its row: mock-users
		// must see it. uid 2 changed (isDeleted).
		if diff := cmp.Diff([]string{"update:1", "update:2"}, res.calls); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
		now := tableRows[itemRow](t, db)
		if len(now) != 1 || now[0].UID != "1" || now[0].ID == items[0].ID {
			t.Fatalf("items: %+v", now)
		}
		recs := syncRecords(t, db, "hr")
		mock := tableRows[mockUserRow](t, db)
		want1 := []string{"mock-users=" + itoa(mock[0].ID), "items=" + itoa(now[0].ID)}
		if diff := cmp.Diff(want1, recs["1"].Links); diff != "" {
			t.Errorf("links of 1 (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"mock-users=" + itoa(mock[1].ID)}, recs["2"].Links); diff != "" {
			t.Errorf("links of 2 (-want +got):\n%s", diff)
		}
	})
}

// TestLogs: one line per run with counts, one per failed record with its
// uid and message, and never a record's content.
func TestLogs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		var buf bytes.Buffer
		res := newPerRecordUsers("mock-users")
		res.failOn["2"] = true
		m := newEngine(t, db, datasync.Options{SkipFailed: true, Logger: slog.New(slog.NewJSONHandler(&buf, nil))}, res)
		data := datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "hr", Records: []datasync.Record{
			{"uid": "1", "nickname": "Alice Secret"}, {"uid": "2", "nickname": "Bob Secret", "email": "bob@example.com"},
		}}
		mustSync(t, m, data)
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 2 {
			t.Fatalf("want 2 log lines, got:\n%s", buf.String())
		}
		var warn, info map[string]any
		if err := json.Unmarshal([]byte(lines[0]), &warn); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(lines[1]), &info); err != nil {
			t.Fatal(err)
		}
		if warn["level"] != "WARN" || warn["uid"] != "2" || warn["message"] != "mock-users refuses uid 2" || warn["resource"] != "mock-users" {
			t.Errorf("warn line: %v", warn)
		}
		wantInfo := map[string]any{"source": "hr", "dataType": "user", "records": 2.0, "new": 2.0, "changed": 0.0, "unchanged": 0.0,
			"resources": map[string]any{"mock-users": map[string]any{"all": 2.0, "success": 1.0, "failed": 1.0}}}
		for k, v := range wantInfo {
			if !cmp.Equal(v, info[k]) {
				t.Errorf("info %s = %v, want %v", k, info[k], v)
			}
		}
		for _, secret := range []string{"Secret", "example.com"} {
			if strings.Contains(buf.String(), secret) {
				t.Errorf("the logs hold record content %q:\n%s", secret, buf.String())
			}
		}
	})
}

// TestNewLinkMakesRecordChanged: a resource registered after the first
// sync creates rows for unchanged records; the resources after it see
// those records as changed.
func TestNewLinkMakesRecordChanged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		res := newPerRecordUsers("mock-users")
		mustSync(t, newEngine(t, db, datasync.Options{}, res), userRecords("hr", 1, 2))
		res.calls = nil
		m := newEngine(t, db, datasync.Options{}, &batchItems{}, res)
		mustSync(t, m, userRecords("hr", 1, 2))
		if diff := cmp.Diff([]string{"update:1", "update:2"}, res.calls); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
		plan, err := m.Plan(context.Background(), userRecords("hr", 1, 2))
		if err != nil {
			t.Fatal(err)
		}
		if plan.Resources[1].Unchanged != 2 {
			t.Errorf("a second run is not unchanged: %+v", plan.Resources)
		}
	})
}

// lookupProbe is a BatchResource that only looks: it records what the
// batch's lookups answer for the uids of each chunk, plus "99".
type lookupProbe struct {
	links []map[string]datasync.Link
	uids  []map[string]string
	inRun []bool
}

func (*lookupProbe) Name() string                 { return "probe" }
func (*lookupProbe) Accepts() []datasync.DataType { return []datasync.DataType{datasync.DataTypeUser} }

func (p *lookupProbe) PlanBatch(ctx context.Context, _ bun.IDB, batch *datasync.Batch) (*datasync.ResourcePlan, error) {
	uids := []string{"99"}
	for _, rec := range batch.Records {
		uids = append(uids, rec.SourceUk)
	}
	links, err := batch.LookupLinks(ctx, datasync.DataTypeUser, "mock-users", uids)
	if err != nil {
		return nil, err
	}
	var pks []string
	for _, l := range links {
		pks = append(pks, l.ResourcePk)
	}
	back, err := batch.LookupUIDs(ctx, datasync.DataTypeUser, "mock-users", append(pks, "12345"))
	if err != nil {
		return nil, err
	}
	p.links, p.uids = append(p.links, links), append(p.uids, back)
	p.inRun = append(p.inRun, batch.InRun("1"), batch.InRun("3"), batch.InRun("99"))
	return &datasync.ResourcePlan{Resource: "probe", Unchanged: len(batch.Records)}, nil
}

func (*lookupProbe) ApplyBatch(context.Context, bun.IDB, *datasync.Batch, *datasync.ResourcePlan) ([]datasync.LinkChange, error) {
	return nil, nil
}

// TestBatchLookups: LookupLinks sees the links made so far in the run
// (New) and before it, the oldest of several; LookupUIDs answers the
// reverse; InRun knows every uid of the UserData, whatever the chunk.
func TestBatchLookups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		probe := &lookupProbe{}
		m := newEngine(t, db, datasync.Options{ChunkSize: 2}, newPerRecordUsers("mock-users"), probe)
		mustSync(t, m, userRecords("hr", 1, 2, 3))
		mock := tableRows[mockUserRow](t, db)
		pk := func(i int) string { return itoa(mock[i].ID) }
		want := []map[string]datasync.Link{
			{"1": {Resource: "mock-users", ResourcePk: pk(0), New: true}, "2": {Resource: "mock-users", ResourcePk: pk(1), New: true}},
			{"3": {Resource: "mock-users", ResourcePk: pk(2), New: true}},
		}
		if diff := cmp.Diff(want, probe.links); diff != "" {
			t.Errorf("links in the run that made them (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]map[string]string{{pk(0): "1", pk(1): "2"}, {pk(2): "3"}}, probe.uids); diff != "" {
			t.Errorf("uids (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]bool{true, true, false, true, true, false}, probe.inRun); diff != "" {
			t.Errorf("InRun (-want +got):\n%s", diff)
		}

		// A second, newer link of uid 1: the oldest still answers.
		rec := syncRecords(t, db, "hr")
		var id int64
		if err := db.NewSelect().Model((*datasync.SyncRecord)(nil)).Column("id").Where("? = '1'", bun.Ident("sourceUk")).Scan(ctx, &id); err != nil {
			t.Fatal(err)
		}
		extra := &datasync.SyncRecordResource{RecordID: id, Resource: "mock-users", ResourcePk: "777"}
		if _, err := db.NewInsert().Model(extra).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		probe.links = nil
		data := userRecords("hr", 1, 2, 3)
		data.Records[0]["nickname"] = "changed"
		mustSync(t, m, data)
		if got := probe.links[0]["1"]; got != (datasync.Link{Resource: "mock-users", ResourcePk: pk(0)}) || len(rec["1"].Links) != 1 {
			t.Errorf("uid 1 with two links: %+v (links before: %v)", got, rec["1"].Links)
		}
	})
}

// TestUnencodableRecord: a record JSON cannot hold (a NaN) fails the run
// with a DataError naming it, and nothing is written.
func TestUnencodableRecord(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m := newEngine(t, db, datasync.Options{ChunkSize: 2}, newPerRecordUsers("mock-users"))
		data := userRecords("hr", 1, 2, 3)
		data.Records[2]["score"] = math.NaN()
		_, err := m.UpdateOrCreate(context.Background(), data)
		var de *datasync.DataError
		if !errors.As(err, &de) || !slices.Equal(de.Records, []int{2}) || !strings.HasPrefix(de.Message, "records[2] cannot be encoded as JSON") {
			t.Fatalf("want a DataError for records[2], got %v", err)
		}
		if got := dumpTables(t, db); got.rows() != 0 {
			t.Errorf("rows written: %+v", got)
		}
	})
}
