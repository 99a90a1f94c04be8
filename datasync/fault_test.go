package datasync_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// tablesDump is every row the engine or the test resources write, every
// column included (timestamps and hashes too).
type tablesDump struct {
	Records []map[string]any
	Links   []map[string]any
	Users   []mockUserRow
	Items   []itemRow
}

func (d tablesDump) rows() int { return len(d.Records) + len(d.Links) + len(d.Users) + len(d.Items) }

func dumpTables(t *testing.T, db *bun.DB) tablesDump {
	t.Helper()
	ctx := context.Background()
	var d tablesDump
	for table, dst := range map[string]*[]map[string]any{"userDataSyncRecords": &d.Records, "userDataSyncRecordsResources": &d.Links} {
		if err := db.NewSelect().TableExpr("?", bun.Ident(table)).ColumnExpr("*").OrderExpr("id").Scan(ctx, dst); err != nil {
			t.Fatal(err)
		}
	}
	d.Users = tableRows[mockUserRow](t, db)
	d.Items = tableRows[itemRow](t, db)
	return d
}

// faultFixture has synced users 1–5 through both test resources; the
// faulty run then changes 1–5 and adds 6–10, in chunks of 3.
func faultFixture(t *testing.T, db *bun.DB, opts datasync.Options) (*datasync.Manager, *perRecordUsers, *batchItems, datasync.UserData, tablesDump) {
	t.Helper()
	res, items := newPerRecordUsers("mock-users"), &batchItems{}
	opts.ChunkSize = 3
	m := newEngine(t, db, opts, res, items)
	mustSync(t, m, userRecords("hr", 1, 2, 3, 4, 5))
	data := userRecords("hr", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	for _, rec := range data.Records {
		rec["title"] = rec["title"].(string) + "'"
		rec["nickname"] = rec["nickname"].(string) + "'"
	}
	return m, res, items, data, dumpTables(t, db)
}

func assertUntouched(t *testing.T, db *bun.DB, before tablesDump) {
	t.Helper()
	if diff := cmp.Diff(before, dumpTables(t, db)); diff != "" {
		t.Errorf("a failed run changed the tables (-before +after):\n%s", diff)
	}
}

func TestFaultPerRecordResourceFailsOnRecordN(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m, res, _, data, before := faultFixture(t, db, datasync.Options{})
		res.failOn["8"] = true // chunk 3, after two chunks were written
		_, err := m.UpdateOrCreate(context.Background(), data)
		var fe *datasync.FailedError
		if !errors.As(err, &fe) || fe.Resource != "mock-users" || fe.Failures[0].Message != "mock-users refuses uid 8" {
			t.Fatalf("want mock-users' failure on uid 8, got %v", err)
		}
		assertUntouched(t, db, before)
	})
}

func TestFaultApplyBatchDatabaseError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m, _, items, data, before := faultFixture(t, db, datasync.Options{SkipFailed: true})
		items.breakApply = items.applied + 2
		_, err := m.UpdateOrCreate(context.Background(), data)
		if err == nil || !strings.Contains(err.Error(), "mock_missing") || !strings.Contains(err.Error(), "items: apply records[3:6]") {
			t.Fatalf("want the database's error from chunk 2, got %v", err)
		}
		assertUntouched(t, db, before)
	})
}

func TestFaultContextCancelledMidRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var events int
		m, _, _, data, before := faultFixture(t, db, datasync.Options{OnProgress: func(p datasync.Progress) {
			events++
			if p.Resource == "items" && p.Read == 3 && events > 2 { // after chunk 1 of the faulty run
				cancel()
			}
		}})
		_, err := m.UpdateOrCreate(ctx, data)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("want context.Canceled, got %v", err)
		}
		assertUntouched(t, db, before)
		// The manager still works after a cancelled run.
		mustSync(t, m, data)
		if n := len(tableRows[itemRow](t, db)); n != 10 {
			t.Errorf("items after a clean run: %d", n)
		}
	})
}

// TestConcurrentRunsOfOneSource: two pushes of one source at once, their
// uids overlapping, both succeed one after the other (on PostgreSQL the
// advisory lock; without it the second would hit the unique index on the
// sync records the first is inserting).
func TestConcurrentRunsOfOneSource(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m := newEngine(t, db, datasync.Options{ChunkSize: 7}, newPerRecordUsers("mock-users"), &batchItems{})
		a, b := userRecords("hr"), userRecords("hr")
		for i := 1; i <= 30; i++ {
			if i <= 20 {
				a.Records = append(a.Records, datasync.Record{"uid": itoa(int64(i)), "nickname": "a", "title": "A"})
			}
			if i > 10 {
				b.Records = append(b.Records, datasync.Record{"uid": itoa(int64(i)), "nickname": "b", "title": "B"})
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, data := range []datasync.UserData{a, b} {
			wg.Go(func() { _, errs[i] = m.UpdateOrCreate(context.Background(), data) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		checkConsistent(t, db, 30)
	})
}

// checkConsistent checks that source hr has n sync records, each linked to
// one mock user and one item that hold its metaData.
func checkConsistent(t *testing.T, db *bun.DB, n int) {
	t.Helper()
	recs := syncRecords(t, db, "hr")
	byID := map[string]mockUserRow{}
	for _, u := range tableRows[mockUserRow](t, db) {
		byID[itoa(u.ID)] = u
	}
	titles := map[string]string{}
	for _, it := range tableRows[itemRow](t, db) {
		titles[itoa(it.ID)] = it.Title
	}
	if len(recs) != n || len(byID) != n || len(titles) != n {
		t.Fatalf("%d sync records, %d users, %d items; want %d each", len(recs), len(byID), len(titles), n)
	}
	for uid, r := range recs {
		if len(r.Links) != 2 || !r.Hashed {
			t.Fatalf("sync record %s: %+v", uid, r)
		}
		u := byID[strings.TrimPrefix(r.Links[0], "mock-users=")]
		title := titles[strings.TrimPrefix(r.Links[1], "items=")]
		if u.UID != uid || u.Nickname != r.MetaData["nickname"] || title != r.MetaData["title"] {
			t.Errorf("uid %s: metaData %v, user %+v, item title %q", uid, r.MetaData, u, title)
		}
	}
}
