package datasync

import (
	"context"
	"errors"
	"testing"

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
