package datasync

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// TestRecordAdoptions: after a resource's apply, the run records the
// updates it marked Adopted, replaces an older adoption of the same row,
// forgets the adoptions of this source's rows whose links were removed
// (and only those), and logs each adoption without values.
func TestRecordAdoptions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		ctx := context.Background()
		old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		existing := []SyncAdoption{
			{Resource: "users", ResourcePk: "3", SourceName: "hr", UID: "u3", CreatedAt: old},  // its link goes: forgotten
			{Resource: "users", ResourcePk: "4", SourceName: "crm", UID: "c4", CreatedAt: old}, // another source's: kept
			{Resource: "users", ResourcePk: "5", SourceName: "crm", UID: "c5", CreatedAt: old}, // adopted again: replaced
			{Resource: "depts", ResourcePk: "3", SourceName: "hr", UID: "d3", CreatedAt: old},  // another resource's: kept
		}
		if _, err := db.NewInsert().Model(&existing).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		r := &run{m: f.m, db: db, sourceName: "hr"}
		plan := &ResourcePlan{Updates: []RecordChange{
			{UID: "u5", PK: "5", Adopted: true},
			{UID: "u6", PK: "6", Adopted: true},
			{UID: "u7", PK: "7"}, // a plain update
		}}
		changes := []LinkChange{
			{UID: "u3", ResourcePk: "3", IsDeleted: true},
			{UID: "c4", ResourcePk: "4", IsDeleted: true},
			{UID: "u6", ResourcePk: "6"},
		}
		if err := r.recordAdoptions(ctx, "users", plan, changes); err != nil {
			t.Fatal(err)
		}
		var rows []SyncAdoption
		if err := db.NewSelect().Model(&rows).Order("resource", "resourcePk").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		type row struct{ Resource, PK, Source, UID string }
		var got []row
		for _, a := range rows {
			got = append(got, row{a.Resource, a.ResourcePk, a.SourceName, a.UID})
			if a.ResourcePk == "5" && !a.CreatedAt.After(old) {
				t.Errorf("the replaced adoption kept its time %v", a.CreatedAt)
			}
		}
		want := []row{{"depts", "3", "hr", "d3"}, {"users", "4", "crm", "c4"}, {"users", "5", "hr", "u5"}, {"users", "6", "hr", "u6"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("adoptions (-want +got):\n%s", diff)
		}
		logs := f.logs.String()
		for _, line := range []string{
			`msg="datasync: adopted an existing row" source=hr uid=u5 resource=users pk=5`,
			`msg="datasync: adopted an existing row" source=hr uid=u6 resource=users pk=6`,
		} {
			if !strings.Contains(logs, line) {
				t.Errorf("logs lack %q:\n%s", line, logs)
			}
		}
		if strings.Contains(logs, "uid=u7") {
			t.Errorf("a plain update was logged as an adoption:\n%s", logs)
		}
	})
}
