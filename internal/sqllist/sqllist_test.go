package sqllist_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/internal/sqllist"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

type word struct {
	bun.BaseModel `bun:"table:words"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Text          string `bun:"text"`
}

// Strings that a naive encoding would break: quotes, backslashes, control
// characters, non-ASCII, JSON look-alikes, SQL look-alikes.
var awkward = []string{
	"", "plain", `with "quotes"`, `back\slash`, "tab\there", "line\nbreak", "\x01\x1f",
	"日本語", "emoji 🙂", `["not", "an array"]`, "1.0", "null", "it's", "'; DROP TABLE words; --",
}

func TestInTexts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if _, err := db.NewCreateTable().Model((*word)(nil)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		rows := []word{{Text: "other"}, {Text: "Plain"}}
		for _, s := range awkward {
			rows = append(rows, word{Text: s})
		}
		if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(awkward)
		var got []string
		err := db.NewSelect().Model((*word)(nil)).Column("text").
			Where("?", sqllist.InTexts(db, bun.Ident("text"), append(slices.Clone(want), "absent"))).
			Scan(ctx, &got)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("rows found (-want +got):\n%s", diff)
		}
		var none []string
		if err := db.NewSelect().Model((*word)(nil)).Column("text").Where("?", sqllist.InTexts(db, bun.Ident("text"), nil)).Scan(ctx, &none); err != nil || len(none) != 0 {
			t.Fatalf("an empty list found %q (err %v), want nothing", none, err)
		}
	})
}

func ExampleInTexts() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	var names []string
	err = db.NewSelect().
		TableExpr("(SELECT 'ada' AS name UNION ALL SELECT 'grace' UNION ALL SELECT 'alan') AS people").
		Column("name").
		Where("?", sqllist.InTexts(db, bun.Ident("name"), []string{"grace", "ada"})).
		OrderExpr("name").
		Scan(ctx, &names)
	if err != nil {
		panic(err)
	}
	fmt.Println(names)
	// Output: [ada grace]
}
