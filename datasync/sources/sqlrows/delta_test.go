package sqlrows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/sqlrows"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
)

var staffMapping = tabular.Mapping{UID: "employee_no", Username: "login", Nickname: "full_name", DepartmentPath: "dept"}

// TestDeltaSourceByTimestamp reads an HR table whose rows carry an
// updated_at timestamp: a delta reads the users with a row changed after
// the watermark, all their rows, and nothing of a deleted row.
func TestDeltaSourceByTimestamp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		hr := dbtest.SQLite(t)
		column := "TIMESTAMP"
		if db.Dialect().Name().String() == "pg" {
			hr, column = dbtest.Postgres(t), "TIMESTAMPTZ"
		}
		_, err := hr.ExecContext(ctx, `CREATE TABLE hr_staff (employee_no BIGINT, login TEXT, full_name TEXT,
			dept TEXT, updated_at `+column+`)`)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2024, 3, 1, 9, 30, 0, 123456000, time.UTC)
		t1 := t0.Add(90 * time.Minute)
		_, err = hr.ExecContext(ctx, `INSERT INTO hr_staff VALUES
			(1001, 'ada', 'Ada Lovelace', 'Engineering', ?), (1001, 'ada', 'Ada Lovelace', 'Research', ?),
			(1002, 'grace', 'Grace Hopper', 'Engineering', ?), (1003, 'alan', 'Alan Turing', 'Research', ?)`, t0, t0, t0, t0)
		if err != nil {
			t.Fatal(err)
		}
		table := sqlrows.New(hr, "hr staff query", "SELECT * FROM hr_staff WHERE employee_no > ? ORDER BY employee_no, dept", 1000)
		src, err := sqlrows.NewDeltaSource(table, sqlrows.Delta{UpdatedAt: "updated_at"}, tabular.Options{Mapping: staffMapping})
		if err != nil {
			t.Fatal(err)
		}

		full := synctest.PullChanges(t, src, "")
		if diff := cmp.Diff([]string{"1001", "1002", "1003"}, full.UserUIDs()); diff != "" {
			t.Fatalf("users of the full read (-want +got):\n%s", diff)
		}
		if got := watermarkTime(t, full.Watermark); !got.Equal(t0) {
			t.Fatalf("full read's watermark %q, want %v", full.Watermark, t0)
		}

		// Ada moves from Research to Labs (one of her two rows changes),
		// Grace is renamed, Alan leaves the table.
		for _, q := range []string{
			`UPDATE hr_staff SET dept = 'Labs', updated_at = ? WHERE employee_no = 1001 AND dept = 'Research'`,
			`UPDATE hr_staff SET full_name = 'Grace B. Hopper', updated_at = ? WHERE employee_no = 1002`,
		} {
			if _, err := hr.ExecContext(ctx, q, t1); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := hr.ExecContext(ctx, `DELETE FROM hr_staff WHERE employee_no = 1003`); err != nil {
			t.Fatal(err)
		}
		delta := synctest.PullChanges(t, src, full.Watermark)
		checkTimestampDelta(t, delta, t1)
		// Nothing changed since: an empty delta keeps the watermark.
		again := synctest.PullChanges(t, src, delta.Watermark)
		if len(again.Users) != 0 || len(again.Depts) != 0 || again.Watermark != delta.Watermark {
			t.Fatalf("a delta with nothing changed: %+v, want nothing and watermark %q", again, delta.Watermark)
		}
	})
}

// checkTimestampDelta checks the delta after Ada moved, Grace was renamed
// at t1 and Alan left.
func checkTimestampDelta(t *testing.T, delta synctest.Changes, t1 time.Time) {
	t.Helper()
	if diff := cmp.Diff([]string{"1001", "1002"}, delta.UserUIDs()); diff != "" {
		t.Fatalf("users of the delta (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"Engineering", "Labs"}, delta.Users["1001"]["departments"]); diff != "" {
		t.Fatalf("Ada's departments from the delta, all her rows (-want +got):\n%s", diff)
	}
	if got := delta.Users["1002"]["nickname"]; got != "Grace B. Hopper" {
		t.Fatalf("Grace's nickname from the delta: %v", got)
	}
	if diff := cmp.Diff([]string{"Engineering", "Labs"}, delta.Depts); diff != "" {
		t.Fatalf("departments of the delta (-want +got):\n%s", diff)
	}
	if got := watermarkTime(t, delta.Watermark); !got.Equal(t1) {
		t.Fatalf("delta's watermark %q, want %v", delta.Watermark, t1)
	}
}

func watermarkTime(t *testing.T, w string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, w)
	if err != nil {
		t.Fatalf("watermark %q is not an RFC 3339 time: %v", w, err)
	}
	return at
}

