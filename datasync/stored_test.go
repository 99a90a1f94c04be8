package datasync_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// scimUser is a user record carrying a source's own form of it under
// SourceDataKey: nested maps, lists, numbers as json.Number, a null.
func scimUser(uid, userName string) datasync.Record {
	return datasync.Record{
		"uid": uid, "username": userName, "nickname": "N " + userName,
		datasync.SourceDataKey: map[string]any{
			"id": uid, "userName": userName, "active": true, "nickName": nil,
			"name":   map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
			"emails": []any{map[string]any{"value": userName + "@example.com", "primary": true}},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
				"costCenter": json.Number("4130"), "ratio": json.Number("1.50"), "manager": map[string]any{"value": "x"},
			},
		},
	}
}

// StoredRecords lists a source's linked records of one type by id, narrows
// to uids, and gives back SourceDataKey exactly as pushed; the resources
// ignore the key without listing it.
func TestStoredRecords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, nil)
		ctx := context.Background()
		var results []datasync.SyncResult
		err := f.edit(t, func(ctx context.Context, e *datasync.Editor) error {
			r, err := e.Push(ctx, deptData(datasync.Record{"uid": "g1", "title": "Eng", datasync.SourceDataKey: map[string]any{"displayName": "Eng"}}))
			if err != nil {
				return err
			}
			results = append(results, r...)
			r, err = e.Push(ctx, userData(scimUser("c", "carol"), scimUser("a", "ann"), scimUser("b", "bob")))
			results = append(results, r...)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if r.Detail.IgnoredFields != nil {
				t.Errorf("%s ignored %q, want nothing", r.Resource, r.Detail.IgnoredFields)
			}
		}
		// Another source's records are not among them.
		if _, err := f.m.Push(ctx, datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "other", Records: []datasync.Record{person("z")}}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"c", "a", "b"}, f.stored(t, datasync.RecordQuery{DataType: datasync.DataTypeUser})); diff != "" {
			t.Errorf("users in id order (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"c", "b"}, f.stored(t, datasync.RecordQuery{DataType: datasync.DataTypeUser, UIDs: []string{"b", "zz", "c", `"'; --`}})); diff != "" {
			t.Errorf("users narrowed to b and c (-want +got):\n%s", diff)
		}
		for _, c := range []struct {
			fields []datasync.FieldMatch
			want   []string
		}{
			{[]datasync.FieldMatch{{Path: []string{"username"}, Value: "bob"}}, []string{"b"}},
			{[]datasync.FieldMatch{{Path: []string{"username"}, Value: "BOB"}}, nil},
			{[]datasync.FieldMatch{{Path: []string{"username"}, Value: "BOB", FoldCase: true}}, []string{"b"}},
			{[]datasync.FieldMatch{{Path: []string{datasync.SourceDataKey, "userName"}, Value: "carol"}}, []string{"c"}},
			{[]datasync.FieldMatch{{Path: []string{datasync.SourceDataKey, "name", "givenName"}, Value: "Ada"}}, []string{"c", "a", "b"}},
			{[]datasync.FieldMatch{{Path: []string{datasync.SourceDataKey, "name", "givenName"}, Value: "Ada"}, {Path: []string{"nickname"}, Value: "N ann"}}, []string{"a"}},
			{[]datasync.FieldMatch{{Path: []string{"username"}, Value: "' OR 1=1 --"}}, nil},
			{[]datasync.FieldMatch{{Path: []string{"nosuchkey"}, Value: ""}}, nil},
		} {
			got := f.stored(t, datasync.RecordQuery{DataType: datasync.DataTypeUser, Fields: c.fields})
			if diff := cmp.Diff(c.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("fields %+v (-want +got):\n%s", c.fields, diff)
			}
		}
		// Memberships as uids, numbers and {uid} objects; a user with none.
		err = f.edit(t, func(ctx context.Context, e *datasync.Editor) error {
			if _, err := e.Push(ctx, deptData(datasync.Record{"uid": "g2", "title": "Ops"}, datasync.Record{"uid": "7", "title": "Seven"})); err != nil {
				return err
			}
			d := scimUser("d", "dora")
			d["departments"] = []any{"g1", map[string]any{"uid": "g2", "isMain": true}}
			e2 := scimUser("e", "eve")
			e2["departments"] = []any{json.Number("7")}
			_, err := e.Push(ctx, userData(d, e2, scimUser("f", "fay")))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			depts, want []string
		}{
			{[]string{"g1"}, []string{"d"}},
			{[]string{"g2"}, []string{"d"}},
			{[]string{"7"}, []string{"e"}},
			{[]string{"g2", "7"}, []string{"d", "e"}},
			{[]string{"nope", `g1"]`}, nil},
			{nil, nil},
		} {
			got := f.stored(t, datasync.RecordQuery{DataType: datasync.DataTypeUser, Listing: &datasync.ListMatch{Key: "departments", Values: c.depts}})
			if diff := cmp.Diff(c.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("members of %q (-want +got):\n%s", c.depts, diff)
			}
		}
		if diff := cmp.Diff([]string{"g1", "g2", "7"}, f.stored(t, datasync.RecordQuery{DataType: datasync.DataTypeDepartment})); diff != "" {
			t.Errorf("departments (-want +got):\n%s", diff)
		}
		recs, err := f.m.StoredRecords(ctx, db, datasync.RecordQuery{SourceName: "hr", DataType: datasync.DataTypeUser, UIDs: []string{"a"}})
		if err != nil || len(recs) != 1 {
			t.Fatalf("StoredRecords(a) = %v, %v", recs, err)
		}
		var ann users.User
		if err := db.NewSelect().Model(&ann).Where("username = 'ann'").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		got := recs[0]
		if diff := cmp.Diff(scimUser("a", "ann"), got.MetaData); diff != "" {
			t.Errorf("metaData (-pushed +stored):\n%s", diff)
		}
		want := []datasync.Link{{Resource: "users", ResourcePk: strconv.FormatInt(ann.ID, 10)}}
		if diff := cmp.Diff(want, got.Resources); diff != "" {
			t.Errorf("links (-want +got):\n%s", diff)
		}
		if got.SourceName != "hr" || got.DataType != datasync.DataTypeUser || got.ID == 0 || got.LastMetaData != nil ||
			got.CreatedAt.IsZero() || got.UpdatedAt.IsZero() || got.MissingSince != "" {
			t.Errorf("record a = %+v, want hr's user a, never synced before, not missing", got)
		}
		// A change to SourceDataKey alone is a change: stored, the old
		// one kept as lastMetaData.
		changed := scimUser("a", "ann")
		changed[datasync.SourceDataKey].(map[string]any)["active"] = false
		f.editPush(t, userData(changed))
		recs, err = f.m.StoredRecords(ctx, db, datasync.RecordQuery{SourceName: "hr", DataType: datasync.DataTypeUser, UIDs: []string{"a"}})
		if err != nil || len(recs) != 1 {
			t.Fatalf("StoredRecords(a) = %v, %v", recs, err)
		}
		if diff := cmp.Diff(changed, recs[0].MetaData); diff != "" {
			t.Errorf("metaData after the change (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(scimUser("a", "ann"), recs[0].LastMetaData); diff != "" {
			t.Errorf("lastMetaData after the change (-want +got):\n%s", diff)
		}
	})
}

