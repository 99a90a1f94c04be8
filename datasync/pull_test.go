package datasync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// taskPerson is a row of the test resource's own table.
type taskPerson struct {
	bun.BaseModel `bun:"table:taskPeople"`
	ID            int64  `bun:"id,pk,autoincrement"`
	UID           string `bun:"uid,notnull"`
	Nickname      string `bun:"nickname,notnull"`
}

// taskPeople is a real per-record resource over taskPeople: a record
// becomes a row, isDeleted removes it, and the nickname "boom" is refused
// (a record that fails).
type taskPeople struct{}

func (taskPeople) Name() string        { return "people" }
func (taskPeople) Accepts() []DataType { return []DataType{DataTypeUser} }

func taskNickname(rec Record) (string, error) {
	v, ok := rec["nickname"]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		s = fmt.Sprint(v)
	}
	if s == "boom" {
		return "", errors.New("nickname boom is refused")
	}
	return s, nil
}

func (taskPeople) Create(ctx context.Context, tx bun.IDB, rec *OriginRecord, _ string) ([]RecordResourceChanged, error) {
	if rec.MetaData.IsDeleted() {
		return nil, nil
	}
	nick, err := taskNickname(rec.MetaData)
	if err != nil {
		return nil, err
	}
	p := &taskPerson{UID: rec.SourceUk, Nickname: nick}
	if _, err := tx.NewInsert().Model(p).Exec(ctx); err != nil {
		return nil, err
	}
	return []RecordResourceChanged{{ResourcePk: strconv.FormatInt(p.ID, 10)}}, nil
}

func (taskPeople) Update(ctx context.Context, tx bun.IDB, rec *OriginRecord, pks []string, _ string) ([]RecordResourceChanged, error) {
	if rec.MetaData.IsDeleted() {
		if _, err := tx.NewDelete().Model((*taskPerson)(nil)).Where("id IN (?)", bun.List(pks)).Exec(ctx); err != nil {
			return nil, err
		}
		out := make([]RecordResourceChanged, len(pks))
		for i, pk := range pks {
			out[i] = RecordResourceChanged{ResourcePk: pk, IsDeleted: true}
		}
		return out, nil
	}
	nick, err := taskNickname(rec.MetaData)
	if err != nil {
		return nil, err
	}
	_, err = tx.NewUpdate().Model((*taskPerson)(nil)).Set("nickname = ?", nick).Where("id = ?", pks[0]).Exec(ctx)
	return nil, err
}

// staticOptions are a static source's options: the UserData it emits,
// then what it does at the end.
type staticOptions struct {
	Data     []UserData `json:"data"`
	Fail     bool       `json:"fail,omitempty"`     // fail after emitting everything
	APIError bool       `json:"apiError,omitempty"` // fail as the outside system
	Block    bool       `json:"block,omitempty"`    // wait for ctx to end
	Panic    bool       `json:"panic,omitempty"`
}

// staticSource is a real Source whose content is its options.
type staticSource struct {
	opts    staticOptions
	started chan<- string
	name    string
}

func (s *staticSource) Pull(ctx context.Context, emit func(UserData) error) error {
	if s.started != nil {
		s.started <- s.name
	}
	for _, d := range s.opts.Data {
		if err := emit(d); err != nil {
			return err
		}
	}
	switch {
	case s.opts.Fail:
		return fmt.Errorf("static: the export broke after %d parts", len(s.opts.Data))
	case s.opts.APIError:
		return fmt.Errorf("static: the directory answered 503 with secret-detail: %w", ErrSourceAPI)
	case s.opts.Block:
		<-ctx.Done()
		return ctx.Err()
	case s.opts.Panic:
		panic("static: boom")
	}
	return nil
}

// staticSourceType builds static sources; started, when not nil, receives
// the source's name each time one starts pulling.
func staticSourceType(started chan<- string) SourceType {
	return SourceType{Title: "Static", New: func(cfg SourceConfig) (Source, error) {
		raw, err := json.Marshal(cfg.Options)
		if err != nil {
			return nil, err
		}
		s := &staticSource{started: started, name: cfg.Name}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s.opts); err != nil {
			return nil, fmt.Errorf("static options: %w", err)
		}
		return s, nil
	}}
}

