package datasync_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// The tests of NocoBase's resource-manager.test.ts and
// resource-manager-order.test.ts (spec B.6), on a real database.

func TestReferenceRegisterResourceError(t *testing.T) {
	m := datasync.NewManager(nil, datasync.Options{})
	noName := newPerRecordUsers("")
	err := m.RegisterResource(noName, datasync.RegisterOptions{})
	if !errors.Is(err, datasync.ErrInvalidResource) || err.Error() != `datasync: invalid resource: "name" for user data synchronize resource is required` {
		t.Errorf("no name: %v", err)
	}
	noAccepts := newPerRecordUsers("mock-users")
	noAccepts.accepts = nil
	err = m.RegisterResource(noAccepts, datasync.RegisterOptions{})
	if !errors.Is(err, datasync.ErrInvalidResource) || err.Error() != `datasync: invalid resource: "accepts" for user data synchronize resource is required` {
		t.Errorf("no accepts: %v", err)
	}
	if got := m.Resources(); len(got) != 0 {
		t.Errorf("refused resources were registered: %v", got)
	}
}

func TestReferenceRegisterInOrder(t *testing.T) {
	m := datasync.NewManager(nil, datasync.Options{})
	if err := m.RegisterResource(newPerRecordUsers("mock-users"), datasync.RegisterOptions{After: []string{"mock-users2"}}); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterResource(newPerRecordUsers("mock-users2"), datasync.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range m.Resources() {
		names = append(names, r.Name())
	}
	if diff := cmp.Diff([]string{"mock-users2", "mock-users"}, names); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func referenceData(nickname string) datasync.UserData {
	return datasync.UserData{
		DataType: datasync.DataTypeUser, MatchKey: "uid", SourceName: "test",
		Records: []datasync.Record{{"uid": "1", "nickname": nickname}},
	}
}

func TestReferenceCreateForAResource(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m := newEngine(t, db, datasync.Options{}, newPerRecordUsers("mock-users"))
		mustSync(t, m, referenceData("test"))

		rows := tableRows[mockUserRow](t, db)
		if len(rows) != 1 || rows[0].UID != "1" || rows[0].Nickname != "test" {
			t.Fatalf("mock data: %+v", rows)
		}
		want := map[string]syncRecordRow{"1": {
			SourceName: "test", DataType: datasync.DataTypeUser, SourceUk: "1",
			MetaData: datasync.Record{"uid": "1", "nickname": "test"},
			Hashed:   true,
			Links:    []string{"mock-users=" + itoa(rows[0].ID)},
		}}
		if diff := cmp.Diff(want, syncRecords(t, db, "test")); diff != "" {
			t.Errorf("sync records (-want +got):\n%s", diff)
		}
	})
}

func TestReferenceUpdateForAResource(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m := newEngine(t, db, datasync.Options{}, newPerRecordUsers("mock-users"))
		mustSync(t, m, referenceData("test"))
		mustSync(t, m, referenceData("test2"))

		rows := tableRows[mockUserRow](t, db)
		if len(rows) != 1 || rows[0].Nickname != "test2" {
			t.Fatalf("mock data: %+v", rows)
		}
		rec := syncRecords(t, db, "test")["1"]
		if diff := cmp.Diff(datasync.Record{"uid": "1", "nickname": "test2"}, rec.MetaData); diff != "" {
			t.Errorf("metaData (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(datasync.Record{"uid": "1", "nickname": "test"}, rec.LastMetaData); diff != "" {
			t.Errorf("lastMetaData (-want +got):\n%s", diff)
		}
	})
}

// TestReferenceOrder: a stored record '20' already linked, incoming
// [10, 20]: the calls follow the incoming order, not the stored one.
func TestReferenceOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		res := newPerRecordUsers("mock-users")
		m := newEngine(t, db, datasync.Options{}, res)
		mustSync(t, m, userRecords("test", 20))
		res.calls = nil

		data := userRecords("test", 10, 20)
		data.Records[1]["nickname"] = "changed"
		mustSync(t, m, data)
		if diff := cmp.Diff([]string{"create:10", "update:20"}, res.calls); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
}

// TestReferenceResultsJSON: results marshal to NocoBase's SyncResult[].
func TestReferenceResultsJSON(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		res := newPerRecordUsers("mock-users")
		res.failOn["2"] = true
		m := newEngine(t, db, datasync.Options{SkipFailed: true}, res)
		data := datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "test", Records: []datasync.Record{
			{"uid": "1", "nickname": "a"}, {"uid": "2", "nickname": "b"},
		}}
		results, err := m.UpdateOrCreate(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(results)
		if err != nil {
			t.Fatal(err)
		}
		const want = `[{"resource":"mock-users","detail":{"count":{"all":2,"success":1,"failed":1},` +
			`"failedRecords":[{"record":{"nickname":"b","uid":"2"},"message":"mock-users refuses uid 2"}]}}]`
		if string(got) != want {
			t.Errorf("results:\n got %s\nwant %s", got, want)
		}

		results = mustSync(t, m, referenceData("x"))
		got, _ = json.Marshal(results)
		const clean = `[{"resource":"mock-users","detail":{"count":{"all":1,"success":1,"failed":0},"failedRecords":[]}}]`
		if string(got) != clean {
			t.Errorf("results:\n got %s\nwant %s", got, clean)
		}
	})
}
