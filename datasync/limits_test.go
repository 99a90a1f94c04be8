package datasync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func TestParseDeletionLimits(t *testing.T) {
	for _, tc := range []struct {
		options map[string]any
		want    DeletionLimits
		err     string
	}{
		{options: nil},
		{options: map[string]any{"other": 1}},
		{options: map[string]any{"deletionLimits": map[string]any{"percent": float64(30), "count": json.Number("5"), "allowAll": true}}, want: DeletionLimits{Percent: 30, Count: 5, AllowAll: true}},
		{options: map[string]any{"deletionLimits": "30%"}, err: "deletionLimits: want an object"},
		{options: map[string]any{"deletionLimits": map[string]any{"percent": float64(0)}}, err: "deletionLimits.percent: want 1 to 100"},
		{options: map[string]any{"deletionLimits": map[string]any{"percent": float64(101)}}, err: "deletionLimits.percent: want 1 to 100"},
		{options: map[string]any{"deletionLimits": map[string]any{"percent": 2.5}}, err: "deletionLimits.percent: want a whole number, not 2.5"},
		{options: map[string]any{"deletionLimits": map[string]any{"percent": "30"}}, err: "deletionLimits.percent: want a whole number"},
		{options: map[string]any{"deletionLimits": map[string]any{"count": float64(-1)}}, err: "deletionLimits.count: want 1 or more"},
		{options: map[string]any{"deletionLimits": map[string]any{"allowAll": "yes"}}, err: "deletionLimits.allowAll: want true or false"},
		{options: map[string]any{"deletionLimits": map[string]any{"percentage": float64(30)}}, err: "deletionLimits.percentage: unknown option"},
	} {
		got, err := parseDeletionLimits(tc.options)
		if tc.err != "" {
			if !errors.Is(err, ErrInvalidSource) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: err = %v, want ErrInvalidSource saying %q", tc.options, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v: got %+v, %v; want %+v", tc.options, got, err, tc.want)
		}
	}
}

func TestDeletionLimitsCheck(t *testing.T) {
	for _, tc := range []struct {
		limits       DeletionLimits
		gone, synced int
		want         string // "" when allowed
	}{
		{DeletionLimits{}, 0, 0, ""},
		{DeletionLimits{}, 2, 9, ""},
		{DeletionLimits{}, 9, 9, "synced users would be reduced by 100% (9): the source no longer has any of them; set deletionLimits.allowAll to allow it"},
		{DeletionLimits{AllowAll: true}, 9, 9, ""},
		{DeletionLimits{Percent: 30}, 6, 9, "synced users would be reduced by 67% (6), reaching the 30% threshold"},
		{DeletionLimits{Percent: 30}, 2, 9, ""},
		{DeletionLimits{Percent: 30, AllowAll: true}, 9, 9, "synced users would be reduced by 100% (9), reaching the 30% threshold"},
		{DeletionLimits{Count: 5}, 5, 100, "synced users would be reduced by 5 (5%), reaching the limit of 5"},
		{DeletionLimits{Count: 5}, 4, 100, ""},
	} {
		err := tc.limits.check(tc.gone, tc.synced)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%+v %d/%d: %v, want allowed", tc.limits, tc.gone, tc.synced, err)
			}
			continue
		}
		var le *DeletionLimitError
		if !errors.As(err, &le) || !errors.Is(err, ErrDeletionLimit) || err.Error() != tc.want || le.Deleted != tc.gone || le.Synced != tc.synced {
			t.Errorf("%+v %d/%d: err = %v, want %q", tc.limits, tc.gone, tc.synced, err, tc.want)
		}
	}
}

func uidRange(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprint(i))
	}
	return out
}

func TestPullWithinDeletionLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		withLimits := func(opts staticOptions) *SyncSource {
			row := staticRow(t, "hr", opts)
			row.Options["deletionLimits"] = map[string]any{"percent": float64(30)}
			row.Options["onMissing"] = string(MissingDelete)
			return row
		}
		row := withLimits(people(uidRange(1, 10)...))
		if err := f.m.AddSource(context.Background(), row); err != nil {
			t.Fatal(err)
		}
		f.pullOK(t, "hr")
		pull := func(uids ...string) *SyncTask {
			t.Helper()
			row.Options = withLimits(people(uids...)).Options
			if _, err := f.db.NewUpdate().Model(row).Column("options").WherePK().Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
			return f.pullAndWait(t, "hr")
		}
		// 3 of 10 gone: 30%, refused (awaiting approval), nothing written.
		task := pull(uidRange(1, 7)...)
		if task.Status != TaskPendingApproval || task.Message != "synced users would be reduced by 30% (3), reaching the 30% threshold" {
			t.Fatalf("task = %+v, want refused at the threshold", task)
		}
		if diff := cmp.Diff(nicks(uidRange(1, 10)...), f.nicknames(t)); diff != "" {
			t.Fatalf("people after a refused pull (-want +got):\n%s", diff)
		}
		// 2 of 10: allowed. Then 2 of the 8 still synced (25%), not 4 of
		// 10: what an earlier pull deleted no longer counts.
		for _, uids := range [][]string{uidRange(1, 8), uidRange(1, 8), uidRange(1, 6)} {
			if task := pull(uids...); task.Status != TaskSuccess {
				t.Fatalf("pull of %v: task = %+v, want success", uids, task)
			}
			if diff := cmp.Diff(nicks(uids...), f.nicknames(t)); diff != "" {
				t.Fatalf("people after a pull of %v (-want +got):\n%s", uids, diff)
			}
		}
		// A source with none of its users left is refused without
		// allowAll, for good: the task fails, nothing to approve.
		task = pull("x1")
		if task.Status != TaskFailed || !strings.Contains(task.Message, "reduced by 100% (6)") {
			t.Fatalf("task = %+v, want every user's deletion refused", task)
		}
	})
}

func TestRunSourceDeletionLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		ctx := context.Background()
		if _, err := f.m.RunSource(ctx, "hr", &staticSource{opts: people("1", "2")}, RunSourceOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err := f.m.RunSource(ctx, "hr", &staticSource{opts: people("3")}, RunSourceOptions{})
		if !errors.Is(err, ErrDeletionLimit) {
			t.Fatalf("err = %v, want ErrDeletionLimit", err)
		}
		if _, err := f.m.RunSource(ctx, "hr", &staticSource{opts: people("3")}, RunSourceOptions{Policy: &Policy{OnMissing: MissingDelete, Limits: DeletionLimits{AllowAll: true}, UserIdentity: IdentityID, DepartmentIdentity: IdentityID, FirstSync: FirstSyncRetain, PasswordFormat: "plain"}}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(nicks("3"), f.nicknames(t)); diff != "" {
			t.Fatalf("people (-want +got):\n%s", diff)
		}
	})
}

func TestPullRefusesBadDeletionLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		row := staticRow(t, "hr", people("1"))
		row.Options["deletionLimits"] = map[string]any{"percent": float64(0)}
		if err := f.m.AddSource(context.Background(), row); err != nil {
			t.Fatal(err)
		}
		if _, err := f.m.Pull(context.Background(), "hr"); !errors.Is(err, ErrInvalidSource) || !strings.Contains(err.Error(), "deletionLimits.percent") {
			t.Fatalf("err = %v, want ErrInvalidSource naming deletionLimits.percent", err)
		}
		n, err := db.NewSelect().Model((*SyncTask)(nil)).Count(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("%d tasks (err %v), want none", n, err)
		}
	})
}
