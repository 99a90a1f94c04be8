package sqlrows_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/sqlrows"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

func TestDataset(t *testing.T) {
	hr := sqlrows.New(nil, "hr", "SELECT * FROM staff WHERE org = ?", 1)
	renamed := sqlrows.New(nil, "staff query", "SELECT * FROM staff WHERE org = ?", 1)
	if hr.Dataset() != renamed.Dataset() {
		t.Errorf("a new name changed the dataset: %q and %q", hr.Dataset(), renamed.Dataset())
	}
	for name, other := range map[string]*sqlrows.Table{
		"query": sqlrows.New(nil, "hr", "SELECT * FROM contractors WHERE org = ?", 1),
		"args":  sqlrows.New(nil, "hr", "SELECT * FROM staff WHERE org = ?", 2),
	} {
		if other.Dataset() == hr.Dataset() {
			t.Errorf("another %s, the same dataset %q", name, other.Dataset())
		}
	}
	opts := tabular.Options{Mapping: tabular.Mapping{UID: "id", Username: "username"}}
	delta, err := sqlrows.NewDeltaSource(hr, sqlrows.Delta{UpdatedAt: "updated_at"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if delta.Dataset() != hr.Dataset() {
		t.Errorf("delta source dataset %q, want its query's %q", delta.Dataset(), hr.Dataset())
	}
}
