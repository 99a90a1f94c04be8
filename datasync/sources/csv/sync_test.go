package csv_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/csv"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// directoryOptions map the columns of the test files.
var directoryOptions = tabular.Options{
	Mapping: tabular.Mapping{
		UID: "uid", Username: "username", Nickname: "nickname",
		Email: "email", Phone: "phone", DepartmentPath: "dept",
	},
	MatchKey: "email",
}

// directory is a real users directory with a "csv" source type whose
// options are {"path": file}.
func directory(t *testing.T, db *bun.DB) *datasync.Manager {
	t.Helper()
	m := synctest.Directory(t, db)
	err := m.RegisterSourceType("csv", datasync.SourceType{Title: "CSV file", New: func(cfg datasync.SourceConfig) (datasync.Source, error) {
		path, _ := cfg.Options["path"].(string)
		return tabular.NewSource(csv.File(path, csv.Options{}), directoryOptions)
	}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// pullFile writes content to a users.csv, adds it as the source named
// source, pulls it and returns the finished task.
func pullFile(t *testing.T, m *datasync.Manager, source, content string) *datasync.SyncTask {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src := &datasync.SyncSource{Name: source, SourceType: "csv", Enabled: true, Options: map[string]any{"path": path}}
	if err := m.AddSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	id, err := m.Pull(ctx, src.Name)
	if err != nil {
		t.Fatal(err)
	}
	task, err := m.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

const directoryCSV = "\uFEFFuid,username,nickname,email,phone,dept\n" +
	"e1,ada,Ada Lovelace,ada@example.com,+44 1,Engineering/Compilers/Frontend\n" +
	"e2,grace,Grace Hopper,grace@example.com,+1 2,Engineering/Compilers\n" +
	"\n" + // a blank line: skipped, but counted in later line numbers
	"e1,ada,Ada Lovelace,ada@example.com,+44 1,Research\n" +
	"e3,alan,\"Turing,\nAlan\",alan@example.com,,Research/Cryptography\n" +
	"e2,grace,Grace Hopper,grace@example.com,+1 2,Engineering/Compilers/Frontend\n" +
	"e4,edsger,Edsger Dijkstra,edsger@example.com,,\n"

func TestSyncIntoDirectory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m := directory(t, db)
		task := pullFile(t, m, "hr", directoryCSV)
		if task.Status != datasync.TaskSuccess {
			t.Fatalf("task %s: %s", task.Status, task.Message)
		}
		wantUsers := map[string]string{
			"ada": "Ada Lovelace ada@example.com +44 1", "grace": "Grace Hopper grace@example.com +1 2",
			"alan": "Turing,\nAlan alan@example.com ", "edsger": "Edsger Dijkstra edsger@example.com ",
		}
		if diff := cmp.Diff(wantUsers, userSummary(t, db)); diff != "" {
			t.Errorf("users (-want +got):\n%s", diff)
		}
		wantDepts := []string{
			"Engineering", "Engineering/Compilers", "Engineering/Compilers/Frontend",
			"Research", "Research/Cryptography",
		}
		paths := departmentPaths(t, db)
		if diff := cmp.Diff(wantDepts, sortedValues(paths)); diff != "" {
			t.Errorf("departments (-want +got):\n%s", diff)
		}
		wantMembers := []string{
			"ada Engineering/Compilers/Frontend", "ada Research",
			"alan Research/Cryptography",
			"grace Engineering/Compilers", "grace Engineering/Compilers/Frontend",
		}
		if diff := cmp.Diff(wantMembers, memberships(t, db, paths)); diff != "" {
			t.Errorf("memberships (-want +got):\n%s", diff)
		}
	})
}

func TestSyncBadRowWritesNothing(t *testing.T) {
	header := "uid,username,nickname,email,phone,dept\n"
	good := "e1,ada,Ada,ada@example.com,,Engineering\n"
	cases := []struct{ name, body, want string }{
		{"field count", good + good + "\ne2,grace,Grace\n", "users.csv line 5: has 3 fields, the header has 6"},
		{"invalid UTF-8", good + "e2,grace,Gr\xe4ce,grace@example.com,,Research\n", `users.csv line 3, column "nickname": not valid UTF-8`},
		{"bare quote", good + "e2,grace,\"Grace\" H,grace@example.com,,Research\n", "users.csv line 3: "},
		{"quoted newline then bad row", "e1,ada,\"A\nd\na\",ada@example.com,,Engineering\ne2\n", "users.csv line 5: has 1 fields"},
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m := directory(t, db)
		for i, c := range cases {
			task := pullFile(t, m, fmt.Sprintf("hr%d", i), header+c.body)
			if task.Status != datasync.TaskFailed || !strings.Contains(task.Message, c.want) {
				t.Errorf("%s: task %s %q, want failed naming %q", c.name, task.Status, task.Message, c.want)
			}
			for _, model := range []any{(*users.User)(nil), (*users.Department)(nil), (*users.DepartmentUser)(nil), (*datasync.SyncRecord)(nil)} {
				if n, err := db.NewSelect().Model(model).Count(context.Background()); err != nil || n != 0 {
					t.Errorf("%s: %T: %d rows (%v), want none", c.name, model, n, err)
				}
			}
		}
	})
}