func staticRow(t *testing.T, name string, opts staticOptions) *SyncSource {
	t.Helper()
	raw, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return &SyncSource{Name: name, SourceType: "static", Enabled: true, Options: m}
}

// lockedBuffer collects logs written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type taskFixture struct {
	m       *Manager
	db      *bun.DB
	logs    *lockedBuffer
	started chan string
}

// newTaskFixture is a manager over db with the people resource and the
// static source type, closed when t ends.
func newTaskFixture(t testing.TB, db *bun.DB) *taskFixture {
	t.Helper()
	ctx := context.Background()
	if err := CreateTables(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewCreateTable().Model((*taskPerson)(nil)).IfNotExists().Exec(ctx); err != nil {
		t.Fatal(err)
	}
	f := &taskFixture{db: db, logs: &lockedBuffer{}, started: make(chan string, 16)}
	f.m = NewManager(db, Options{Logger: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	t.Cleanup(func() { f.m.Close() })
	if err := f.m.RegisterResource(taskPeople{}, RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.m.RegisterSourceType("static", staticSourceType(f.started)); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *taskFixture) addSource(t *testing.T, name string, opts staticOptions) *SyncSource {
	t.Helper()
	row := staticRow(t, name, opts)
	if err := f.m.AddSource(context.Background(), row); err != nil {
		t.Fatal(err)
	}
	return row
}

func (f *taskFixture) nicknames(t *testing.T) map[string]string {
	t.Helper()
	var rows []taskPerson
	if err := f.db.NewSelect().Model(&rows).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.UID] = r.Nickname
	}
	return out
}

func (f *taskFixture) syncRecordCount(t *testing.T) int64 {
	t.Helper()
	n, err := f.db.NewSelect().Model((*SyncRecord)(nil)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// pullAndWait pulls the source and waits (up to 30 s) for its task.
func (f *taskFixture) pullAndWait(t *testing.T, name string) *SyncTask {
	t.Helper()
	id, err := f.m.Pull(context.Background(), name)
	if err != nil {
		t.Fatalf("Pull(%q): %v", name, err)
	}
	return f.wait(t, id)
}

func (f *taskFixture) wait(t *testing.T, id int64) *SyncTask {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	task, err := f.m.Wait(ctx, id)
	if err != nil {
		t.Fatalf("Wait(%d): %v", id, err)
	}
	return task
}

// awaitStart waits for a source of the fixture to start pulling.
func (f *taskFixture) awaitStart(t *testing.T) {
	t.Helper()
	select {
	case <-f.started:
	case <-time.After(30 * time.Second):
		t.Fatal("the source never started")
	}
}

func userData(records ...Record) UserData {
	return UserData{DataType: DataTypeUser, Records: records}
}

// wantError checks that err matches target and reads exactly msg.
func wantError(t *testing.T, err, target error, msg string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v: want one matching %v", err, target)
	}
	if err.Error() != msg {
		t.Fatalf("error message %q, want %q", err.Error(), msg)
	}
}

func TestRegisterSourceType(t *testing.T) {
	m := NewManager(nil, Options{})
	noop := func(SourceConfig) (Source, error) { return &staticSource{}, nil }
	if err := m.RegisterSourceType("ldap", SourceType{Title: "LDAP", New: noop}); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterSourceType("csv", SourceType{Title: "CSV file", New: noop}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, typ string
		t         SourceType
		want      string
	}{
		{"empty name", "", SourceType{New: noop}, "datasync: invalid source: a source type needs a name"},
		{"nil New", "sql", SourceType{Title: "SQL"}, `datasync: invalid source: source type "sql" has no New`},
		{"duplicate", "csv", SourceType{New: noop}, `datasync: invalid source: source type "csv" is already registered`},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, m.RegisterSourceType(c.typ, c.t), ErrInvalidSource, c.want)
		})
	}
	want := []SourceTypeInfo{{Name: "ldap", Title: "LDAP"}, {Name: "csv", Title: "CSV file"}} // registration order
	if diff := cmp.Diff(want, m.SourceTypes()); diff != "" {
		t.Fatalf("SourceTypes (-want +got):\n%s", diff)
	}
}

