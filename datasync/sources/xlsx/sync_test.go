package xlsx_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/xlsx"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// TestSyncSampleWorkbook pulls testdata/users.xlsx, in which Ada is in two
// departments on two rows and her phone is a number cell, into a real
// directory.
func TestSyncSampleWorkbook(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		m := synctest.Directory(t, db)
		err := m.RegisterSourceType("xlsx", datasync.SourceType{Title: "Excel workbook", New: func(cfg datasync.SourceConfig) (datasync.Source, error) {
			path, _ := cfg.Options["path"].(string)
			return tabular.NewSource(xlsx.File(path, xlsx.Options{}), tabular.Options{
				Mapping:  tabular.Mapping{UID: "uid", Nickname: "name", Email: "email", Phone: "phone", DepartmentPath: "department"},
				MatchKey: "email",
			})
		}})
		if err != nil {
			t.Fatal(err)
		}
		src := &datasync.SyncSource{Name: "hr", SourceType: "xlsx", Enabled: true, Options: map[string]any{"path": "testdata/users.xlsx"}}
		if err := m.AddSource(ctx, src); err != nil {
			t.Fatal(err)
		}
		synctest.PullOK(t, m, "hr")

		var people []users.User
		if err := db.NewSelect().Model(&people).Relation("Departments").Order("email").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range people {
			line := u.Nickname + " " + u.Email + " phone=" + u.Phone
			titles := make([]string, len(u.Departments))
			for i, d := range u.Departments {
				titles[i] = d.Title
			}
			slices.Sort(titles)
			got = append(got, line+" in:"+strings.Join(titles, ","))
		}
		want := []string{
			"Ada Lovelace ada@example.com phone=13800000000 in:R&D,Sales",
			"Grace Hopper grace@example.com phone= in:R&D",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("users and memberships (-want +got):\n%s", diff)
		}
	})
}

// TestDamagedWorkbookDeletesNobody syncs five users, then a workbook cut
// off after the second: the run must fail, not delete the other three.
func TestDamagedWorkbookDeletesNobody(t *testing.T) {
	good := staff(t)
	cut := damage(t, good, cutAt(`<row r="4"`, 0))
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		m := synctest.Directory(t, db)
		// One path, as a sync reads it: the damaged copy is renamed over
		// the good one between the runs.
		path := filepath.Join(t.TempDir(), "users.xlsx")
		copyFile(t, good, path)
		src, err := tabular.NewSource(xlsx.File(path, xlsx.Options{}), tabular.Options{
			Mapping:  tabular.Mapping{UID: "uid", Nickname: "name", Email: "email", Phone: "phone", DepartmentPath: "department"},
			MatchKey: "email",
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.RunSource(ctx, "hr", src, datasync.RunSourceOptions{}); err != nil {
			t.Fatal(err)
		}
		want := []string{"p1@example.com", "p2@example.com", "p3@example.com", "p4@example.com", "p5@example.com"}
		if diff := cmp.Diff(want, emails(ctx, t, db)); diff != "" {
			t.Fatalf("after the whole workbook (-want +got):\n%s", diff)
		}

		copyFile(t, cut, path)
		if _, err := m.RunSource(ctx, "hr", src, datasync.RunSourceOptions{}); !errors.Is(err, datasync.ErrIncomplete) {
			t.Fatalf("run over a cut workbook: err = %v, want ErrIncomplete", err)
		}
		if diff := cmp.Diff(want, emails(ctx, t, db)); diff != "" {
			t.Errorf("after the cut workbook (-want +got):\n%s", diff)
		}
	})
}

func emails(ctx context.Context, t *testing.T, db *bun.DB) []string {
	t.Helper()
	var got []string
	if err := db.NewSelect().Model((*users.User)(nil)).Column("email").Order("email").Scan(ctx, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

// copyFile writes src's bytes to a temporary file and renames it to dst,
// as an upload replaces a workbook.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}
