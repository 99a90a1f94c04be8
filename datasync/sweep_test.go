package datasync

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// writeCounter counts the rows written.
type writeCounter struct{ rows atomic.Int64 }

func (*writeCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (c *writeCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	switch e.Operation() {
	case "INSERT", "UPDATE", "DELETE":
		if e.Result != nil {
			if n, err := e.Result.RowsAffected(); err == nil {
				c.rows.Add(n)
			}
		}
	}
}

// setSourceData replaces what the static source row emits on its next
// pull; the row's manager options (its policy) stay.
func (f *taskFixture) setSourceData(t *testing.T, row *SyncSource, opts staticOptions) {
	t.Helper()
	options := staticRow(t, row.Name, opts).Options
	for _, key := range managerOptions {
		if v, ok := row.Options[key]; ok {
			options[key] = v
		}
	}
	row.Options = options
	if _, err := f.db.NewUpdate().Model(row).Column("options").WherePK().Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func people(uids ...string) staticOptions {
	recs := make([]Record, len(uids))
	for i, uid := range uids {
		recs[i] = Record{"uid": uid, "nickname": "N" + uid}
	}
	return staticOptions{Data: []UserData{userData(recs...)}}
}

func nicks(uids ...string) map[string]string {
	out := map[string]string{}
	for _, uid := range uids {
		out[uid] = "N" + uid
	}
	return out
}

// addDeletingSource adds a static source whose policy deletes the users
// it no longer has (onMissing "delete").
func (f *taskFixture) addDeletingSource(t *testing.T, name string, opts staticOptions) *SyncSource {
	t.Helper()
	row := staticRow(t, name, opts)
	row.Options["onMissing"] = string(MissingDelete)
	if err := f.m.AddSource(context.Background(), row); err != nil {
		t.Fatal(err)
	}
	return row
}

func (f *taskFixture) pullOK(t *testing.T, name string) {
	t.Helper()
	if task := f.pullAndWait(t, name); task.Status != TaskSuccess {
		t.Fatalf("pull of %s: task %+v, want success", name, task)
	}
}

func TestPullDeletesWhatTheSourceNoLongerHas(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		row := f.addDeletingSource(t, "hr", people("1", "2", "3"))
		f.pullOK(t, "hr")
		f.setSourceData(t, row, people("1", "3"))
		f.pullOK(t, "hr")
		if diff := cmp.Diff(nicks("1", "3"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after 2 left the source (-want +got):\n%s", diff)
		}
		var departed SyncRecord
		err := db.NewSelect().Model(&departed).Where("? = '2'", bun.Ident("sourceUk")).Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(Record{"uid": "2", "isDeleted": true}, departed.MetaData); diff != "" {
			t.Fatalf("the sync record of the departed uid (-want +got):\n%s", diff)
		}
		// The next pull sees the same: the departed record is unchanged
		// and nothing is written.
		counter := &writeCounter{}
		counted := NewManager(db.WithQueryHook(counter), Options{Logger: slog.New(slog.DiscardHandler)})
		defer counted.Close()
		if err := counted.RegisterResource(taskPeople{}, RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := counted.RunSource(context.Background(), "hr", &staticSource{opts: people("1", "3")}, RunSourceOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := counter.rows.Load(); n != 0 {
			t.Fatalf("a pull of unchanged data wrote %d rows", n)
		}
		f.setSourceData(t, row, people("1", "2", "3"))
		f.pullOK(t, "hr")
		if diff := cmp.Diff(nicks("1", "2", "3"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after 2 came back (-want +got):\n%s", diff)
		}
	})
}

func TestIncompletePullDeletesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		row := f.addSource(t, "hr", people("1", "2", "3"))
		f.pullOK(t, "hr")
		half := people("1")
		half.Fail = true // the export broke after its first part
		f.setSourceData(t, row, half)
		if task := f.pullAndWait(t, "hr"); task.Status != TaskFailed {
			t.Fatalf("task = %+v, want failed", task)
		}
		if diff := cmp.Diff(nicks("1", "2", "3"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after an incomplete pull (-want +got):\n%s", diff)
		}
	})
}

func TestPullDeletesOnlyItsOwnRecords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		f.addSource(t, "hr", people("1", "2"))
		f.addSource(t, "crm", people("3"))
		f.pullOK(t, "hr")
		f.pullOK(t, "crm")
		if _, err := f.m.Push(context.Background(), userData(Record{"uid": "4", "nickname": "N4"})); err != nil {
			t.Fatal(err)
		}
		f.pullOK(t, "crm")
		if diff := cmp.Diff(nicks("1", "2", "3", "4"), f.nicknames(t)); diff != "" {
			t.Fatalf("people (-want +got):\n%s", diff)
		}
	})
}

// A pull's deletions go through the resources in chunks like any records.
func TestPullDeletesManyInChunks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		f.m.opts.ChunkSize = 7
		uids := make([]string, 40)
		for i := range uids {
			uids[i] = fmt.Sprint(i)
		}
		row := f.addDeletingSource(t, "hr", people(uids...))
		f.pullOK(t, "hr")
		f.setSourceData(t, row, people(uids[:5]...))
		f.pullOK(t, "hr")
		if diff := cmp.Diff(nicks(uids[:5]...), f.nicknames(t)); diff != "" {
			t.Fatalf("people (-want +got):\n%s", diff)
		}
	})
}
