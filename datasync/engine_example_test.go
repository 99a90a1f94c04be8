package datasync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

// nicknameBook is a host's own per-record resource: it keeps each synced
// user's nickname in a table of its own.
type nicknameBook struct{}

type nicknameRow struct {
	bun.BaseModel `bun:"table:nicknames"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Nickname      string `bun:"nickname"`
}

func (nicknameBook) Name() string                 { return "nicknames" }
func (nicknameBook) Accepts() []datasync.DataType { return []datasync.DataType{datasync.DataTypeUser} }

// Create is called for a record with no link to the resource yet; the
// returned primary key becomes its link.
func (nicknameBook) Create(ctx context.Context, tx bun.IDB, rec *datasync.OriginRecord, _ string) ([]datasync.RecordResourceChanged, error) {
	row := nicknameRow{Nickname: fmt.Sprint(rec.MetaData["nickname"])}
	if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
		return nil, err
	}
	return []datasync.RecordResourceChanged{{ResourcePk: strconv.FormatInt(row.ID, 10)}}, nil
}

// Update is called with the primary keys of the record's links.
func (nicknameBook) Update(ctx context.Context, tx bun.IDB, rec *datasync.OriginRecord, pks []string, _ string) ([]datasync.RecordResourceChanged, error) {
	_, err := tx.NewUpdate().Model((*nicknameRow)(nil)).
		Set("nickname = ?", fmt.Sprint(rec.MetaData["nickname"])).Where("id = ?", pks[0]).Exec(ctx)
	return nil, err
}

func openExampleDB(ctx context.Context, models ...any) *bun.DB {
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	if err := datasync.CreateTables(ctx, db); err != nil {
		panic(err)
	}
	for _, model := range models {
		if _, err := db.NewCreateTable().Model(model).Exec(ctx); err != nil {
			panic(err)
		}
	}
	return db
}

func ExampleUserDataResource() {
	ctx := context.Background()
	db := openExampleDB(ctx, (*nicknameRow)(nil))
	defer db.Close()

	m := datasync.NewManager(db, datasync.Options{Logger: slog.New(slog.DiscardHandler)})
	defer m.Close()
	if err := m.RegisterResource(nicknameBook{}, datasync.RegisterOptions{}); err != nil {
		panic(err)
	}

	for _, nickname := range []string{"Ada", "Ada Lovelace"} {
		results, err := m.UpdateOrCreate(ctx, datasync.UserData{
			DataType:   datasync.DataTypeUser,
			SourceName: "hr",
			Records:    []datasync.Record{{"uid": "u1", "nickname": nickname}},
		})
		if err != nil {
			panic(err)
		}
		out, _ := json.Marshal(results)
		fmt.Println(string(out))
	}
	var rows []nicknameRow
	if err := db.NewSelect().Model(&rows).Scan(ctx); err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", rows)
	// Output:
	// [{"resource":"nicknames","detail":{"count":{"all":1,"success":1,"failed":0},"failedRecords":[]}}]
	// [{"resource":"nicknames","detail":{"count":{"all":1,"success":1,"failed":0},"failedRecords":[]}}]
	// [{BaseModel:{} ID:1 Nickname:Ada Lovelace}]
}

// badgeBoard is a host's own set-based resource: one badge row per user,
// planned and written a chunk at a time.
type badgeBoard struct{}

type badgeRow struct {
	bun.BaseModel `bun:"table:badges"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Label         string `bun:"label"`
}

func (badgeBoard) Name() string                 { return "badges" }
func (badgeBoard) Accepts() []datasync.DataType { return []datasync.DataType{datasync.DataTypeUser} }

