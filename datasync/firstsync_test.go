package datasync

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// fsClearingPeople is taskPeople that, as an UnsyncedClearer, deletes the
// people no sync record links to.
type fsClearingPeople struct {
	taskPeople
	calls int
}

func (c *fsClearingPeople) ClearUnsynced(ctx context.Context, tx bun.IDB, _ string) (int, error) {
	c.calls++
	res, err := tx.NewDelete().Model((*taskPerson)(nil)).
		Where("NOT EXISTS (SELECT 1 FROM ? AS l WHERE l.? = 'people' AND l.? = CAST(?TableAlias.? AS TEXT))",
			linksTable, bun.Ident("resource"), bun.Ident("resourcePk"), bun.Ident("id")).Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// fsClearingFixture is newTaskFixture with fsClearingPeople as its resource.
func fsClearingFixture(t *testing.T, db *bun.DB) (*taskFixture, *fsClearingPeople) {
	t.Helper()
	ctx := context.Background()
	if err := CreateTables(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewCreateTable().Model((*taskPerson)(nil)).IfNotExists().Exec(ctx); err != nil {
		t.Fatal(err)
	}
	f := &taskFixture{db: db, logs: &lockedBuffer{}, started: make(chan string, 16)}
	f.m = NewManager(db, Options{Logger: slog.New(slog.NewTextHandler(f.logs, nil))})
	t.Cleanup(func() { f.m.Close() })
	res := &fsClearingPeople{}
	if err := f.m.RegisterResource(res, RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.m.RegisterSourceType("static", staticSourceType(f.started)); err != nil {
		t.Fatal(err)
	}
	return f, res
}

// fsHandMade inserts a person no source synced.
func (f *taskFixture) fsHandMade(t *testing.T, uid string) {
	t.Helper()
	if _, err := f.db.NewInsert().Model(&taskPerson{UID: uid, Nickname: "N" + uid}).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// fsWithOptions returns opts as a source row's options with the policy keys
// kv added.
func fsWithOptions(t *testing.T, name string, opts staticOptions, kv map[string]any) *SyncSource {
	t.Helper()
	row := staticRow(t, name, opts)
	for k, v := range kv {
		row.Options[k] = v
	}
	return row
}

func TestFirstSyncClear(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f, res := fsClearingFixture(t, db)
		f.addSource(t, "crm", people("c"))
		f.pullOK(t, "crm")
		f.fsHandMade(t, "h1")
		row := fsWithOptions(t, "hr", people("1", "2"), map[string]any{"firstSync": "clear"})
		if err := f.m.AddSource(context.Background(), row); err != nil {
			t.Fatal(err)
		}
		f.pullOK(t, "hr")
		// The hand-made person went; the other source's stayed.
		if diff := cmp.Diff(nicks("c", "1", "2"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after the first sync (-want +got):\n%s", diff)
		}
		if !strings.Contains(f.logs.String(), "first sync cleared the rows no source synced") || !strings.Contains(f.logs.String(), "deleted=1") {
			t.Fatalf("the clear's count was not logged:\n%s", f.logs.String())
		}
		// The source has synced: a second run never clears.
		f.fsHandMade(t, "h2")
		f.pullOK(t, "hr")
		if diff := cmp.Diff(nicks("c", "1", "2", "h2"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after the second sync (-want +got):\n%s", diff)
		}
		if res.calls != 1 {
			t.Fatalf("ClearUnsynced called %d times, want once", res.calls)
		}
	})
}

func TestFirstSyncRetain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		for _, opts := range []map[string]any{nil, {"firstSync": "retain"}} {
			f, res := fsClearingFixture(t, db)
			f.fsHandMade(t, "h")
			name := "hr" + strconv.Itoa(len(opts))
			if err := f.m.AddSource(context.Background(), fsWithOptions(t, name, people("1"), opts)); err != nil {
				t.Fatal(err)
			}
			f.pullOK(t, name)
			if got := f.nicknames(t); got["h"] != "Nh" {
				t.Fatalf("options %v: the hand-made person is gone: %v", opts, got)
			}
			if res.calls != 0 {
				t.Fatalf("options %v: ClearUnsynced called %d times", opts, res.calls)
			}
			if _, err := db.NewDelete().Model((*taskPerson)(nil)).Where("1 = 1").Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// A dry run of a first sync with clear rolls the clear back with the rest.
func TestFirstSyncClearDryRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f, _ := fsClearingFixture(t, db)
		f.fsHandMade(t, "h")
		pol := DefaultPolicy()
		pol.FirstSync = FirstSyncClear
		if _, err := f.m.RunSource(context.Background(), "hr", &staticSource{opts: people("1")}, RunSourceOptions{DryRun: true, Policy: pol}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(nicks("h"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after a dry run (-want +got):\n%s", diff)
		}
	})
}

// fsDatasetOptions are the options of a "named" source: the dataset it says
// it reads and the people in it.
type fsDatasetOptions struct {
	Dataset string   `json:"dataset"`
	People  []string `json:"people"`
}

// fsNamedSource is a DatasetSource.
type fsNamedSource struct{ opts fsDatasetOptions }

func (s fsNamedSource) Dataset() string { return s.opts.Dataset }

func (s fsNamedSource) Pull(ctx context.Context, emit func(UserData) error) error {
	if len(s.opts.People) == 0 {
		return nil
	}
	return (&staticSource{opts: people(s.opts.People...)}).Pull(ctx, emit)
}

func fsNamedSourceType() SourceType {
	return SourceType{Title: "Named", New: func(cfg SourceConfig) (Source, error) {
		var s fsNamedSource
		s.opts.Dataset, _ = cfg.Options["dataset"].(string)
		list, _ := cfg.Options["people"].([]any)
		for _, p := range list {
			s.opts.People = append(s.opts.People, p.(string))
		}
		return s, nil
	}}
}

func fsNamedRow(name, dataset string, uids ...string) *SyncSource {
	list := make([]any, len(uids))
	for i, uid := range uids {
		list[i] = uid
	}
	return &SyncSource{Name: name, SourceType: "named", Enabled: true, Options: map[string]any{"dataset": dataset, "people": list}}
}

func fsDatasetFixture(t *testing.T, db *bun.DB) *taskFixture {
	t.Helper()
	f := newTaskFixture(t, db)
	if err := f.m.RegisterSourceType("named", fsNamedSourceType()); err != nil {
		t.Fatal(err)
	}
	return f
}

// fsStoreOptions stores row's options.
func (f *taskFixture) fsStoreOptions(t *testing.T, row *SyncSource) {
	t.Helper()
	if _, err := f.db.NewUpdate().Model(row).Column("options").WherePK().Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (f *taskFixture) fsState(t *testing.T, name string) *SyncState {
	t.Helper()
	var states []SyncState
	if err := f.db.NewSelect().Model(&states).Where("? = ?", bun.Ident("sourceName"), name).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(states) == 0 {
		return nil
	}
	return &states[0]
}

func TestDatasetSwitchRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fsDatasetFixture(t, db)
		row := fsNamedRow("hr", "employees", "1", "2")
		if err := f.m.AddSource(context.Background(), row); err != nil {
			t.Fatal(err)
		}
		f.pullOK(t, "hr")
		before := f.fsState(t, "hr")
		if before == nil || before.Dataset == "" {
			t.Fatalf("no dataset kept after a successful run: %+v", before)
		}
		row.Options = fsNamedRow("hr", "contractors", "3").Options
		f.fsStoreOptions(t, row)
		task := f.pullAndWait(t, "hr")
		want := `source "hr" now reads another dataset: set "confirmDatasetSwitch": true to clear what it synced from the old one and sync the new one`
		if task.Status != TaskFailed || task.Message != want {
			t.Fatalf("task %+v, want failed with %q", task, want)
		}
		if diff := cmp.Diff(nicks("1", "2"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after a refused switch (-want +got):\n%s", diff)
		}
		if n := f.syncRecordCount(t); n != 2 {
			t.Fatalf("%d sync records, want the 2 of the old dataset", n)
		}
		if after := f.fsState(t, "hr"); after.Dataset != before.Dataset {
			t.Fatalf("the refused run kept its dataset %q, want %q", after.Dataset, before.Dataset)
		}
		// The error itself, from the run.
		src, err := f.m.newSource(row)
		if err != nil {
			t.Fatal(err)
		}
		err = f.m.runSource(context.Background(), row, src, &pullRun{})
		var switchErr *DatasetSwitchError
		if !errors.Is(err, ErrDatasetSwitch) || !errors.As(err, &switchErr) || switchErr.HTTPStatus() != http.StatusConflict || err.Error() != want {
			t.Fatalf("run error %v, want a DatasetSwitchError (409) reading %q", err, want)
		}
	})
}

func TestDatasetSwitchConfirmed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fsDatasetFixture(t, db)
		row := fsNamedRow("hr", "employees", "1", "2")
		if err := f.m.AddSource(context.Background(), row); err != nil {
			t.Fatal(err)
		}
		f.pullOK(t, "hr")
		f.fsHandMade(t, "h")
		var kept taskPerson
		if err := db.NewSelect().Model(&kept).Where("uid = '1'").Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		row.Options = fsNamedRow("hr", "contractors", "1", "3").Options
		row.Options["confirmDatasetSwitch"] = true
		f.fsStoreOptions(t, row)
		f.pullOK(t, "hr")
		// 2 went with the old dataset; 1 was cleared and synced again from
		// the new one; the hand-made person is no source's.
		if diff := cmp.Diff(nicks("1", "3", "h"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after a confirmed switch (-want +got):\n%s", diff)
		}
		var again taskPerson
		if err := db.NewSelect().Model(&again).Where("uid = '1'").Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if again.ID == kept.ID {
			t.Fatalf("person 1 kept its row %d: the old dataset's was not cleared", kept.ID)
		}
		if n := f.syncRecordCount(t); n != 2 {
			t.Fatalf("%d sync records, want the 2 of the new dataset", n)
		}
		if got, want := f.fsState(t, "hr").Dataset, sourceDataset(row, fsNamedSource{opts: fsDatasetOptions{Dataset: "contractors"}}); got != want {
			t.Fatalf("kept dataset %q, want the new one %q", got, want)
		}
		// The same dataset again is no switch.
		f.pullOK(t, "hr")
		if diff := cmp.Diff(nicks("1", "3", "h"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after a second run (-want +got):\n%s", diff)
		}
	})
}

// A source whose dataset was never kept (synced by RunSource, or before
// datasets were kept) is not refused: its dataset is kept from then on.
// A source with no records switches freely.
func TestDatasetUnknownOrUnsynced(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fsDatasetFixture(t, db)
		row := fsNamedRow("hr", "employees", "1")
		if err := f.m.AddSource(context.Background(), row); err != nil {
			t.Fatal(err)
		}
		if _, err := f.m.RunSource(context.Background(), "hr", fsNamedSource{opts: fsDatasetOptions{People: []string{"1"}}}, RunSourceOptions{}); err != nil {
			t.Fatal(err)
		}
		if st := f.fsState(t, "hr"); st != nil && st.Dataset != "" {
			t.Fatalf("RunSource kept a dataset: %+v", st)
		}
		f.pullOK(t, "hr")
		if st := f.fsState(t, "hr"); st == nil || st.Dataset == "" {
			t.Fatalf("no dataset kept: %+v", st)
		}
		empty := fsNamedRow("crm", "a")
		if err := f.m.AddSource(context.Background(), empty); err != nil {
			t.Fatal(err)
		}
		f.pullOK(t, "crm")
		empty.Options = fsNamedRow("crm", "b", "9").Options
		f.fsStoreOptions(t, empty)
		f.pullOK(t, "crm")
		if diff := cmp.Diff(nicks("1", "9"), f.nicknames(t)); diff != "" {
			t.Fatalf("people (-want +got):\n%s", diff)
		}
	})
}

