package users_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// TestUsersSyncConflict: a record taking a hand-made user's username fails
// the Edit with a *FailedError that is ErrConflict and ErrRecordsFailed;
// the failure's JSON is what it always was. A failure of another kind is
// not ErrConflict.
func TestUsersSyncConflict(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addUser(t, &users.User{Nickname: "hand", Username: "hand"})
		before := e.snapshot(t)
		err := e.m.Edit(e.ctx, "scim", func(ctx context.Context, ed *datasync.Editor) error {
			_, err := ed.Push(ctx, datasync.UserData{DataType: datasync.DataTypeUser, Records: []datasync.Record{
				{"uid": "u1", "username": "hand", "password": "s3cret!"},
			}})
			return err
		})
		var failed *datasync.FailedError
		if !errors.Is(err, datasync.ErrConflict) || !errors.Is(err, datasync.ErrRecordsFailed) || !errors.As(err, &failed) {
			t.Fatalf("Edit = %v, want a *FailedError matching ErrConflict and ErrRecordsFailed", err)
		}
		if want := `datasync: users: uid "u1": field "username" is already used by another user`; err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
		raw, err := json.Marshal(failed.Failures)
		if err != nil {
			t.Fatal(err)
		}
		want := `[{"record":{"password":"[redacted]","uid":"u1","username":"hand"},"message":"uid \"u1\": field \"username\" is already used by another user"}]`
		if string(raw) != want {
			t.Errorf("failures JSON = %s, want %s", raw, want)
		}
		if diff := cmp.Diff(before, e.snapshot(t)); diff != "" {
			t.Errorf("the directory changed (-before +after):\n%s", diff)
		}
		// A value of the wrong type fails without a conflict.
		_, err = e.m.UpdateOrCreate(e.ctx, usyncData("test", "", datasync.Record{"uid": "2", "username": true}))
		if !errors.Is(err, datasync.ErrRecordsFailed) || errors.Is(err, datasync.ErrConflict) {
			t.Errorf("a wrong type = %v, want ErrRecordsFailed only", err)
		}
	})
}

// TestUsersSyncConflictSkipFailed: with SkipFailed a clash is listed in
// the results, its Err matching ErrConflict.
func TestUsersSyncConflictSkipFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{SkipFailed: true})
		results, err := e.m.UpdateOrCreate(e.ctx, usyncData("test", "", datasync.Record{"uid": "1", "email": "a@x"}, datasync.Record{"uid": "2", "email": "a@x"}))
		if err != nil {
			t.Fatal(err)
		}
		failures := results[0].Detail.FailedRecords
		if len(failures) != 1 || failures[0].Message != `uid "2": field "email" is already used by another user` || !errors.Is(failures[0].Err, datasync.ErrConflict) {
			t.Fatalf("failed records = %+v, want 2's email clash matching ErrConflict", failures)
		}
	})
}

// TestSyncSourceDataIgnored: SourceDataKey is neither written nor listed
// in ignoredFields by the users and departments resources; an unknown key
// still is.
func TestSyncSourceDataIgnored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		var got [][]string
		err := e.m.Edit(e.ctx, "scim", func(ctx context.Context, ed *datasync.Editor) error {
			for _, d := range []datasync.UserData{
				{DataType: datasync.DataTypeDepartment, Records: []datasync.Record{
					{"uid": "g", "title": "Eng", datasync.SourceDataKey: map[string]any{"displayName": "Eng"}, "colour": "red"},
				}},
				{DataType: datasync.DataTypeUser, Records: []datasync.Record{
					{"uid": "u", "username": "ann", "departments": []any{"g"}, datasync.SourceDataKey: map[string]any{"userName": "ann"}, "shoeSize": json.Number("38")},
				}},
			} {
				results, err := ed.Push(ctx, d)
				if err != nil {
					return err
				}
				for _, r := range results {
					got = append(got, append([]string{r.Resource}, r.Detail.IgnoredFields...))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"departments", "colour"}, {"users", "shoeSize"}, {"departments"}, {"roles"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("resources and their ignored fields (-want +got):\n%s", diff)
		}
		if u := e.user(t, "username", "ann"); u == nil || u.Nickname != "" {
			t.Errorf("user ann = %+v, want created with no nickname", u)
		}
	})
}
