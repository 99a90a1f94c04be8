package datasync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// planFixture has synced users 1–3; the planned data changes 2's title,
// deletes 3 and adds 4.
func planFixture(t *testing.T, db *bun.DB) (*datasync.Manager, *perRecordUsers, datasync.UserData) {
	t.Helper()
	res := newPerRecordUsers("mock-users")
	m := newEngine(t, db, datasync.Options{ChunkSize: 2}, res, &batchItems{})
	mustSync(t, m, userRecords("hr", 1, 2, 3))
	res.calls = nil
	data := userRecords("hr", 1, 2, 3, 4)
	data.Records[1]["title"] = "changed"
	data.Records[2]["isDeleted"] = true
	return m, res, data
}

func TestPlanWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		counter := &queryCounter{}
		m, res, data := planFixture(t, db.WithQueryHook(counter))
		counter.writes.Store(0)
		before := dumpTables(t, db)
		plan, err := m.Plan(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		if n := counter.writes.Load(); n != 0 {
			t.Errorf("Plan ran %d write statements", n)
		}
		if diff := cmp.Diff(before, dumpTables(t, db)); diff != "" {
			t.Errorf("Plan changed the tables (-before +after):\n%s", diff)
		}
		if len(res.calls) != 0 {
			t.Errorf("Plan called the per-record resource: %v", res.calls)
		}
		u := tableRows[mockUserRow](t, db)
		it := tableRows[itemRow](t, db)
		want := []datasync.ResourcePlan{
			{Resource: "mock-users", PerRecord: true, Unchanged: 1,
				Creates: []datasync.RecordChange{{UID: "4"}},
				Updates: []datasync.RecordChange{{UID: "2", PK: itoa(u[1].ID)}, {UID: "3", PK: itoa(u[2].ID)}}},
			{Resource: "items", Unchanged: 1, Ignored: []string{"nickname"},
				Creates: []datasync.RecordChange{{UID: "4", Values: map[string]any{"title": "T4"}}},
				Updates: []datasync.RecordChange{{UID: "2", PK: itoa(it[1].ID), Values: map[string]any{"title": "changed"}, Previous: map[string]any{"title": "T2"}}},
				Deletes: []datasync.RecordChange{{UID: "3", PK: itoa(it[2].ID)}}},
		}
		if diff := cmp.Diff(want, plan.Resources); diff != "" {
			t.Errorf("plan (-want +got):\n%s", diff)
		}
		if plan.Records != (datasync.RecordCounts{New: 1, Changed: 2, Unchanged: 1}) || plan.SourceName != "hr" || plan.DataType != datasync.DataTypeUser {
			t.Errorf("plan header: %+v", plan)
		}
	})
}

func TestApplyWritesThePlan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m, res, data := planFixture(t, db)
		plan, err := m.Plan(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		results, err := m.Apply(context.Background(), plan)
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 2 || results[1].Detail.Count != (datasync.SyncCount{All: 4, Success: 4}) {
			t.Errorf("results: %+v", results)
		}
		if diff := cmp.Diff([]string{"update:2", "update:3", "create:4"}, res.calls); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
		var titles []string
		for _, it := range tableRows[itemRow](t, db) {
			titles = append(titles, it.UID+"="+it.Title)
		}
		if diff := cmp.Diff([]string{"1=T1", "2=changed", "4=T4"}, titles); diff != "" {
			t.Errorf("items (-want +got):\n%s", diff)
		}
		again, err := m.Plan(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		if again.Records != (datasync.RecordCounts{Unchanged: 4}) {
			t.Errorf("after Apply the data is not unchanged: %+v", again.Records)
		}
	})
}

// TestApplyStalePlan: a plan made before the directory or the sync
// records changed is refused, and nothing is written.
func TestApplyStalePlan(t *testing.T) {
	changes := map[string]func(t *testing.T, m *datasync.Manager, db *bun.DB){
		"another sync": func(t *testing.T, m *datasync.Manager, _ *bun.DB) {
			other := userRecords("hr", 1)
			other.Records[0]["title"] = "meanwhile"
			mustSync(t, m, other)
		},
		"a row edited by hand": func(t *testing.T, _ *datasync.Manager, db *bun.DB) {
			if _, err := db.NewUpdate().Model((*itemRow)(nil)).Set("title = 'by hand'").Where("uid = '2'").Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
		},
		"a row deleted by hand": func(t *testing.T, _ *datasync.Manager, db *bun.DB) {
			if _, err := db.NewDelete().Model((*itemRow)(nil)).Where("uid = '1'").Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				m, _, data := planFixture(t, db)
				plan, err := m.Plan(context.Background(), data)
				if err != nil {
					t.Fatal(err)
				}
				change(t, m, db)
				before := dumpTables(t, db)
				if _, err := m.Apply(context.Background(), plan); !errors.Is(err, datasync.ErrStalePlan) {
					t.Fatalf("want ErrStalePlan, got %v", err)
				}
				assertUntouched(t, db, before)
			})
		})
	}
}

// TestApplyRefusals: Apply needs a plan from Plan; a plan that lists
// failures stops as it said (a FailedError, not a stale plan).
func TestApplyRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m, _, data := planFixture(t, db)
		for _, p := range []*datasync.Plan{nil, {SourceName: "hr", DataType: datasync.DataTypeUser}} {
			if _, err := m.Apply(context.Background(), p); !errors.Is(err, datasync.ErrInvalidData) {
				t.Errorf("Apply(%v): want ErrInvalidData, got %v", p, err)
			}
		}
		delete(data.Records[3], "title")
		plan, err := m.Plan(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		want := []datasync.FailedRecord{{Record: datasync.Record{"uid": "4", "nickname": "n4"}, Message: "title is required"}}
		if diff := cmp.Diff(want, plan.Resources[1].Failures); diff != "" {
			t.Errorf("plan failures (-want +got):\n%s", diff)
		}
		before := dumpTables(t, db)
		_, err = m.Apply(context.Background(), plan)
		var fe *datasync.FailedError
		if !errors.As(err, &fe) || errors.Is(err, datasync.ErrStalePlan) {
			t.Fatalf("want a FailedError, got %v", err)
		}
		assertUntouched(t, db, before)
	})
}