// flakyStream is the content of a "flaky" source: data, and the pass
// (counting from 1 over the test) whose stream breaks half-way.
type flakyStream struct {
	data   string
	opens  int
	failAt int
}

func (f *flakyStream) open() (io.ReadCloser, error) {
	f.opens++
	if f.opens == f.failAt {
		return &failingReader{data: f.data[:len(f.data)/2], err: errors.New("connection reset")}, nil
	}
	return io.NopCloser(strings.NewReader(f.data)), nil
}

// TestSyncHalfReadDeletesNothing: a complete pull deletes the users the
// file no longer has, so a pull whose stream breaks must not, even when
// it breaks on the second pass, after the departments were emitted.
func TestSyncHalfReadDeletesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m := directory(t, db)
		// Pull hands the source to a goroutine it starts and Wait waits for
		// its end, so the test may change the stream between pulls.
		stream := &flakyStream{data: directoryCSV}
		err := m.RegisterSourceType("flaky", datasync.SourceType{Title: "flaky CSV", New: func(datasync.SourceConfig) (datasync.Source, error) {
			return tabular.NewSource(csv.New("users.csv", stream.open, csv.Options{}), directoryOptions)
		}})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		// The source deletes what it no longer has, so that the last pull
		// shows the sweep ran (the default would only disable).
		hr := &datasync.SyncSource{Name: "hr", SourceType: "flaky", Enabled: true, Options: map[string]any{"onMissing": "delete"}}
		if err := m.AddSource(ctx, hr); err != nil {
			t.Fatal(err)
		}
		pull := func(wantStatus string) *datasync.SyncTask {
			t.Helper()
			id, err := m.Pull(ctx, "hr")
			if err != nil {
				t.Fatal(err)
			}
			task, err := m.Wait(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if task.Status != wantStatus {
				t.Fatalf("task %s (%s), want %s", task.Status, task.Message, wantStatus)
			}
			return task
		}
		pull(datasync.TaskSuccess)
		before := userSummary(t, db)

		stream.data = directoryCSV[:strings.Index(directoryCSV, "e4,")]
		stream.failAt = stream.opens + 2
		task := pull(datasync.TaskFailed)
		if !strings.Contains(task.Message, "users.csv: read stopped after line") {
			t.Errorf("message %q does not say where the read stopped", task.Message)
		}
		if diff := cmp.Diff(before, userSummary(t, db)); diff != "" {
			t.Errorf("a half-read changed the users (-before +after):\n%s", diff)
		}

		stream.failAt = 0
		pull(datasync.TaskSuccess)
		if _, ok := userSummary(t, db)["edsger"]; ok {
			t.Errorf("a complete pull without edsger kept him: the sweep this test relies on is off")
		}
	})
}

// userSummary is each user's nickname, email and phone by username.
func userSummary(t *testing.T, db *bun.DB) map[string]string {
	t.Helper()
	var rows []users.User
	if err := db.NewSelect().Model(&rows).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(rows))
	for _, u := range rows {
		out[u.Username] = u.Nickname + " " + u.Email + " " + u.Phone
	}
	return out
}

// departmentPaths is each department's path of titles, by id, built from
// the parentId links the sync made.
func departmentPaths(t *testing.T, db *bun.DB) map[int64]string {
	t.Helper()
	var rows []users.Department
	if err := db.NewSelect().Model(&rows).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	byID := make(map[int64]users.Department, len(rows))
	for _, d := range rows {
		byID[d.ID] = d
	}
	paths := make(map[int64]string, len(rows))
	for _, d := range rows {
		path := d.Title
		for p := d.ParentID; p != nil; p = byID[*p].ParentID {
			path = byID[*p].Title + "/" + path
		}
		paths[d.ID] = path
	}
	return paths
}

// memberships is "username path" for every membership, sorted.
func memberships(t *testing.T, db *bun.DB, paths map[int64]string) []string {
	t.Helper()
	var rows []users.DepartmentUser
	if err := db.NewSelect().Model(&rows).Relation("User").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.User.Username + " " + paths[r.DepartmentID]
	}
	slices.Sort(out)
	return out
}

func sortedValues(m map[int64]string) []string {
	out := slices.Collect(maps.Values(m))
	slices.Sort(out)
	return out
}
