package datasync_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
	"github.com/gatehouse-dev/gatehouse/users"
)

// The benchmark fixture: 100,000 users in 2,000 departments on three levels
// (20 → 180 → 1,800), departments shuffled so that children often come
// before their parents, each user in one or two departments.
const (
	benchUsers       = 100_000
	benchDepartments = 2_000
)

var benchFixture = sync.OnceValues(func() (datasync.UserData, datasync.UserData) {
	return makeFixture(benchUsers)
})

// makeFixture builds the fixture's departments and n users.
func makeFixture(n int) (depts, people datasync.UserData) {
	rng := rand.New(rand.NewPCG(12, 2026))
	depts = datasync.UserData{DataType: datasync.DataTypeDepartment, SourceName: "hr"}
	for i := range benchDepartments {
		rec := datasync.Record{"uid": "d" + strconv.Itoa(i), "title": "Department " + strconv.Itoa(i), "sort": i}
		switch {
		case i < 20:
		case i < 200:
			rec["parentUid"] = "d" + strconv.Itoa(rng.IntN(20))
		default:
			rec["parentUid"] = "d" + strconv.Itoa(20+rng.IntN(180))
		}
		depts.Records = append(depts.Records, rec)
	}
	rng.Shuffle(len(depts.Records), func(i, j int) { depts.Records[i], depts.Records[j] = depts.Records[j], depts.Records[i] })
	people = datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "hr", MatchKey: "uid"}
	for i := range n {
		first := rng.IntN(benchDepartments)
		memberships := []any{map[string]any{"uid": "d" + strconv.Itoa(first), "isMain": true}}
		if rng.IntN(2) == 0 {
			memberships = append(memberships, "d"+strconv.Itoa((first+1+rng.IntN(benchDepartments-1))%benchDepartments))
		}
		people.Records = append(people.Records, datasync.Record{
			"uid":         "u" + strconv.Itoa(i),
			"username":    "user" + strconv.Itoa(i),
			"nickname":    "User " + strconv.Itoa(i),
			"email":       "user" + strconv.Itoa(i) + "@example.com",
			"phone":       strconv.Itoa(13_000_000_000 + i),
			"departments": memberships,
		})
	}
	return depts, people
}

// benchSQLite opens a SQLite database in a file (WAL), as a host does.
func benchSQLite(b *testing.B) *bun.DB {
	db, err := sqlitedb.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlitedb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// newBenchManager creates the directory and sync tables and a manager with
// the built-in resources. peak, when set, records the highest live heap
// (after a collection) seen at the end of each chunk: slow, so only the
// heap benchmark asks for it.
// seen at the end of each chunk.
func newBenchManager(b *testing.B, db *bun.DB, peak *uint64) *datasync.Manager {
	ctx := context.Background()
	if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
		b.Fatal(err)
	}
	if err := datasync.CreateTables(ctx, db); err != nil {
		b.Fatal(err)
	}
	opts := datasync.Options{Logger: slog.New(slog.DiscardHandler)}
	if peak != nil {
		var ms runtime.MemStats
		opts.OnProgress = func(datasync.Progress) {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapAlloc)
		}
	}
	m := datasync.NewManager(db, opts)
	if err := users.RegisterSyncResources(m, users.Options{}); err != nil {
		b.Fatal(err)
	}
	return m
}

func pushBoth(b *testing.B, m *datasync.Manager) {
	depts, people := benchFixture()
	pushData(b, m, depts, people)
}

func pushData(b *testing.B, m *datasync.Manager, depts, people datasync.UserData) {
	ctx := context.Background()
	for _, d := range []datasync.UserData{depts, people} {
		if _, err := m.UpdateOrCreate(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
}

// benchFirstSync measures a first sync of the fixture into an empty
// directory.
func benchFirstSync(b *testing.B, open func(*testing.B) *bun.DB) {
	benchFixture()
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		db := open(b)
		m := newBenchManager(b, db, nil)
		b.StartTimer()
		start := time.Now()
		pushBoth(b, m)
		elapsed += time.Since(start)
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*(benchUsers+benchDepartments))/elapsed.Seconds(), "records/s")
}

func BenchmarkSyncUsersSQLite(b *testing.B) { benchFirstSync(b, benchSQLite) }

// BenchmarkSyncPeakHeap measures the most live heap a first sync holds
// above its input (collected and read at the end of every chunk), for two
// input sizes: it grows with the chunk size, not with the records.
func BenchmarkSyncPeakHeap(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		depts, people := makeFixture(n)
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			var peak, base uint64
			for b.Loop() {
				b.StopTimer()
				db := benchSQLite(b)
				m := newBenchManager(b, db, &peak)
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				base = max(base, ms.HeapAlloc)
				b.StartTimer()
				pushData(b, m, depts, people)
				b.StopTimer()
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(peak-min(base, peak))/(1<<20), "peak-heap-MB")
		})
	}
}

func BenchmarkSyncUsersPG(b *testing.B) {
	benchFirstSync(b, func(b *testing.B) *bun.DB { return dbtest.Postgres(b) })
}

