package datasync_test

import (
	"context"
	"encoding/json"
	"errors"
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
		counter := &writeStmts{}
		m, res, data := planFixture(t, db.WithQueryHook(counter))
		counter.n.Store(0)
		before := dumpTables(t, db)
		plan, err := m.Plan(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		if n := counter.n.Load(); n != 0 {
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
