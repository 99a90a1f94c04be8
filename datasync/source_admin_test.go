package datasync

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func TestValidateSource(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		row := func(typ string, options map[string]any) *SyncSource {
			return &SyncSource{Name: "hr", SourceType: typ, Options: options}
		}
		cases := []struct {
			name string
			row  *SyncSource
			kind error
			msg  string
		}{
			{"no name", &SyncSource{SourceType: "static"}, ErrInvalidSource, "a source needs a name"},
			{"no type", row("", nil), ErrInvalidSource, "sourceType is required"},
			{"unknown type", row("ftp", nil), ErrSourceTypeNotFound, "SyncSourceType [ftp] is not found."},
			{"policy", row("static", map[string]any{"firstSync": "wipe"}), ErrInvalidSource, "option firstSync: want one of retain, clear"},
			{"schedule", row("static", map[string]any{"schedule": map[string]any{"evry": "1h"}}), ErrInvalidSource, "schedule.evry: unknown option"},
			{"full schedule", row("static", map[string]any{"fullSchedule": map[string]any{"every": "-1h"}}), ErrInvalidSource, "fullSchedule.every"},
			{"type's option", row("static", map[string]any{"dta": []any{}}), ErrInvalidSource, `unknown field "dta"`},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				err := f.m.ValidateSource(c.row)
				if !errors.Is(err, c.kind) || err == nil || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("ValidateSource = %v, want %v naming %q", err, c.kind, c.msg)
				}
				var withStatus interface{ HTTPStatus() int }
				if !errors.As(err, &withStatus) || withStatus.HTTPStatus() != http.StatusBadRequest {
					t.Errorf("%v does not answer 400", err)
				}
			})
		}
		ok := row("static", map[string]any{"onMissing": "keep", "schedule": map[string]any{"every": "1h"}, "data": []any{}})
		if err := f.m.ValidateSource(ok); err != nil {
			t.Errorf("a valid source: %v", err)
		}
	})
}

// TestSourceAdmin: create, list, update and delete source rows, and the
// rules that keep a source's synced data owned: no rename and no delete
// until it is cleared.
func TestSourceAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		hr := staticRow(t, "hr", staticOptions{Data: []UserData{{DataType: DataTypeUser, Records: []Record{{"uid": "1", "nickname": "ada"}}}}})
		hr.Sort = 5
		if err := f.m.CreateSource(ctx, hr); err != nil {
			t.Fatal(err)
		}
		off := &SyncSource{Name: "off", SourceType: "static", Sort: 1}
		if err := f.m.CreateSource(ctx, off); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, f.m.CreateSource(ctx, &SyncSource{Name: "hr", SourceType: "static"}), ErrSourceExists, http.StatusConflict)
		wantStatus(t, f.m.CreateSource(ctx, &SyncSource{Name: "bad", SourceType: "static", Options: map[string]any{"onMissing": 1}}), ErrInvalidSource, http.StatusBadRequest)

		rows, err := f.m.Sources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].Name != "off" || rows[1].Name != "hr" {
			t.Fatalf("Sources = %v, want off (sort 1) then hr (sort 5)", rows)
		}
		got, err := f.m.Source(ctx, off.ID)
		if err != nil || got.Enabled || got.Name != "off" {
			t.Fatalf("Source(disabled) = %+v, %v", got, err)
		}
		_, err = f.m.Source(ctx, 999)
		wantStatus(t, err, ErrSourceNotFound, http.StatusNotFound)

		// Update: every writable column, the creation kept.
		upd := *got
		upd.Name, upd.DisplayName, upd.Enabled, upd.Sort = "spare", "Spare", true, 9
		upd.Options = map[string]any{"onMissing": "keep"}
		upd.CreatedAt = time.Time{}
		if err := f.m.UpdateSource(ctx, &upd); err != nil {
			t.Fatal(err)
		}
		got, _ = f.m.Source(ctx, off.ID)
		if got.Name != "spare" || got.DisplayName != "Spare" || !got.Enabled || got.Sort != 9 || got.Options["onMissing"] != "keep" || got.CreatedAt.IsZero() {
			t.Errorf("after UpdateSource: %+v", got)
		}
		upd.Name = "hr"
		wantStatus(t, f.m.UpdateSource(ctx, &upd), ErrSourceExists, http.StatusConflict)
		upd.ID = 999
		upd.Name = "ghost"
		wantStatus(t, f.m.UpdateSource(ctx, &upd), ErrSourceNotFound, http.StatusNotFound)

		// Once hr synced, it owns records: no rename, no delete.
		id, err := f.m.Pull(ctx, "hr")
		if err != nil {
			t.Fatal(err)
		}
		if task, err := f.m.Wait(ctx, id); err != nil || task.Status != TaskSuccess {
			t.Fatalf("pull: %+v, %v", task, err)
		}
		renamed := *hr
		renamed.Name = "people"
		wantStatus(t, f.m.UpdateSource(ctx, &renamed), ErrSourceInUse, http.StatusConflict)
		err = f.m.DeleteSource(ctx, hr.ID)
		wantStatus(t, err, ErrSourceInUse, http.StatusConflict)
		if !strings.Contains(err.Error(), "clear it first") {
			t.Errorf("the refusal does not say what to do: %v", err)
		}
		if _, err := f.m.Clear(ctx, "hr"); err != nil {
			t.Fatal(err)
		}
		if err := f.m.DeleteSource(ctx, hr.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.m.Source(ctx, hr.ID)
		wantStatus(t, err, ErrSourceNotFound, http.StatusNotFound)
		if tasks, err := f.m.Tasks(ctx, hr.ID); err != nil || len(tasks) != 0 {
			t.Errorf("tasks of the deleted source: %v, %v", tasks, err)
		}
		wantStatus(t, f.m.DeleteSource(ctx, hr.ID), ErrSourceNotFound, http.StatusNotFound)
	})
}