// Only the source's type and what a DatasetSource says it reads identify a
// dataset: other options (credentials, the static source's data) do not.
func TestSourceDataset(t *testing.T) {
	static := &SyncSource{SourceType: "static", Options: map[string]any{"password": "a"}}
	rotated := &SyncSource{SourceType: "static", Options: map[string]any{"password": "b"}}
	other := &SyncSource{SourceType: "csv", Options: map[string]any{"password": "a"}}
	plain := &staticSource{}
	if sourceDataset(static, plain) != sourceDataset(rotated, plain) {
		t.Fatal("a password rotation switched datasets")
	}
	if sourceDataset(static, plain) == sourceDataset(other, plain) {
		t.Fatal("a change of type did not switch datasets")
	}
	a, b := fsNamedSource{opts: fsDatasetOptions{Dataset: "a"}}, fsNamedSource{opts: fsDatasetOptions{Dataset: "b"}}
	if sourceDataset(static, a) == sourceDataset(static, b) || sourceDataset(static, a) != sourceDataset(rotated, a) {
		t.Fatal("a DatasetSource's dataset does not decide")
	}
	// Length-prefixed fields: moving text between type and dataset is a
	// different dataset.
	if sourceDataset(&SyncSource{SourceType: "ab"}, fsNamedSource{opts: fsDatasetOptions{Dataset: "c"}}) ==
		sourceDataset(&SyncSource{SourceType: "a"}, fsNamedSource{opts: fsDatasetOptions{Dataset: "bc"}}) {
		t.Fatal("ambiguous dataset hash")
	}
}
