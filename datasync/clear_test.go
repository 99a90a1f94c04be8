package datasync

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// clCount counts the rows of model matching where (all when "").
func clCount(t *testing.T, db bun.IDB, model any, where string, args ...any) int {
	t.Helper()
	q := db.NewSelect().Model(model)
	if where != "" {
		q = q.Where(where, args...)
	}
	n, err := q.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// clPersonID is the row id of the person with uid.
func clPersonID(t *testing.T, db bun.IDB, uid string) int64 {
	t.Helper()
	var p taskPerson
	if err := db.NewSelect().Model(&p).Where("? = ?", bun.Ident("uid"), uid).Scan(context.Background()); err != nil {
		t.Fatalf("person %s: %v", uid, err)
	}
	return p.ID
}

func TestClear(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		f.addSource(t, "hr", people("1", "2", "3", "4"))
		f.addSource(t, "crm", people("c"))
		f.pullOK(t, "hr")
		f.pullOK(t, "crm")
		// 4 leaves the source: its record is swept, its row deleted.
		row := &SyncSource{}
		if err := db.NewSelect().Model(row).Where("? = 'hr'", bun.Ident("name")).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		gone := people("1", "2", "3")
		f.setSourceData(t, row, gone)
		row.Options["onMissing"] = "delete"
		if _, err := db.NewUpdate().Model(row).Column("options").WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		f.pullOK(t, "hr")
		// hr adopted the person of 3 (it was made by hand and taken over).
		adopted := clPersonID(t, db, "3")
		if _, err := db.NewInsert().Model(&SyncAdoption{Resource: "people", ResourcePk: strconv.FormatInt(adopted, 10), SourceName: "hr", UID: "3"}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewInsert().Model(&SyncState{SourceName: "hr", Watermark: "w"}).
			On("CONFLICT (?) DO UPDATE", bun.Ident("sourceName")).Set("? = EXCLUDED.?", bun.Ident("watermark"), bun.Ident("watermark")).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		rep, err := f.m.Clear(ctx, "hr")
		if err != nil {
			t.Fatal(err)
		}
		// A per-record resource's deletes are updates to the engine (it
		// cannot tell them apart): only what it was handed is checked.
		if rep.SourceName != "hr" || rep.Unlinked != 1 || len(rep.Totals) != 1 ||
			rep.Totals[0].Resource != "people" || rep.Totals[0].DataType != DataTypeUser || rep.Totals[0].Read != 3 {
			t.Fatalf("report %+v, want 3 user records read by people and 1 unlinked", rep)
		}
		// 1 and 2 went; the adopted 3 stays; crm's c is untouched.
		if diff := cmp.Diff(nicks("3", "c"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after Clear (-want +got):\n%s", diff)
		}
		if clPersonID(t, db, "3") != adopted {
			t.Fatal("the adopted person was replaced")
		}
		if n := clCount(t, db, (*SyncRecord)(nil), "? = 'hr'", bun.Ident("sourceName")); n != 0 {
			t.Fatalf("%d sync records of hr left", n)
		}
		if n := clCount(t, db, (*SyncRecordResource)(nil), ""); n != 1 {
			t.Fatalf("%d links left, want crm's one", n)
		}
		for _, model := range []any{(*SyncAdoption)(nil), (*SyncState)(nil)} {
			if n := clCount(t, db, model, "? = 'hr'", bun.Ident("sourceName")); n != 0 {
				t.Fatalf("%d %T rows of hr left", n, model)
			}
		}
		if _, err := f.m.SourceByName(ctx, "hr"); err == nil {
			t.Fatal("hr is still enabled")
		}
		if _, err := f.m.SourceByName(ctx, "crm"); err != nil {
			t.Fatalf("crm: %v", err)
		}

		// Again, and for a name nothing knows: nothing to do.
		for _, name := range []string{"hr", "nobody"} {
			rep, err := f.m.Clear(ctx, name)
			if err != nil {
				t.Fatalf("Clear(%q) again: %v", name, err)
			}
			if diff := cmp.Diff(&ClearReport{SourceName: name}, rep); diff != "" {
				t.Fatalf("Clear(%q) again (-want +got):\n%s", name, diff)
			}
		}
		if diff := cmp.Diff(nicks("3", "c"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after clearing again (-want +got):\n%s", diff)
		}
	})
}

// clRefusingPeople is taskPeople refusing to delete.
type clRefusingPeople struct{ taskPeople }

func (clRefusingPeople) Update(context.Context, bun.IDB, *OriginRecord, []string, string) ([]RecordResourceChanged, error) {
	return nil, errors.New("deleting is refused")
}

// A record a resource fails to delete fails Clear, and nothing is removed.
func TestClearFailureRemovesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		f.addSource(t, "hr", people("1", "2"))
		f.pullOK(t, "hr")
		// Even skipping failed records, Clear fails as a whole.
		m := NewManager(db, Options{SkipFailed: true})
		defer m.Close()
		if err := m.RegisterResource(clRefusingPeople{}, RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err := m.Clear(ctx, "hr")
		want := `datasync: clear source "hr": delete the 2 user records: datasync: people: deleting is refused (and 1 more)`
		if !errors.Is(err, ErrRecordsFailed) || err.Error() != want {
			t.Fatalf("Clear: %v, want %q", err, want)
		}
		if diff := cmp.Diff(nicks("1", "2"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after a failed Clear (-want +got):\n%s", diff)
		}
		if n := f.syncRecordCount(t); n != 2 {
			t.Fatalf("%d sync records after a failed Clear, want 2", n)
		}
		if _, err := f.m.SourceByName(ctx, "hr"); err != nil {
			t.Fatalf("a failed Clear disabled the source: %v", err)
		}
	})
}

func TestClearNeedsAName(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		if _, err := f.m.Clear(context.Background(), ""); err == nil {
			t.Fatal("Clear of no name succeeded")
		}
	})
}
