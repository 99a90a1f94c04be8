package datasync

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// TestLoadStoredLinks reads sync records with links whose resource names
// and keys hold spaces, digits, quotes, non-ASCII, nothing or NULL, written
// out of id order: each record gets its links oldest first, exactly as
// stored, New above the run's link base; a record is unchanged only when
// its stored hash equals the chunk's.
func TestLoadStoredLinks(t *testing.T) {
	uids := []string{"a 1", `b"你`, "c"}
	links := []struct {
		id       int64
		record   int // index in uids
		resource string
		pk       *string
	}{
		{7, 0, "res 2", ptr("3 4 5")},
		{3, 0, "users", ptr("12")},
		{5, 0, "res 2", ptr("")},
		{9, 0, "ü", nil},
		{4, 1, "users", ptr("x'y\\z\n")},
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := CreateTables(ctx, db); err != nil {
			t.Fatal(err)
		}
		hashes := []*string{ptr("h0"), nil, ptr("h2")}
		for i, uid := range uids {
			_, err := db.ExecContext(ctx, `INSERT INTO "userDataSyncRecords" ("id", "sourceName", "sourceUk", "dataType", "metaData", "metaHash")
				VALUES (?, 'hr', ?, ?, '{}', ?)`, 10+i, uid, DataTypeUser, hashes[i])
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, l := range links {
			_, err := db.ExecContext(ctx, `INSERT INTO "userDataSyncRecordsResources" ("id", "recordId", "resource", "resourcePk")
				VALUES (?, ?, ?, ?)`, l.id, 10+l.record, l.resource, l.pk)
			if err != nil {
				t.Fatal(err)
			}
		}
		r := &run{db: db, sourceName: "hr", dataType: DataTypeUser, linkBase: 4, resourceNames: map[string]string{},
			uids: map[string]int{uids[0]: 0, uids[1]: 1, uids[2]: 2, "d": 3}}
		c := &chunk{recs: make([]BatchRecord, 4), hash: []string{"h0", "h1", "other", "h3"}}
		changedAt, changed, err := r.loadStored(ctx, c, append(slices.Clone(uids), "d"))
		if err != nil {
			t.Fatal(err)
		}
		want := [][]Link{
			{{"users", "12", false}, {"res 2", "", true}, {"res 2", "3 4 5", true}, {"ü", "", true}},
			{{"users", "x'y\\z\n", false}},
			nil,
			nil,
		}
		for i, rec := range c.recs {
			if !slices.Equal(rec.Resources, want[i]) {
				t.Errorf("record %d: links %v, want %v", i, rec.Resources, want[i])
			}
		}
		if ids := []int64{c.recs[0].ID, c.recs[1].ID, c.recs[2].ID, c.recs[3].ID}; !slices.Equal(ids, []int64{10, 11, 12, 0}) {
			t.Errorf("ids %v, want [10 11 12 0]", ids)
		}
		if !c.recs[0].Unchanged || c.recs[1].Unchanged || c.recs[2].Unchanged {
			t.Errorf("unchanged %v %v %v, want true false false", c.recs[0].Unchanged, c.recs[1].Unchanged, c.recs[2].Unchanged)
		}
		slices.Sort(changedAt)
		slices.Sort(changed)
		if !slices.Equal(changedAt, []int{1, 2}) || !slices.Equal(changed, []int64{11, 12}) {
			t.Errorf("changed at %v ids %v, want [1 2] [11 12]", changedAt, changed)
		}
	})
}

func ptr(s string) *string { return &s }

// TestParseLinksMalformed refuses text that is not storedLinksSQLite's
// encoding instead of reading past it.
func TestParseLinksMalformed(t *testing.T) {
	r := &run{resourceNames: map[string]string{}}
	for _, s := range []string{"1", "1 5 abc", "x 1 a1 b", "1 1 a", "1 1 a5 ab", "1 -1 a0 ", "1 1 a1 b2"} {
		if _, err := r.parseLinks(nil, []byte(s)); !errors.Is(err, errLinksEncoding) {
			t.Errorf("parseLinks(%q): %v, want errLinksEncoding", s, err)
		}
	}
	got, err := r.parseLinks(nil, []byte("1 1 a1 b22 2 cd0 "))
	if err != nil || !slices.Equal(got, []storedLink{{1, "a", "b"}, {22, "cd", ""}}) {
		t.Errorf("parseLinks: %v, %v", got, err)
	}
}
