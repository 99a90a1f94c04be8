package datasync

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// TestWithRunTx: fn's writes are committed on nil and rolled back on an
// error or a panic (which goes on up).
func TestWithRunTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := CreateTables(ctx, db); err != nil {
			t.Fatal(err)
		}
		m := NewManager(db, Options{})
		defer m.Close()
		write := func(uid string) func(tx bun.Tx) error {
			return func(tx bun.Tx) error {
				_, err := tx.NewInsert().Model(&SyncRecord{SourceName: "hr", SourceUk: uid, DataType: DataTypeUser}).Exec(ctx)
				return err
			}
		}
		boom := errors.New("boom")
		if err := m.withRunTx(ctx, "hr", func(tx bun.Tx) error { _ = write("1")(tx); return boom }); !errors.Is(err, boom) {
			t.Errorf("error: %v", err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("the panic did not go on up")
				}
			}()
			_ = m.withRunTx(ctx, "hr", func(tx bun.Tx) error { _ = write("2")(tx); panic("boom") })
		}()
		if err := m.withRunTx(ctx, "hr", write("3")); err != nil {
			t.Fatal(err)
		}
		var uids []string
		if err := db.NewSelect().Model((*SyncRecord)(nil)).Column("sourceUk").Scan(ctx, &uids); err != nil {
			t.Fatal(err)
		}
		if len(uids) != 1 || uids[0] != "3" {
			t.Errorf("committed sync records: %v, want [3]", uids)
		}
	})
}

// queryCount counts the statements a database runs.
type queryCount struct{ n int }

func (*queryCount) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (q *queryCount) AfterQuery(context.Context, *bun.QueryEvent)                      { q.n++ }

// lookupFixture stores, for source "hr", 100 departments d0…d99 linked to
// "departments" rows 0…99, and two users, each a member of every
// department (a membership link to "departments" per department) and u0
// linked to "users" row 7.
func lookupFixture(t *testing.T, db *bun.DB) {
	t.Helper()
	ctx := context.Background()
	if err := CreateTables(ctx, db); err != nil {
		t.Fatal(err)
	}
	var links []SyncRecordResource
	add := func(uk string, dataType DataType) int64 {
		rec := &SyncRecord{SourceName: "hr", SourceUk: uk, DataType: dataType}
		if _, err := db.NewInsert().Model(rec).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		return rec.ID
	}
	for i := range 100 {
		links = append(links, SyncRecordResource{RecordID: add("d"+strconv.Itoa(i), DataTypeDepartment), Resource: "departments", ResourcePk: strconv.Itoa(i)})
	}
	for u := range 2 {
		id := add("u"+strconv.Itoa(u), DataTypeUser)
		for i := range 100 {
			links = append(links, SyncRecordResource{RecordID: id, Resource: "departments", ResourcePk: strconv.Itoa(i)})
		}
		if u == 0 {
			links = append(links, SyncRecordResource{RecordID: id, Resource: "users", ResourcePk: "7"})
		}
	}
	if _, err := db.NewInsert().Model(&links).Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestQueryUIDsManyKeys: many keys are looked up from the records' side,
// few from the links' side, with the same answers; links of records of
// another data type sharing the keys (memberships) are not taken.
func TestQueryUIDsManyKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		lookupFixture(t, db)
		ctx := context.Background()
		r := &run{db: db, sourceName: "hr", dataType: DataTypeDepartment}
		var pks []string
		want := map[string]string{}
		for i := range 100 {
			pks = append(pks, strconv.Itoa(i))
			want[strconv.Itoa(i)] = "d" + strconv.Itoa(i)
		}
		pks = append(pks, "100")
		for _, n := range []int{len(pks), manyKeys - 1} {
			got, err := r.queryUIDs(ctx, DataTypeDepartment, "departments", pks[len(pks)-n:])
			if err != nil {
				t.Fatal(err)
			}
			wantN := map[string]string{}
			for _, pk := range pks[len(pks)-n:] {
				if uid, ok := want[pk]; ok {
					wantN[pk] = uid
				}
			}
			if diff := cmp.Diff(wantN, got); diff != "" {
				t.Errorf("%d keys (-want +got):\n%s", n, diff)
			}
		}
		if n := r.lookups.counts[DataTypeDepartment]; n != 100 {
			t.Errorf("counted %d department records, want 100", n)
		}
		got, err := r.queryUIDs(ctx, DataTypeUser, "users", []string{"7", "8"})
		if err != nil || !cmp.Equal(got, map[string]string{"7": "u0"}) {
			t.Errorf("users: %v, %v", got, err)
		}
	})
}

// TestLookupsOfOtherDataTypeCached: a user run asks the database once per
// department for its link or uid, absent ones included; lookups of its
// own data type always go to the database.
func TestLookupsOfOtherDataTypeCached(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		lookupFixture(t, db)
		ctx := context.Background()
		counter := &queryCount{}
		r := &run{db: db.WithQueryHook(counter), sourceName: "hr", dataType: DataTypeUser, linkBase: 1 << 40}
		ask := func(uids ...string) map[string]Link {
			t.Helper()
			got, err := r.lookupLinks(ctx, DataTypeDepartment, "departments", uids)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		link := func(pk string) Link { return Link{Resource: "departments", ResourcePk: pk} }
		want := map[string]Link{"d1": link("1"), "d2": link("2")}
		if got := ask("d1", "d2", "nope"); !cmp.Equal(got, want) {
			t.Errorf("first lookup: %v", got)
		}
		if got := ask("d2", "nope", "d1"); !cmp.Equal(got, want) || counter.n != 1 {
			t.Errorf("second lookup: %v after %d queries, want 1", got, counter.n)
		}
		if got := ask("d1", "d3"); !cmp.Equal(got, map[string]Link{"d1": link("1"), "d3": link("3")}) || counter.n != 2 {
			t.Errorf("lookup of a new uid: %v after %d queries, want 2", got, counter.n)
		}
		for range 2 {
			uids, err := r.lookupUIDs(ctx, DataTypeDepartment, "departments", []string{"4", "100"})
			if err != nil || !cmp.Equal(uids, map[string]string{"4": "d4"}) {
				t.Errorf("uids: %v, %v", uids, err)
			}
		}
		if counter.n != 3 {
			t.Errorf("%d queries after two uid lookups, want 3", counter.n)
		}
		for range 2 {
			if _, err := r.lookupLinks(ctx, DataTypeUser, "users", []string{"u0"}); err != nil {
				t.Fatal(err)
			}
		}
		if counter.n != 5 {
			t.Errorf("%d queries after two lookups of the run's own data type, want 5", counter.n)
		}
	})
}
