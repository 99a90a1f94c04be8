package crud_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
)

// WAudit and WTimes are two audit embeds with methods of the same names:
// embedded side by side, Go promotes neither (as with users.Audit and
// users.Timestamps).
type WAudit struct {
	CreatedByID int64 `bun:"createdById" json:"createdById"`
}

func (*WAudit) ServerColumns(context.Context) []string { return []string{"createdById"} }

func (*WAudit) HookColumns(_ context.Context, insert bool) []string {
	if insert {
		return []string{"createdById"}
	}
	return nil
}

type WTimes struct {
	Stamp int64 `bun:"stamp" json:"stamp"`
}

func (*WTimes) ServerColumns(context.Context) []string { return []string{"stamp"} }

func (*WTimes) HookColumns(_ context.Context, insert bool) []string {
	if insert {
		return nil
	}
	return []string{"stamp"}
}

type wDoc struct {
	bun.BaseModel `bun:"table:docs,alias:d"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Title         string `bun:"title" json:"title"`
	WAudit
	WTimes
}

// BeforeAppendModel fills both embeds: createdById on insert, stamp on
// update.
func (d *wDoc) BeforeAppendModel(_ context.Context, q bun.Query) error {
	switch q.(type) {
	case *bun.InsertQuery:
		d.CreatedByID = 7
	case *bun.UpdateQuery:
		d.Stamp = 43
	}
	return nil
}

var (
	_ crud.ServerColumns = (*WAudit)(nil)
	_ crud.HookColumns   = (*WTimes)(nil)
)

// TestWriteEmbeddedServerColumns: crud asks each embedded struct for its
// ServerColumns and HookColumns, so two embeds whose methods Go does not
// promote still keep clients off their columns and get written.
func TestWriteEmbeddedServerColumns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if _, err := db.NewCreateTable().Model((*wDoc)(nil)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
		if _, err := crud.Define(rs, crud.Options{DB: db, Model: (*wDoc)(nil), Logger: slog.New(slog.DiscardHandler)}); err != nil {
			t.Fatal(err)
		}
		r := wDo(t, rs, nil, 1, "POST", "/api/docs", `{"title":"x","createdById":1,"stamp":5}`)
		wWant(t, "create", r, 200, "")
		wJSON(t, "create ignores both embeds' columns", r.Data, `{"id":1,"title":"x","createdById":7,"stamp":0}`)
		r = wDo(t, rs, nil, 1, "PUT", "/api/docs/1", `{"title":"y"}`)
		wWant(t, "update", r, 200, "")
		wJSON(t, "update writes the hook's column", r.Data, `{"id":1,"title":"y","createdById":7,"stamp":43}`)
		var got wDoc
		if err := db.NewSelect().Model(&got).Where("id = 1").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		wDiff(t, "stored", []int64{7, 43}, []int64{got.CreatedByID, got.Stamp})
	})
}