func TestPlanJSON(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m := newEngine(t, db, datasync.Options{}, newPerRecordUsers("mock-users"), &batchItems{})
		plan, err := m.Plan(context.Background(), userRecords("hr", 1))
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(plan)
		if err != nil {
			t.Fatal(err)
		}
		const want = `{"sourceName":"hr","dataType":"user","records":{"new":1,"changed":0,"unchanged":0},"resources":[` +
			`{"resource":"mock-users","perRecord":true,"creates":[{"uid":"1"}],"unchanged":0},` +
			`{"resource":"items","creates":[{"uid":"1","values":{"title":"T1"}}],"unchanged":0,"ignored":["nickname"]}]}`
		if string(got) != want {
			t.Errorf("plan JSON:\n got %s\nwant %s", got, want)
		}
	})
}

// adopter is a BatchResource that takes, for a record not linked to it,
// the mock_users row with the record's uid (as the users resource adopts
// a user by matchKey): an update of an existing row that adds a link.
type adopter struct{}

func (adopter) Name() string                 { return "people" }
func (adopter) Accepts() []datasync.DataType { return []datasync.DataType{datasync.DataTypeUser} }

func (adopter) PlanBatch(ctx context.Context, db bun.IDB, batch *datasync.Batch) (*datasync.ResourcePlan, error) {
	var rows []mockUserRow
	if err := db.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, err
	}
	byUID := map[string]int64{}
	for _, r := range rows {
		byUID[r.UID] = r.ID
	}
	plan := &datasync.ResourcePlan{Resource: "people"}
	for _, rec := range batch.Records {
		id, found := byUID[rec.SourceUk]
		if len(rec.LinksTo("people")) > 0 || !found {
			plan.Unchanged++
			continue
		}
		plan.Updates = append(plan.Updates, datasync.RecordChange{UID: rec.SourceUk, PK: itoa(id)})
	}
	return plan, nil
}

func (adopter) ApplyBatch(_ context.Context, _ bun.IDB, _ *datasync.Batch, plan *datasync.ResourcePlan) ([]datasync.LinkChange, error) {
	changes := make([]datasync.LinkChange, len(plan.Updates))
	for i, u := range plan.Updates {
		changes[i] = datasync.LinkChange{UID: u.UID, ResourcePk: u.PK}
	}
	return changes, nil
}

// badges runs after adopter and plans from its links: a changed record
// linked to "people" gets an update naming that person.
type badges struct{}

func (badges) Name() string                 { return "badges" }
func (badges) Accepts() []datasync.DataType { return []datasync.DataType{datasync.DataTypeUser} }

func (badges) PlanBatch(_ context.Context, _ bun.IDB, batch *datasync.Batch) (*datasync.ResourcePlan, error) {
	plan := &datasync.ResourcePlan{Resource: "badges"}
	for _, rec := range batch.Records {
		people := rec.LinksTo("people")
		if rec.Unchanged || len(people) == 0 {
			plan.Unchanged++
			continue
		}
		plan.Updates = append(plan.Updates, datasync.RecordChange{UID: rec.SourceUk, PK: people[0]})
	}
	return plan, nil
}

func (badges) ApplyBatch(context.Context, bun.IDB, *datasync.Batch, *datasync.ResourcePlan) ([]datasync.LinkChange, error) {
	return nil, nil
}

// TestPlanShowsAdoptions: a dry run shows the link an adopting update
// will add, and makes the record changed, so a later resource plans the
// same in the dry run as in the real one and Apply is not stale.
func TestPlanShowsAdoptions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		data := userRecords("hr", 1, 2, 3)
		mustSync(t, newEngine(t, db, datasync.Options{ChunkSize: 2}, badges{}), data)
		people := []mockUserRow{{UID: "1", Nickname: "one"}, {UID: "3", Nickname: "three"}}
		if _, err := db.NewInsert().Model(&people).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		m := newEngine(t, db, datasync.Options{ChunkSize: 2}, adopter{}, badges{})
		plan, err := m.Plan(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		p1, p3 := itoa(people[0].ID), itoa(people[1].ID)
		want := []datasync.ResourcePlan{
			{Resource: "people", Unchanged: 1, Updates: []datasync.RecordChange{{UID: "1", PK: p1}, {UID: "3", PK: p3}}},
			{Resource: "badges", Unchanged: 1, Updates: []datasync.RecordChange{{UID: "1", PK: p1}, {UID: "3", PK: p3}}},
		}
		if diff := cmp.Diff(want, plan.Resources); diff != "" {
			t.Errorf("plan (-want +got):\n%s", diff)
		}
		if plan.Records != (datasync.RecordCounts{Unchanged: 3}) {
			t.Errorf("records: %+v", plan.Records)
		}
		if _, err := m.Apply(ctx, plan); err != nil {
			t.Fatalf("Apply of the plan: %v", err)
		}
		recs := syncRecords(t, db, "hr")
		if got := fmt.Sprint(recs["1"].Links, recs["2"].Links, recs["3"].Links); got != fmt.Sprint([]string{"people=" + p1}, []string(nil), []string{"people=" + p3}) {
			t.Errorf("links after Apply: %s", got)
		}
	})
}