// BenchmarkResyncUnchanged pushes the fixture a second time: every record
// is unchanged, so nothing may be written.
func BenchmarkResyncUnchanged(b *testing.B) {
	db := benchSQLite(b)
	pushBoth(b, newBenchManager(b, db, nil))
	counter := &queryCounter{}
	m := datasync.NewManager(db.WithQueryHook(counter), datasync.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := users.RegisterSyncResources(m, users.Options{}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for b.Loop() {
		pushBoth(b, m)
	}
	b.ReportMetric(float64(b.N*(benchUsers+benchDepartments))/time.Since(start).Seconds(), "records/s")
	b.ReportMetric(float64(counter.rows.Load())/float64(b.N), "rows-written/op")
}

// BenchmarkRawInsert is the floor: the fixture's users inserted with plain
// bun bulk inserts of 1,000 in one transaction, nothing else.
func BenchmarkRawInsert(b *testing.B) {
	_, people := benchFixture()
	ctx := context.Background()
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		db := benchSQLite(b)
		if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
			b.Fatal(err)
		}
		rows := make([]*users.User, len(people.Records))
		for i, r := range people.Records {
			rows[i] = &users.User{Username: r["username"].(string), Nickname: r["nickname"].(string), Email: r["email"].(string), Phone: r["phone"].(string)}
		}
		b.StartTimer()
		start := time.Now()
		err := db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
			for lo := 0; lo < len(rows); lo += datasync.DefaultChunkSize {
				chunk := rows[lo:min(lo+datasync.DefaultChunkSize, len(rows))]
				if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
					return fmt.Errorf("insert: %w", err)
				}
			}
			return nil
		})
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*benchUsers)/elapsed.Seconds(), "records/s")
}

// BenchmarkRawInsertSyncRows is the floor of a first sync: the rows it
// must write in NocoBase's tables for the fixture (departments, users,
// memberships, a sync record per record, a link per department, user and
// membership), inserted with plain bun bulk inserts of 1,000 in one
// transaction, with nothing looked up, hashed or planned.
func BenchmarkRawInsertSyncRows(b *testing.B) {
	depts, people := benchFixture()
	ctx := context.Background()
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		db := benchSQLite(b)
		if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
			b.Fatal(err)
		}
		if err := datasync.CreateTables(ctx, db); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		err := db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
			deptPKs, err := insertRawDepartments(ctx, tx, depts)
			if err != nil {
				return err
			}
			for lo := 0; lo < len(people.Records); lo += datasync.DefaultChunkSize {
				if err := insertRawUsers(ctx, tx, people.Records[lo:min(lo+datasync.DefaultChunkSize, len(people.Records))], deptPKs); err != nil {
					return err
				}
			}
			return nil
		})
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*(benchUsers+benchDepartments))/elapsed.Seconds(), "records/s")
}

// insertRawDepartments inserts the departments, their sync records and
// links, and returns the departments' keys by uid.
func insertRawDepartments(ctx context.Context, tx bun.Tx, depts datasync.UserData) (map[string]int64, error) {
	rows := make([]*users.Department, len(depts.Records))
	recs := make([]*datasync.SyncRecord, len(depts.Records))
	for i, r := range depts.Records {
		rows[i] = &users.Department{Title: r["title"].(string)}
		recs[i] = &datasync.SyncRecord{SourceName: depts.SourceName, SourceUk: r["uid"].(string), DataType: depts.DataType, MetaData: r}
	}
	if err := insertAll(ctx, tx, &rows, &recs); err != nil {
		return nil, err
	}
	pks := make(map[string]int64, len(rows))
	links := make([]*datasync.SyncRecordResource, len(rows))
	for i, r := range depts.Records {
		pks[r["uid"].(string)] = rows[i].ID
		links[i] = &datasync.SyncRecordResource{RecordID: recs[i].ID, Resource: "departments", ResourcePk: strconv.FormatInt(rows[i].ID, 10)}
	}
	return pks, insertAll(ctx, tx, &links)
}

// insertRawUsers inserts a chunk of users, their memberships, sync
// records and links.
func insertRawUsers(ctx context.Context, tx bun.Tx, chunk []datasync.Record, deptPKs map[string]int64) error {
	rows := make([]*users.User, len(chunk))
	recs := make([]*datasync.SyncRecord, len(chunk))
	for i, r := range chunk {
		rows[i] = &users.User{Username: r["username"].(string), Nickname: r["nickname"].(string), Email: r["email"].(string), Phone: r["phone"].(string)}
		recs[i] = &datasync.SyncRecord{SourceName: "hr", SourceUk: r["uid"].(string), DataType: datasync.DataTypeUser, MetaData: r}
	}
	if err := insertAll(ctx, tx, &rows, &recs); err != nil {
		return err
	}
	var links []*datasync.SyncRecordResource
	var members []*users.DepartmentUser
	for i, r := range chunk {
		links = append(links, &datasync.SyncRecordResource{RecordID: recs[i].ID, Resource: "users", ResourcePk: strconv.FormatInt(rows[i].ID, 10)})
		es, err := r.Departments()
		if err != nil {
			return err
		}
		for _, e := range es {
			members = append(members, &users.DepartmentUser{UserID: rows[i].ID, DepartmentID: deptPKs[e.UID]})
			links = append(links, &datasync.SyncRecordResource{RecordID: recs[i].ID, Resource: "departments", ResourcePk: strconv.FormatInt(deptPKs[e.UID], 10)})
		}
	}
	return insertAll(ctx, tx, &members, &links)
}

// insertAll bulk-inserts each slice of models.
func insertAll(ctx context.Context, tx bun.Tx, models ...any) error {
	for _, m := range models {
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return fmt.Errorf("insert %T: %w", m, err)
		}
	}
	return nil
}
