package tabular_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// staff is an HR export: Ada on three rows in three departments, Bob and
// Cy on one each.
func staff() *memTable {
	return &memTable{
		header: []string{"id", "login", "name", "mail", "department"},
		rows: [][]string{
			{"u1", "ada", "Ada", "ada@example.com", "Sales/EMEA/Berlin"},
			{"u2", "bob", "Bob", "bob@example.com", "Sales/EMEA"},
			{"u1", "ada", "", "ada@example.com", "R&D"},
			{"u3", "cy", "Cy", "", "Sales"},
			{"u1", "", "", "", "Sales/EMEA"},
		},
	}
}

var staffOptions = tabular.Options{
	Mapping:   tabular.Mapping{UID: "id", Username: "login", Nickname: "name", Email: "mail", DepartmentPath: "department"},
	MatchKey:  "email",
	ChunkSize: 2,
}

// directory is what the tables hold, by name rather than by id: each
// user's departments and each department's parent.
type directory struct {
	Users       map[string]string   // username → nickname
	Memberships map[string][]string // username → department titles, sorted
	Parents     map[string]string   // department title → parent title ("" at the top)
	Updated     []time.Time         // every row's updatedAt, to see that nothing was written
}

func readDirectory(t *testing.T, db bun.IDB) directory {
	t.Helper()
	ctx := context.Background()
	var us []users.User
	if err := db.NewSelect().Model(&us).Relation("Departments").Order("users.id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var ds []users.Department
	if err := db.NewSelect().Model(&ds).Relation("Parent").Order("departments.id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	d := directory{Users: map[string]string{}, Memberships: map[string][]string{}, Parents: map[string]string{}}
	for _, u := range us {
		d.Users[u.Username] = u.Nickname
		for _, dep := range u.Departments {
			d.Memberships[u.Username] = append(d.Memberships[u.Username], dep.Title)
		}
		slices.Sort(d.Memberships[u.Username])
		d.Updated = append(d.Updated, u.UpdatedAt)
	}
	for _, dep := range ds {
		d.Parents[dep.Title] = ""
		if dep.Parent != nil {
			d.Parents[dep.Title] = dep.Parent.Title
		}
		d.Updated = append(d.Updated, dep.UpdatedAt)
	}
	return d
}

// TestPullIntoDirectory pulls a table into a real directory through a
// manager's task, then again: the second pull writes nothing.
func TestPullIntoDirectory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		m := synctest.Directory(t, db)
		if err := m.RegisterSourceType("table", datasync.SourceType{Title: "Table", New: func(datasync.SourceConfig) (datasync.Source, error) {
			return tabular.NewSource(staff(), staffOptions)
		}}); err != nil {
			t.Fatal(err)
		}
		if err := m.AddSource(ctx, &datasync.SyncSource{Name: "hr", SourceType: "table", Enabled: true}); err != nil {
			t.Fatal(err)
		}
		pullOnce := func() {
			t.Helper()
			id, err := m.Pull(ctx, "hr")
			if err != nil {
				t.Fatal(err)
			}
			task, err := m.Wait(ctx, id)
			if err != nil || task.Status != datasync.TaskSuccess {
				t.Fatalf("task: %+v, %v", task, err)
			}
		}

		pullOnce()
		first := readDirectory(t, db)
		want := directory{
			Users:       map[string]string{"ada": "Ada", "bob": "Bob", "cy": "Cy"},
			Memberships: map[string][]string{"ada": {"Berlin", "EMEA", "R&D"}, "bob": {"EMEA"}, "cy": {"Sales"}},
			Parents:     map[string]string{"Sales": "", "R&D": "", "EMEA": "Sales", "Berlin": "EMEA"},
		}
		if diff := cmp.Diff(want, first, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Updated" }, cmp.Ignore())); diff != "" {
			t.Fatalf("directory after the first pull (-want +got):\n%s", diff)
		}

		time.Sleep(10 * time.Millisecond) // so that a write would show in updatedAt
		pullOnce()
		second := readDirectory(t, db)
		if diff := cmp.Diff(first, second); diff != "" {
			t.Fatalf("the second pull changed the directory (-first +second):\n%s", diff)
		}

		// The same pull applied part by part: every record is unchanged.
		src, err := tabular.NewSource(staff(), staffOptions)
		if err != nil {
			t.Fatal(err)
		}
		err = src.Pull(ctx, func(d datasync.UserData) error {
			d.SourceName = "hr"
			plan, err := m.Plan(ctx, d)
			if err != nil {
				return err
			}
			if plan.Records != (datasync.RecordCounts{Unchanged: len(d.Records)}) {
				t.Errorf("%s plan: %+v; want all %d unchanged", d.DataType, plan.Records, len(d.Records))
			}
			results, err := m.UpdateOrCreate(ctx, d)
			for _, r := range results {
				if r.Detail.Count.Failed != 0 {
					t.Errorf("%s: %+v", r.Resource, r.Detail)
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, readDirectory(t, db)); diff != "" {
			t.Fatalf("UpdateOrCreate changed the directory (-before +after):\n%s", diff)
		}
	})
}