func TestAddSourceAndLookup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		on := f.addSource(t, "hr", staticOptions{})
		off := staticRow(t, "old-hr", staticOptions{})
		off.Enabled = false
		if err := f.m.AddSource(ctx, off); err != nil {
			t.Fatal(err)
		}
		if on.ID == 0 || off.ID == 0 || on.ID == off.ID {
			t.Fatalf("ids %d, %d: want two distinct ids", on.ID, off.ID)
		}

		got, err := f.m.SourceByName(ctx, "hr")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != on.ID || got.SourceType != "static" || !got.Enabled || got.CreatedAt.IsZero() {
			t.Fatalf("SourceByName(hr) = %+v", got)
		}
		if got, err := f.m.SourceByID(ctx, on.ID); err != nil || got.Name != "hr" {
			t.Fatalf("SourceByID(%d) = %+v, %v", on.ID, got, err)
		}

		_, err = f.m.SourceByName(ctx, "old-hr")
		wantError(t, err, ErrSourceNotFound, "SyncSource [old-hr] is not found.")
		_, err = f.m.SourceByName(ctx, "nope")
		wantError(t, err, ErrSourceNotFound, "SyncSource [nope] is not found.")
		_, err = f.m.SourceByID(ctx, off.ID)
		wantError(t, err, ErrSourceNotFound, "SyncSource ["+strconv.FormatInt(off.ID, 10)+"] is not found.")

		err = f.m.AddSource(ctx, &SyncSource{SourceType: "static"})
		wantError(t, err, ErrInvalidSource, "datasync: invalid source: a source needs a name")
		err = f.m.AddSource(ctx, &SyncSource{Name: "x", SourceType: "nope"})
		wantError(t, err, ErrSourceTypeNotFound, `datasync: add source "x": SyncSourceType [nope] is not found.`)
		if err := f.m.AddSource(ctx, staticRow(t, "hr", staticOptions{})); err == nil {
			t.Fatal("AddSource with a taken name: want an error")
		}
	})
}

func TestPullSuccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		src := f.addSource(t, "hr", staticOptions{Data: []UserData{
			{DataType: DataTypeUser, SourceName: "ignored", Records: []Record{{"uid": "1", "nickname": "Ada"}}},
			userData(Record{"uid": "2", "nickname": "Grace"}),
		}})
		task := f.pullAndWait(t, "hr")
		if task.Status != TaskSuccess || task.Message != "" || task.Cost == nil || *task.Cost < 0 || task.SourceID != src.ID {
			t.Fatalf("task = %+v, want success with a cost", task)
		}
		if diff := cmp.Diff(map[string]string{"1": "Ada", "2": "Grace"}, f.nicknames(t)); diff != "" {
			t.Fatalf("people (-want +got):\n%s", diff)
		}
		var names []string
		if err := db.NewSelect().Model((*SyncRecord)(nil)).Column("sourceName").Scan(context.Background(), &names); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"hr", "hr"}, names); diff != "" {
			t.Fatalf("sync records' source names (-want +got):\n%s", diff)
		}
	})
}

func TestPullFailureWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		f.addSource(t, "hr", staticOptions{
			Data: []UserData{userData(Record{"uid": "1", "nickname": "secret-nickname"}), userData(Record{"uid": "2"})},
			Fail: true,
		})
		task := f.pullAndWait(t, "hr")
		if task.Status != TaskFailed || task.Message != "static: the export broke after 2 parts" || task.Cost == nil {
			t.Fatalf("task = %+v, want failed with the source's message", task)
		}
		if got := f.nicknames(t); len(got) != 0 {
			t.Fatalf("people after a failed pull: %v, want none", got)
		}
		if n := f.syncRecordCount(t); n != 0 {
			t.Fatalf("%d sync records after a failed pull, want 0", n)
		}
		if strings.Contains(f.logs.String(), "secret-nickname") {
			t.Fatal("a record's content reached the log")
		}
	})
}

func TestPullFailedRecordWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		f.addSource(t, "hr", staticOptions{Data: []UserData{
			userData(Record{"uid": "1", "nickname": "Ada"}, Record{"uid": "2", "nickname": "boom"}),
		}})
		task := f.pullAndWait(t, "hr")
		if task.Status != TaskFailed || !strings.Contains(task.Message, "nickname boom is refused") {
			t.Fatalf("task = %+v, want failed naming the refused record", task)
		}
		if got := f.nicknames(t); len(got) != 0 {
			t.Fatalf("people after a failed pull: %v, want none", got)
		}
	})
}

func TestPullSourceAPIError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		f.addSource(t, "hr", staticOptions{Data: []UserData{userData(Record{"uid": "1"})}, APIError: true})
		task := f.pullAndWait(t, "hr")
		want := "The sync source API call failed. Please check the logs to troubleshoot the issue."
		if task.Status != TaskFailed || task.Message != want {
			t.Fatalf("task = %+v, want failed with %q", task, want)
		}
		if !strings.Contains(f.logs.String(), "secret-detail") {
			t.Fatal("the source's real error was not logged")
		}
		if n := f.syncRecordCount(t); n != 0 {
			t.Fatalf("%d sync records after a failed pull, want 0", n)
		}
	})
}

func TestPullPanickingSource(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		f.addSource(t, "hr", staticOptions{Data: []UserData{userData(Record{"uid": "1"})}, Panic: true})
		task := f.pullAndWait(t, "hr")
		if task.Status != TaskFailed || task.Message != `datasync: source "hr" panicked: static: boom` {
			t.Fatalf("task = %+v, want failed with the panic", task)
		}
		if n := f.syncRecordCount(t); n != 0 {
			t.Fatalf("%d sync records after a panicked pull, want 0", n)
		}
	})
}

func TestPullRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		src := f.addSource(t, "hr", staticOptions{})
		bad := staticRow(t, "bad", staticOptions{})
		bad.Options["unknownOption"] = true
		if err := f.m.AddSource(ctx, bad); err != nil {
			t.Fatal(err)
		}

		_, err := f.m.Pull(ctx, "nope")
		wantError(t, err, ErrSourceNotFound, "SyncSource [nope] is not found.")

		_, err = f.m.Pull(ctx, "bad")
		if !errors.Is(err, ErrInvalidSource) || !strings.Contains(err.Error(), `unknown field "unknownOption"`) {
			t.Fatalf("Pull(bad) = %v, want ErrInvalidSource naming the option", err)
		}

		// A manager without the type, over the same tables.
		other := NewManager(db, Options{Logger: slog.New(slog.DiscardHandler)})
		defer other.Close()
		_, err = other.Pull(ctx, "hr")
		wantError(t, err, ErrSourceTypeNotFound, `datasync: source "hr": SyncSourceType [static] is not found.`)

		tasks, err := f.m.Tasks(ctx, src.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) != 0 {
			t.Fatalf("refused pulls made %d tasks, want none", len(tasks))
		}
	})
}

func TestRetry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		data := []UserData{userData(Record{"uid": "1", "nickname": "Ada"})}
		src := f.addSource(t, "hr", staticOptions{Data: data, Fail: true})
		failed := f.pullAndWait(t, "hr")
		if failed.Status != TaskFailed {
			t.Fatalf("first run: %+v, want failed", failed)
		}

		// Fix the source's options, then retry the same task.
		src.Options = staticRow(t, "hr", staticOptions{Data: data}).Options
		if _, err := db.NewUpdate().Model(src).Column("options").WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		id, err := f.m.Retry(ctx, failed.ID)
		if err != nil || id != failed.ID {
			t.Fatalf("Retry(%d) = %d, %v", failed.ID, id, err)
		}
		task := f.wait(t, id)
		if task.Status != TaskSuccess || task.Message != "" || task.Batch != failed.Batch {
			t.Fatalf("retried task = %+v, want success with the same batch", task)
		}
		if diff := cmp.Diff(map[string]string{"1": "Ada"}, f.nicknames(t)); diff != "" {
			t.Fatalf("people (-want +got):\n%s", diff)
		}

		_, err = f.m.Retry(ctx, id)
		wantError(t, err, ErrTaskState, "Task ["+strconv.FormatInt(id, 10)+"] is not failed.")
		_, err = f.m.Retry(ctx, id+100)
		wantError(t, err, ErrTaskNotFound, "Task ["+strconv.FormatInt(id+100, 10)+"] is not found.")

		tasks, err := f.m.Tasks(ctx, src.ID)
		if err != nil || len(tasks) != 1 {
			t.Fatalf("Tasks = %d tasks, %v; want the one task", len(tasks), err)
		}
	})
}