// TestDeleteSourceRunning: a source whose task is running is not deleted.
func TestDeleteSourceRunning(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		row := f.addSource(t, "slow", staticOptions{})
		task, err := f.m.newTask(ctx, row.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, f.m.DeleteSource(ctx, row.ID), ErrSourceInUse, http.StatusConflict)
		if err := f.m.beginTask(ctx, task.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.m.endTask(ctx, task.ID, true, 1, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.m.DeleteSource(ctx, row.ID); err != nil {
			t.Fatalf("a source whose task ended: %v", err)
		}
	})
}

func TestListTasks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		a := f.addSource(t, "a", staticOptions{})
		b := f.addSource(t, "b", staticOptions{})
		var ids []int64
		for _, src := range []*SyncSource{a, b, a, a} {
			task, err := f.m.newTask(ctx, src.ID)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, task.ID)
		}
		if err := f.m.beginTask(ctx, ids[2]); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			q     TaskQuery
			want  []int64
			total int64
		}{
			{TaskQuery{}, []int64{ids[3], ids[2], ids[1], ids[0]}, 4},
			{TaskQuery{SourceID: a.ID}, []int64{ids[3], ids[2], ids[0]}, 3},
			{TaskQuery{SourceID: a.ID, Offset: 1, Limit: 1}, []int64{ids[2]}, 3},
			{TaskQuery{Status: TaskProcessing}, []int64{ids[2]}, 1},
			{TaskQuery{SourceID: b.ID, Status: TaskProcessing}, []int64{}, 0},
		}
		for _, c := range cases {
			tasks, total, err := f.m.ListTasks(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			got := []int64{}
			for _, task := range tasks {
				got = append(got, task.ID)
			}
			if total != c.total || !slices.Equal(got, c.want) {
				t.Errorf("ListTasks(%+v) = %v of %d, want %v of %d", c.q, got, total, c.want, c.total)
			}
		}
	})
}

// wantStatus fails unless err matches kind and answers status.
func wantStatus(t *testing.T, err error, kind error, status int) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error %v, want %v", err, kind)
	}
	var withStatus interface{ HTTPStatus() int }
	if !errors.As(err, &withStatus) || withStatus.HTTPStatus() != status {
		t.Errorf("%v does not answer %d", err, status)
	}
}
