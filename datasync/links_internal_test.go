package datasync

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// TestWriteLinksKeepsValues writes links through writeLinks (a JSON
// argument on SQLite, arrays on PostgreSQL) and reads them back: ids in
// the order given, recordId stored as an integer, keys exactly as given
// (quotes, backslashes, control characters, non-ASCII), timestamps the
// columns' default.
func TestWriteLinksKeepsValues(t *testing.T) {
	pks := []string{"12", `a"b`, `c\d`, "e\nf\x01", "你好 ü", "", "'; --"}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := CreateTables(ctx, db); err != nil {
			t.Fatal(err)
		}
		w := &linkWrites{}
		for i, pk := range pks {
			w.inserts = append(w.inserts, newLinkRow{RecordID: int64(100 + i), ResourcePk: pk})
		}
		r := &run{db: db}
		if err := r.writeLinks(ctx, "things", w); err != nil {
			t.Fatal(err)
		}
		var got []SyncRecordResource
		if err := db.NewSelect().Model(&got).Order("id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(pks) {
			t.Fatalf("%d links stored, want %d", len(got), len(pks))
		}
		for i, l := range got {
			if l.RecordID != int64(100+i) || l.Resource != "things" || l.ResourcePk != pks[i] {
				t.Errorf("link %d = (%d, %q, %q), want (%d, things, %q)", i, l.RecordID, l.Resource, l.ResourcePk, 100+i, pks[i])
			}
			if l.CreatedAt.IsZero() || l.UpdatedAt.IsZero() {
				t.Errorf("link %d: createdAt %v, updatedAt %v, want the default", i, l.CreatedAt, l.UpdatedAt)
			}
		}
		if r.pg() {
			return
		}
		var odd int
		err := db.NewSelect().TableExpr("?", linksTable).
			Where("typeof(?) <> 'integer' OR typeof(?) <> 'text'", bun.Ident("recordId"), bun.Ident("resourcePk")).
			WhereOr("? NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'", bun.Ident("createdAt")).
			ColumnExpr("COUNT(*)").Scan(ctx, &odd)
		if err != nil {
			t.Fatal(err)
		}
		if odd != 0 {
			t.Errorf("%d links with another storage class or timestamp format than the literals gave", odd)
		}
	})
}