func TestRetryOfDisabledSource(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		src := f.addSource(t, "hr", staticOptions{Fail: true})
		failed := f.pullAndWait(t, "hr")
		src.Enabled = false
		if _, err := db.NewUpdate().Model(src).Column("enabled").WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := f.m.Retry(ctx, failed.ID)
		wantError(t, err, ErrSourceNotFound, "SyncSource ["+strconv.FormatInt(src.ID, 10)+"] is not found.")
		if task, err := f.m.Task(ctx, failed.ID); err != nil || task.Status != TaskFailed {
			t.Fatalf("task after a refused retry: %+v, %v; want it still failed", task, err)
		}
	})
}

func TestCloseCancelsRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		f.addSource(t, "hr", staticOptions{Data: []UserData{userData(Record{"uid": "1", "nickname": "Ada"})}, Block: true})
		id, err := f.m.Pull(ctx, "hr")
		if err != nil {
			t.Fatal(err)
		}
		f.awaitStart(t)
		if err := f.m.Close(); err != nil {
			t.Fatal(err)
		}
		task, err := f.m.Task(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if task.Status != TaskFailed || task.Message != closedMessage {
			t.Fatalf("task after Close = %+v, want failed with %q", task, closedMessage)
		}
		if n := f.syncRecordCount(t); n != 0 {
			t.Fatalf("%d sync records after a cancelled pull, want 0", n)
		}
		if _, err := f.m.Pull(ctx, "hr"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Pull after Close = %v, want context.Canceled", err)
		}
	})
}

func TestWaitEndsWithContext(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		f.addSource(t, "hr", staticOptions{Block: true})
		id, err := f.m.Pull(context.Background(), "hr")
		if err != nil {
			t.Fatal(err)
		}
		f.awaitStart(t)
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		defer cancel()
		if _, err := f.m.Wait(ctx, id); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait = %v, want the context's deadline", err)
		}
		f.m.mu.Lock()
		left := len(f.m.waiters[id])
		f.m.mu.Unlock()
		if left != 0 {
			t.Fatalf("%d waiters left behind", left)
		}
	})
}

func TestWaitForAnotherInstance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		f.addSource(t, "hr", staticOptions{Data: []UserData{userData(Record{"uid": "1", "nickname": "Ada"})}})
		// Another instance runs the task; this one only sees the table.
		other := NewManager(db, Options{Logger: slog.New(slog.DiscardHandler)})
		defer other.Close()
		if err := other.RegisterResource(taskPeople{}, RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := other.RegisterSourceType("static", staticSourceType(nil)); err != nil {
			t.Fatal(err)
		}
		id, err := other.Pull(context.Background(), "hr")
		if err != nil {
			t.Fatal(err)
		}
		if task := f.wait(t, id); task.Status != TaskSuccess {
			t.Fatalf("task = %+v, want success", task)
		}
	})
}

func TestConcurrentPullsOfOneSource(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		f.addSource(t, "hr", staticOptions{Data: []UserData{userData(Record{"uid": "1", "nickname": "Ada"}, Record{"uid": "2", "nickname": "Grace"})}})
		ids := make([]int64, 4)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Go(func() {
				id, err := f.m.Pull(context.Background(), "hr")
				if err != nil {
					t.Error(err)
				}
				ids[i] = id
			})
		}
		wg.Wait()
		for _, id := range ids {
			if task := f.wait(t, id); task.Status != TaskSuccess {
				t.Fatalf("task %d = %+v, want success", id, task)
			}
		}
		if diff := cmp.Diff(map[string]string{"1": "Ada", "2": "Grace"}, f.nicknames(t)); diff != "" {
			t.Fatalf("people (-want +got):\n%s", diff)
		}
		if n := f.syncRecordCount(t); n != 2 {
			t.Fatalf("%d sync records, want 2", n)
		}
	})
}