// A Listing on "roles" finds the users a source gives a role, by name,
// whatever the name holds; one on a key holding a string or an object,
// not a list, finds none on either database (SQLite's json_each would
// walk them).
func TestStoredRecordsListingRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, map[string]any{"roles": map[string]any{"create": true}})
		withRoles := func(uid string, roles ...any) datasync.Record {
			rec := scimUser(uid, "user-"+uid)
			rec["roles"] = roles
			return rec
		}
		f.editPush(t, userData(withRoles("a", "auditors", "admins"), withRoles("b", "admins"), withRoles("c", "R&D", "Zoë's"), scimUser("d", "dee")))
		many := []string{"admins"}
		for i := range 16 {
			many = append(many, "role"+strconv.Itoa(i))
		}
		for _, c := range []struct {
			key   string
			roles []string
			want  []string
		}{
			{"roles", []string{"admins"}, []string{"a", "b"}},
			{"roles", []string{"auditors"}, []string{"a"}},
			{"roles", []string{"auditors", "admins"}, []string{"a", "b"}},
			{"roles", []string{"Admins", "admins'--"}, nil},
			{"roles", nil, nil},
			// Values JSON escapes or that are not ASCII, and more than a
			// prefilter takes, are found by walking the lists alone.
			{"roles", []string{"R&D"}, []string{"c"}},
			{"roles", []string{"Zoë's"}, []string{"c"}},
			{"roles", many, []string{"a", "b"}},
			// A value elsewhere in the record passes the prefilter only.
			{"roles", []string{"user-a"}, nil},
			{"departments", []string{"admins"}, nil},
			{"username", []string{"user-a"}, nil},
			{datasync.SourceDataKey, []string{"user-a"}, nil},
		} {
			got := f.stored(t, datasync.RecordQuery{DataType: datasync.DataTypeUser, Listing: &datasync.ListMatch{Key: c.key, Values: c.roles}})
			if diff := cmp.Diff(c.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s holding one of %q (-want +got):\n%s", c.key, c.roles, diff)
			}
		}
	})
}

// A query without a source or with another data type is a DataError.
func TestStoredRecordsBadQuery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newDirFixture(t, db, nil)
		cases := []struct {
			q   datasync.RecordQuery
			msg string
		}{
			{datasync.RecordQuery{DataType: datasync.DataTypeUser}, "a record query needs a sourceName"},
			{datasync.RecordQuery{SourceName: "hr"}, `dataType must be user or department, got ""`},
			{datasync.RecordQuery{SourceName: "hr", DataType: "role"}, `dataType must be user or department, got "role"`},
			{datasync.RecordQuery{SourceName: "hr", DataType: datasync.DataTypeUser, Fields: []datasync.FieldMatch{{Value: "x"}}}, "fields[0]: a field match needs a path"},
			{datasync.RecordQuery{SourceName: "hr", DataType: datasync.DataTypeUser, Fields: []datasync.FieldMatch{{Path: []string{`a"b`}}}}, `fields[0]: path key "a\"b": want a non-empty key without quotes or backslashes`},
			{datasync.RecordQuery{SourceName: "hr", DataType: datasync.DataTypeUser, Listing: &datasync.ListMatch{Values: []string{"x"}}}, `listing: key "": want a non-empty key without quotes or backslashes`},
			{datasync.RecordQuery{SourceName: "hr", DataType: datasync.DataTypeUser, Listing: &datasync.ListMatch{Key: `roles\`}}, `listing: key "roles\\": want a non-empty key without quotes or backslashes`},
		}
		for _, c := range cases {
			recs, err := f.m.StoredRecords(context.Background(), db, c.q)
			var dataErr *datasync.DataError
			if recs != nil || !errors.As(err, &dataErr) || dataErr.Message != c.msg {
				t.Errorf("StoredRecords(%+v) = %v, %v, want DataError %q", c.q, recs, err, c.msg)
			}
		}
		if got := f.stored(t, datasync.RecordQuery{DataType: datasync.DataTypeUser}); len(got) != 0 {
			t.Errorf("stored users of an empty source = %q", got)
		}
	})
}
