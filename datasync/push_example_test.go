package datasync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

// guestList is the examples' resource: one row per pushed user in a table
// of its own.
type guestList struct{}

type guestRow struct {
	bun.BaseModel `bun:"table:guests"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Name          string `bun:"name"`
}

func (guestList) Name() string                 { return "guests" }
func (guestList) Accepts() []datasync.DataType { return []datasync.DataType{datasync.DataTypeUser} }

func guestName(rec datasync.Record) string {
	name, _ := rec["nickname"].(string)
	return name
}

// Create adds a row and links it to the record.
func (guestList) Create(ctx context.Context, tx bun.IDB, rec *datasync.OriginRecord, _ string) ([]datasync.RecordResourceChanged, error) {
	row := &guestRow{Name: guestName(rec.MetaData)}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, err
	}
	return []datasync.RecordResourceChanged{{ResourcePk: strconv.FormatInt(row.ID, 10)}}, nil
}

// Update renames the row the record is linked to.
func (guestList) Update(ctx context.Context, tx bun.IDB, rec *datasync.OriginRecord, pks []string, _ string) ([]datasync.RecordResourceChanged, error) {
	_, err := tx.NewUpdate().Model((*guestRow)(nil)).Set("name = ?", guestName(rec.MetaData)).Where("id = ?", pks[0]).Exec(ctx)
	return nil, err
}

// newGuestManager opens an in-memory database with the sync tables and the
// guests table, and a manager with the guests resource.
func newGuestManager(ctx context.Context) (*datasync.Manager, func()) {
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	if err := datasync.CreateTables(ctx, db); err != nil {
		panic(err)
	}
	if _, err := db.NewCreateTable().Model((*guestRow)(nil)).Exec(ctx); err != nil {
		panic(err)
	}
	m := datasync.NewManager(db, datasync.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := m.RegisterResource(guestList{}, datasync.RegisterOptions{}); err != nil {
		panic(err)
	}
	return m, func() { m.Close(); db.Close() }
}

func ExampleManager_Push() {
	ctx := context.Background()
	m, done := newGuestManager(ctx)
	defer done()

	results, err := m.Push(ctx, datasync.UserData{
		DataType: datasync.DataTypeUser,
		Records:  []datasync.Record{{"uid": "u1", "nickname": "Ada"}, {"uid": "u2", "nickname": "Grace"}},
	})
	if err != nil {
		panic(err)
	}
	out, _ := json.Marshal(results)
	fmt.Println(string(out))

	// Without a uid nothing is written, and the error says which record.
	_, err = m.Push(ctx, datasync.UserData{DataType: datasync.DataTypeUser, Records: []datasync.Record{{"nickname": "Anon"}}})
	fmt.Println(err)

	var names []string
	if err := m.DB().NewSelect().Model((*guestRow)(nil)).Column("name").Order("id").Scan(ctx, &names); err != nil {
		panic(err)
	}
	fmt.Println(names)
	// Output:
	// [{"resource":"guests","detail":{"count":{"all":2,"success":2,"failed":0},"failedRecords":[]}}]
	// record must has uid, error record: records[0]
	// [Ada Grace]
}

func ExampleManager_PushHandler() {
	ctx := context.Background()
	m, done := newGuestManager(ctx)
	defer done()

	mux := http.NewServeMux()
	mux.Handle("POST /api/userData:push", m.PushHandler(datasync.PushHandlerOptions{MaxBodyBytes: 1 << 20}))

	for _, body := range []string{
		`{"dataType":"user","records":[{"uid":"u1","nickname":"Ada"}]}`,
		`{"dataType":"user","records":[{"nickname":"Anon"}]}`,
		`{"dataType":"user","records":"u1"}`,
	} {
		req := httptest.NewRequest(http.MethodPost, "/api/userData:push", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body)
	}
	// Output:
	// 200 {"data":{"code":0,"message":"success","result":[{"resource":"guests","detail":{"count":{"all":1,"success":1,"failed":0},"failedRecords":[]}}]}}
	// 400 {"data":{"code":400,"message":"record must has uid, error record: records[0]"}}
	// 400 {"data":{"code":400,"message":"records: want a list of objects, got a string"}}
}
