package csv_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/csv"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func TestDataset(t *testing.T) {
	a := csv.File("/srv/hr/users.csv", csv.Options{})
	b := csv.File("/srv/contractors/users.csv", csv.Options{Comma: ';', Name: "people"})
	if a.Dataset() != "/srv/hr/users.csv" || b.Dataset() != "/srv/contractors/users.csv" {
		t.Fatalf("datasets %q and %q, want the files' paths", a.Dataset(), b.Dataset())
	}
	if a.Name() != "users.csv" {
		t.Fatalf("name %q: the dataset must not replace the name errors show", a.Name())
	}
	upload := csv.New("upload.csv", nil, csv.Options{})
	if upload.Dataset() != "upload.csv" {
		t.Fatalf("dataset of a stream %q, want its name", upload.Dataset())
	}
	src, err := tabular.NewSource(a, directoryOptions)
	if err != nil {
		t.Fatal(err)
	}
	if src.Dataset() != a.Dataset() {
		t.Fatalf("source dataset %q, want its table's %q", src.Dataset(), a.Dataset())
	}
}

// TestDatasetSwitchOfFile: a source pointed at another file of the same
// name is refused until the operator confirms the switch; a new delimiter
// for the same file is no switch.
func TestDatasetSwitchOfFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		m := directory(t, db)
		hr := filepath.Join(t.TempDir(), "users.csv")
		other := filepath.Join(t.TempDir(), "users.csv")
		if err := os.WriteFile(hr, []byte(directoryCSV), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(other, []byte("uid,username,nickname,email,phone,dept\nx1,xavier,Xavier,x@example.com,,\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		row := &datasync.SyncSource{Name: "hr", SourceType: "csv", Enabled: true, Options: map[string]any{"path": hr}}
		if err := m.CreateSource(ctx, row); err != nil {
			t.Fatal(err)
		}
		run := func() *datasync.SyncTask {
			t.Helper()
			id, err := m.Pull(ctx, "hr")
			if err != nil {
				t.Fatal(err)
			}
			task, err := m.Wait(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return task
		}
		if task := run(); task.Status != datasync.TaskSuccess {
			t.Fatalf("first run %s: %s", task.Status, task.Message)
		}
		row.Options = map[string]any{"path": other}
		if err := m.UpdateSource(ctx, row); err != nil {
			t.Fatal(err)
		}
		task := run()
		if task.Status != datasync.TaskFailed || task.Message != `source "hr" now reads another dataset: set "confirmDatasetSwitch": true to clear what it synced from the old one and sync the new one` {
			t.Fatalf("run on another file: %s %q, want failed as a dataset switch", task.Status, task.Message)
		}
		if got := len(userSummary(t, db)); got != 4 {
			t.Fatalf("%d users after a refused switch, want the old file's 4", got)
		}
		row.Options = map[string]any{"path": other, "confirmDatasetSwitch": true}
		if err := m.UpdateSource(ctx, row); err != nil {
			t.Fatal(err)
		}
		if task := run(); task.Status != datasync.TaskSuccess {
			t.Fatalf("confirmed switch %s: %s", task.Status, task.Message)
		}
		users := userSummary(t, db)
		if _, ok := users["xavier"]; !ok || len(users) != 1 {
			t.Fatalf("users after the confirmed switch: %v, want xavier alone", users)
		}
		// Back to the same file with the switch unconfirmed: no switch.
		row.Options = map[string]any{"path": other}
		if err := m.UpdateSource(ctx, row); err != nil {
			t.Fatal(err)
		}
		if task := run(); task.Status != datasync.TaskSuccess {
			t.Fatalf("same file again %s: %s", task.Status, task.Message)
		}
	})
}
