package datasync

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func TestRunSource(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		ctx := context.Background()
		src := &staticSource{opts: people("1", "2", "3")}
		deleting := policyMissing(MissingDelete)
		rep, err := f.m.RunSource(ctx, "hr", src, RunSourceOptions{Policy: deleting})
		if err != nil {
			t.Fatal(err)
		}
		want := []Progress{{SourceName: "hr", DataType: DataTypeUser, Resource: "people", Read: 3, Created: 3}}
		if diff := cmp.Diff(want, rep.Totals); diff != "" || rep.Plans != nil {
			t.Fatalf("totals (-want +got):\n%s\nplans: %v", diff, rep.Plans)
		}
		if diff := cmp.Diff(nicks("1", "2", "3"), f.nicknames(t)); diff != "" {
			t.Fatalf("people (-want +got):\n%s", diff)
		}

		// A dry run of a source that lost 2 and renamed 3: the plans say
		// so, the totals count the deletion, and nothing is written.
		src.opts = people("1", "3")
		src.opts.Data[0].Records[1]["nickname"] = "Renamed"
		rep, err = f.m.RunSource(ctx, "hr", src, RunSourceOptions{DryRun: true, Policy: deleting})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.DryRun || len(rep.Plans) != 2 || rep.Plans[0].Records != (RecordCounts{Unchanged: 1, Changed: 1}) || rep.Plans[1].Records != (RecordCounts{Changed: 1}) {
			t.Fatalf("dry-run report = %+v, want the part's plan then the deletion's", rep)
		}
		// A per-record resource's plan lists the calls: Update for the
		// renamed record and for the departed one.
		want = []Progress{{SourceName: "hr", DataType: DataTypeUser, Resource: "people", Read: 3, Updated: 2, Unchanged: 1}}
		if diff := cmp.Diff(want, rep.Totals); diff != "" {
			t.Fatalf("dry-run totals (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(nicks("1", "2", "3"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after a dry run (-want +got):\n%s", diff)
		}

		if _, err := f.m.RunSource(ctx, "hr", src, RunSourceOptions{Policy: deleting}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]string{"1": "N1", "3": "Renamed"}, f.nicknames(t)); diff != "" {
			t.Fatalf("people after the run (-want +got):\n%s", diff)
		}
	})
}

func TestRunSourceRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		ctx := context.Background()
		if _, err := f.m.RunSource(ctx, "", &staticSource{}, RunSourceOptions{}); !errors.Is(err, ErrInvalidSource) {
			t.Fatalf("no name: err = %v, want ErrInvalidSource", err)
		}
		if _, err := f.m.RunSource(ctx, "hr", nil, RunSourceOptions{}); !errors.Is(err, ErrInvalidSource) {
			t.Fatalf("no source: err = %v, want ErrInvalidSource", err)
		}
		if _, err := f.m.RunSource(ctx, "hr", &staticSource{opts: people("1", "2")}, RunSourceOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err := f.m.RunSource(ctx, "hr", incompleteSource{people("1")}, RunSourceOptions{})
		if !errors.Is(err, ErrIncomplete) {
			t.Fatalf("a half-read: err = %v, want ErrIncomplete", err)
		}
		if diff := cmp.Diff(nicks("1", "2"), f.nicknames(t)); diff != "" {
			t.Fatalf("people after a half-read (-want +got):\n%s", diff)
		}
	})
}

// incompleteSource emits its data, then reports that the read stopped
// short.
type incompleteSource struct{ opts staticOptions }

func (s incompleteSource) Pull(ctx context.Context, emit func(UserData) error) error {
	for _, d := range s.opts.Data {
		if err := emit(d); err != nil {
			return err
		}
	}
	return fmt.Errorf("static: the server went away after %d parts: %w", len(s.opts.Data), ErrIncomplete)
}

// policyMissing is the default policy with onMissing set to mode.
func policyMissing(mode OnMissing) *Policy {
	p := DefaultPolicy()
	p.OnMissing = mode
	return p
}
