package ldap_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/ldap"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/internal/slapdtest"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
)

// newDirectory makes the directory's and the sync's tables in db and a
// manager that pulls the sources in srcs by name.
func newDirectory(t *testing.T, db *bun.DB, srcs map[string]datasync.Source) *datasync.Manager {
	t.Helper()
	ctx := context.Background()
	m := synctest.Directory(t, db)
	err := m.RegisterSourceType("ldap", datasync.SourceType{Title: "LDAP", New: func(cfg datasync.SourceConfig) (datasync.Source, error) {
		return srcs[cfg.Name], nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	for name := range srcs {
		if err := m.AddSource(ctx, &datasync.SyncSource{Name: name, SourceType: "ldap", Enabled: true}); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// runPull pulls the source named name and returns its ended task.
func runPull(t *testing.T, m *datasync.Manager, name string) *datasync.SyncTask {
	t.Helper()
	ctx := context.Background()
	id, err := m.Pull(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	task, err := m.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// counts are the directory's rows.
type counts struct{ Users, Departments, Memberships, SyncRecords int }

func countRows(t *testing.T, db *bun.DB) counts {
	t.Helper()
	var c counts
	for table, dst := range map[string]*int{
		"users":               &c.Users,
		"departments":         &c.Departments,
		"departmentsUsers":    &c.Memberships,
		"userDataSyncRecords": &c.SyncRecords,
	} {
		n, err := db.NewSelect().Table(table).Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		*dst = int(n)
	}
	return c
}

func newSource(t *testing.T, opts ldap.Options) *ldap.Source {
	t.Helper()
	src, err := ldap.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestManagerPull(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		srv := startSlapd(t)
		src := newSource(t, fixtureOptions(srv.URL))
		m := newDirectory(t, db, map[string]datasync.Source{"corp": src})

		if task := runPull(t, m, "corp"); task.Status != datasync.TaskSuccess {
			t.Fatalf("task %s: %s", task.Status, task.Message)
		}
		want := counts{Users: fixtureUsers, Departments: 14, SyncRecords: fixtureUsers + 14}
		for _, u := range pull(t, fixtureOptions(srv.URL)).users {
			want.Memberships += len(u["departments"].([]any))
		}
		if got := countRows(t, db); got != want {
			t.Fatalf("after the pull %+v, want %+v", got, want)
		}

		// Pulled again, the directory plans no change at all...
		ctx := context.Background()
		err := src.Pull(ctx, func(d datasync.UserData) error {
			plan, err := m.Plan(ctx, datasync.UserData{DataType: d.DataType, MatchKey: d.MatchKey, Records: d.Records, SourceName: "corp"})
			if err != nil {
				return err
			}
			if plan.Records.New+plan.Records.Changed != 0 {
				t.Errorf("second %s pull: %+v, want every record unchanged", d.DataType, plan.Records)
			}
			for _, rp := range plan.Resources {
				if !rp.Empty() {
					t.Errorf("second %s pull: %s plans %+v", d.DataType, rp.Resource, rp)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// ...and a second run succeeds and leaves it as it was.
		if task := runPull(t, m, "corp"); task.Status != datasync.TaskSuccess {
			t.Fatalf("second task %s: %s", task.Status, task.Message)
		}
		if got := countRows(t, db); got != want {
			t.Fatalf("after the second pull %+v, want %+v", got, want)
		}
	})
}

// killing is a Source that kills its server once its first users are
// emitted, as a crash mid-read would; err keeps what Pull returned.
type killing struct {
	src   *ldap.Source
	srv   *slapdtest.Server
	err   error
	users int // users emitted, and written inside the run, before the kill
}

func (k *killing) Pull(ctx context.Context, emit func(datasync.UserData) error) error {
	k.err = k.src.Pull(ctx, func(d datasync.UserData) error {
		if err := emit(d); err != nil {
			return err
		}
		if d.DataType == datasync.DataTypeUser {
			k.users += len(d.Records)
			k.srv.Kill()
		}
		return nil
	})
	return k.err
}

// sequence is a Source whose n-th Pull is its n-th source's: one source
// row that first reads part of the directory, then more of it.
type sequence []datasync.Source

func (s *sequence) Pull(ctx context.Context, emit func(datasync.UserData) error) error {
	src := (*s)[0]
	*s = (*s)[1:]
	return src.Pull(ctx, emit)
}

func TestManagerPullServerKilled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		srv := startSlapd(t)
		few := fixtureOptions(srv.URL)
		few.Users.Filter = "(&(objectClass=inetOrgPerson)(uid=user-00*))" // users 1-9
		all := fixtureOptions(srv.URL)
		all.PageSize, all.ChunkSize = 10, 10
		dies := &killing{src: newSource(t, all), srv: srv}
		m := newDirectory(t, db, map[string]datasync.Source{"corp": &sequence{newSource(t, few), dies}})

		if task := runPull(t, m, "corp"); task.Status != datasync.TaskSuccess {
			t.Fatalf("task %s: %s", task.Status, task.Message)
		}
		before := countRows(t, db)
		if before.Users != 9 {
			t.Fatalf("%d users, want 9", before.Users)
		}

		task := runPull(t, m, "corp")
		if task.Status != datasync.TaskFailed || !strings.Contains(task.Message, "API call failed") {
			t.Fatalf("task %s: %q, want failed as the source's API", task.Status, task.Message)
		}
		if dies.users == 0 {
			t.Fatal("no users emitted before the kill: the test proves nothing")
		}
		if !errors.Is(dies.err, datasync.ErrIncomplete) || !errors.Is(dies.err, datasync.ErrSourceAPI) {
			t.Fatalf("Pull: %v, want ErrIncomplete and ErrSourceAPI", dies.err)
		}
		if got := countRows(t, db); got != before {
			t.Fatalf("after the failed pull %+v, want it unchanged: %+v", got, before)
		}
	})
}
