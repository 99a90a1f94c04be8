package tree_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tree"
)

func TestPullChunksParentsFirst(t *testing.T) {
	// A chain listed leaf first, plus a second root: depth order puts the
	// two roots in the first chunk and each level after its parent's.
	table := parseTable("did,fid\nd,c\nc,b\nb,a\na,\\N\nz,\\N")
	src, err := tree.NewSource(table, tree.Options{ChunkSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	var chunks [][]string
	err = src.Pull(context.Background(), func(d datasync.UserData) error {
		var uids []string
		for _, r := range d.Records {
			uid, _ := r.UID()
			uids = append(uids, uid)
		}
		chunks = append(chunks, uids)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"a", "z"}, {"b", "c"}, {"d"}}
	if !slices.EqualFunc(chunks, want, slices.Equal) {
		t.Errorf("chunks = %q, want %q", chunks, want)
	}
}

func TestPullIncomplete(t *testing.T) {
	table := parseTable("did,fid\na,\\N\nb,a\nc,a")
	table.failAt = 2
	got, err := pullAll(t, table, tree.Options{})
	if got != nil || !errors.Is(err, datasync.ErrIncomplete) || !errors.Is(err, errBroken) {
		t.Errorf("Pull = %d records, %v; want ErrIncomplete wrapping the table's error", len(got), err)
	}
}

func TestPullCancelled(t *testing.T) {
	src, err := tree.NewSource(parseTable("did,fid\na,\\N"), tree.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = src.Pull(ctx, func(datasync.UserData) error {
		t.Error("a cancelled pull emitted")
		return nil
	})
	if !errors.Is(err, datasync.ErrIncomplete) || !errors.Is(err, context.Canceled) {
		t.Errorf("Pull = %v; want ErrIncomplete and context.Canceled", err)
	}
}

func TestPullReturnsEmitErrorUnchanged(t *testing.T) {
	src, err := tree.NewSource(parseTable("did,fid\na,\\N\nb,a"), tree.Options{ChunkSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("the run failed")
	calls := 0
	err = src.Pull(context.Background(), func(datasync.UserData) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("Pull = %v after %d emits; want emit's error itself after 1", err, calls)
	}
}

// shortTable breaks the Table contract with rows shorter than its header.
type shortTable struct{ memTable }

func (t *shortTable) Open(ctx context.Context) (tabular.Rows, error) {
	rows, err := t.memTable.Open(ctx)
	return shortRows{rows}, err
}

type shortRows struct{ tabular.Rows }

func (r shortRows) Next() (int, []string, error) {
	line, cells, err := r.Rows.Next()
	if len(cells) > 0 {
		cells = cells[:1]
	}
	return line, cells, err
}

func TestShortRowIsARowError(t *testing.T) {
	table := &shortTable{*parseTable("did,fid\na,\\N")}
	_, err := pullAll(t, table, tree.Options{})
	want := "tree.csv line 2: the row has fewer cells than the header"
	if got := rowErrorMessages(t, err); len(got) != 1 || got[0] != want {
		t.Errorf("errors = %q, want %q", got, want)
	}
}