// TestDeltaSourceByVersion keeps a version number per row, on a *sql.DB
// with the database's own placeholders ($n on PostgreSQL), and syncs
// through a real directory: a delta updates the changed user and deletes
// no one.
func TestDeltaSourceByVersion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		hr := dbtest.SQLite(t)
		placeholder, param := "?", "?"
		if db.Dialect().Name().String() == "pg" {
			hr, placeholder, param = dbtest.Postgres(t), "$", "$1"
		}
		if _, err := hr.ExecContext(ctx, `CREATE TABLE people (id BIGINT, login TEXT, name TEXT, version BIGINT)`); err != nil {
			t.Fatal(err)
		}
		if _, err := hr.ExecContext(ctx, `INSERT INTO people VALUES (1, 'ada', 'Ada', 1), (2, 'grace', 'Grace', 2), (3, 'alan', 'Alan', 3)`); err != nil {
			t.Fatal(err)
		}
		table := sqlrows.New(hr.DB, "people query", "SELECT id, login, name, version FROM people WHERE id < "+param+" ORDER BY id", 100)
		src, err := sqlrows.NewDeltaSource(table, sqlrows.Delta{UpdatedAt: "version", Placeholder: placeholder},
			tabular.Options{Mapping: tabular.Mapping{UID: "id", Username: "login", Nickname: "name"}})
		if err != nil {
			t.Fatal(err)
		}
		m := directory(t, db)
		err = m.RegisterSourceType("people-sql", datasync.SourceType{Title: "People", New: func(datasync.SourceConfig) (datasync.Source, error) {
			return src, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.AddSource(ctx, &datasync.SyncSource{Name: "people", SourceType: "people-sql", Enabled: true}); err != nil {
			t.Fatal(err)
		}
		runTask(t, m, m.Pull, "people")
		if _, err := hr.ExecContext(ctx, `UPDATE people SET name = 'Ada L.', version = 4 WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		if _, err := hr.ExecContext(ctx, `DELETE FROM people WHERE id = 3`); err != nil {
			t.Fatal(err)
		}
		runTask(t, m, m.PullChanges, "people")

		var names []string
		if err := db.NewSelect().Table("users").Column("nickname").Order("nickname").Scan(ctx, &names); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"Ada L.", "Alan", "Grace"}, names); diff != "" {
			t.Fatalf("users after a full run and a delta (-want +got):\n%s", diff)
		}
		var wm string
		if err := db.NewSelect().Table("userDataSyncState").Column("watermark").Where("? = 'people'", bun.Ident("sourceName")).Scan(ctx, &wm); err != nil {
			t.Fatal(err)
		}
		if wm != "4" {
			t.Fatalf("watermark after the delta: %q, want 4", wm)
		}
	})
}

// runTask starts a task with run (Pull or PullChanges) and fails the test
// unless it succeeds.
func runTask(t *testing.T, m *datasync.Manager, run func(context.Context, string) (int64, error), name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := run(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	task, err := m.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if task.Status != datasync.TaskSuccess {
		t.Fatalf("task %+v, want success", task)
	}
}

func TestNewDeltaSourceRefusesBadOptions(t *testing.T) {
	table := sqlrows.New(nil, "q", "SELECT 1")
	opts := tabular.Options{Mapping: tabular.Mapping{UID: "id"}}
	for _, d := range []sqlrows.Delta{{}, {UpdatedAt: "at", Placeholder: ":"}} {
		if _, err := sqlrows.NewDeltaSource(table, d, opts); !errors.Is(err, datasync.ErrInvalidSource) {
			t.Errorf("NewDeltaSource(%+v): error %v, want ErrInvalidSource", d, err)
		}
	}
}