// PlanBatch reads the chunk's linked rows in one query and compares.
func (badgeBoard) PlanBatch(ctx context.Context, db bun.IDB, batch *datasync.Batch) (*datasync.ResourcePlan, error) {
	linked := map[string]string{} // uid → pk
	var pks []string
	for _, rec := range batch.Records {
		if l := rec.LinksTo("badges"); len(l) > 0 {
			linked[rec.SourceUk] = l[0]
			pks = append(pks, l[0])
		}
	}
	labels := map[string]string{} // pk → label
	if len(pks) > 0 {
		var rows []badgeRow
		if err := db.NewSelect().Model(&rows).Where("id IN (?)", bun.List(pks)).Scan(ctx); err != nil {
			return nil, err
		}
		for _, r := range rows {
			labels[strconv.FormatInt(r.ID, 10)] = r.Label
		}
	}
	plan := &datasync.ResourcePlan{Resource: "badges"}
	for _, rec := range batch.Records {
		label := fmt.Sprint(rec.MetaData["nickname"])
		pk, ok := linked[rec.SourceUk]
		switch {
		case !ok:
			plan.Creates = append(plan.Creates, datasync.RecordChange{UID: rec.SourceUk, Values: map[string]any{"label": label}})
		case labels[pk] == label:
			plan.Unchanged++
		default:
			plan.Updates = append(plan.Updates, datasync.RecordChange{UID: rec.SourceUk, PK: pk,
				Values: map[string]any{"label": label}, Previous: map[string]any{"label": labels[pk]}})
		}
	}
	return plan, nil
}

// ApplyBatch writes the plan: one bulk insert, one statement per update.
func (badgeBoard) ApplyBatch(ctx context.Context, tx bun.IDB, _ *datasync.Batch, plan *datasync.ResourcePlan) ([]datasync.LinkChange, error) {
	var links []datasync.LinkChange
	if len(plan.Creates) > 0 {
		rows := make([]badgeRow, len(plan.Creates))
		for i, c := range plan.Creates {
			rows[i].Label = c.Values["label"].(string)
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return nil, err
		}
		for i, c := range plan.Creates {
			links = append(links, datasync.LinkChange{UID: c.UID, ResourcePk: strconv.FormatInt(rows[i].ID, 10)})
		}
	}
	for _, u := range plan.Updates {
		if _, err := tx.NewUpdate().Model((*badgeRow)(nil)).Set("label = ?", u.Values["label"]).Where("id = ?", u.PK).Exec(ctx); err != nil {
			return nil, err
		}
	}
	return links, nil
}

func ExampleManager_Plan() {
	ctx := context.Background()
	db := openExampleDB(ctx, (*badgeRow)(nil))
	defer db.Close()

	m := datasync.NewManager(db, datasync.Options{Logger: slog.New(slog.DiscardHandler)})
	defer m.Close()
	if err := m.RegisterResource(badgeBoard{}, datasync.RegisterOptions{}); err != nil {
		panic(err)
	}
	people := func(nicknames ...string) datasync.UserData {
		data := datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "hr"}
		for i, n := range nicknames {
			data.Records = append(data.Records, datasync.Record{"uid": strconv.Itoa(i + 1), "nickname": n})
		}
		return data
	}
	if _, err := m.UpdateOrCreate(ctx, people("Ada", "Grace")); err != nil {
		panic(err)
	}

	// A dry run: what would the next sync do?
	plan, err := m.Plan(ctx, people("Ada", "Grace Hopper", "Edsger"))
	if err != nil {
		panic(err)
	}
	out, _ := json.MarshalIndent(plan, "", "  ")
	fmt.Println(string(out))

	// Carry it out; had the directory changed since, Apply would return
	// ErrStalePlan and write nothing.
	if _, err := m.Apply(ctx, plan); err != nil {
		panic(err)
	}
	var rows []badgeRow
	if err := db.NewSelect().Model(&rows).Order("id").Scan(ctx); err != nil {
		panic(err)
	}
	for _, r := range rows {
		fmt.Println(r.ID, r.Label)
	}
	// Output:
	// {
	//   "sourceName": "hr",
	//   "dataType": "user",
	//   "records": {
	//     "new": 1,
	//     "changed": 1,
	//     "unchanged": 1
	//   },
	//   "resources": [
	//     {
	//       "resource": "badges",
	//       "creates": [
	//         {
	//           "uid": "3",
	//           "values": {
	//             "label": "Edsger"
	//           }
	//         }
	//       ],
	//       "updates": [
	//         {
	//           "uid": "2",
	//           "pk": "2",
	//           "values": {
	//             "label": "Grace Hopper"
	//           },
	//           "previous": {
	//             "label": "Grace"
	//           }
	//         }
	//       ],
	//       "unchanged": 1
	//     }
	//   ]
	// }
	// 1 Ada
	// 2 Grace Hopper
	// 3 Edsger
}
