package synctest

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// Changes is what one DeltaSource.PullChanges emitted: the watermark it
// returned, the department uids (sorted) and the user records by uid.
type Changes struct {
	Watermark string
	Depts     []string
	Users     map[string]datasync.Record
}

// UserUIDs are the uids of the users emitted, sorted.
func (c Changes) UserUIDs() []string { return slices.Sorted(maps.Keys(c.Users)) }

// PullChanges runs src.PullChanges from watermark and collects what it
// emits; a user emitted twice, or an error, fails the test.
func PullChanges(t testing.TB, src datasync.DeltaSource, watermark string) Changes {
	t.Helper()
	got := Changes{Users: map[string]datasync.Record{}}
	wm, err := src.PullChanges(context.Background(), watermark, func(d datasync.UserData) error {
		for _, r := range d.Records {
			uid, _ := r.UID()
			if d.DataType == datasync.DataTypeDepartment {
				got.Depts = append(got.Depts, uid)
				continue
			}
			if _, dup := got.Users[uid]; dup {
				t.Errorf("user %s emitted twice", uid)
			}
			got.Users[uid] = r
		}
		return nil
	})
	if err != nil {
		t.Fatalf("PullChanges(%q): %v", watermark, err)
	}
	got.Watermark = wm
	slices.Sort(got.Depts)
	return got
}
