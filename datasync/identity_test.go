package datasync

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// identityCase applies a policy to parts (one pull, or a push when push)
// and compares the records or the error.
type identityCase struct {
	name   string
	pol    func(p *Policy)
	push   bool
	parts  []UserData
	want   []UserData // the parts after the policy, when no error
	err    string
	errRec []int
}

func runIdentityCases(t *testing.T, cases []identityCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pol := DefaultPolicy()
			if tc.pol != nil {
				tc.pol(pol)
			}
			got, err := applyParts(t, pol, tc.parts, !tc.push)
			if tc.err != "" {
				var de *DataError
				if !errors.As(err, &de) || de.Message != tc.err || !cmp.Equal(de.Records, tc.errRec) {
					t.Fatalf("err = %#v, want a DataError %q naming records %v", err, tc.err, tc.errRec)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range tc.want {
				tc.want[i].SourceName = "hr"
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("parts (-want +got):\n%s", diff)
			}
			checkApplyAgain(t, pol, got)
		})
	}
}

// applyParts applies pol to the parts of one pull (remember) or to
// separate pushes, checking that the caller's records stay as they were.
func applyParts(t *testing.T, pol *Policy, parts []UserData, remember bool) ([]UserData, error) {
	t.Helper()
	var st *policyState
	if remember {
		st = &policyState{}
	}
	var got []UserData
	for _, part := range parts {
		orig, before := part.Records, cloneData(part).Records
		part.SourceName = "hr"
		if err := applyPolicy(pol, st, &part); err != nil {
			return got, err
		}
		if diff := cmp.Diff(before, orig); diff != "" {
			t.Fatalf("the caller's records changed (-before +after):\n%s", diff)
		}
		got = append(got, part)
	}
	return got, nil
}

// checkApplyAgain applies pol to parts again, as Apply does to a plan's
// data: nothing changes.
func checkApplyAgain(t *testing.T, pol *Policy, parts []UserData) {
	t.Helper()
	for _, part := range parts {
		again := cloneData(part)
		if err := applyPolicy(pol, nil, &again); err != nil {
			t.Fatalf("applied again: %v", err)
		}
		if diff := cmp.Diff(part, again); diff != "" {
			t.Fatalf("applied again (-once +twice):\n%s", diff)
		}
	}
}

// cloneData copies data's records deeply enough to see a change to them.
func cloneData(d UserData) UserData {
	c := d
	c.Records = make([]Record, len(d.Records))
	for i, r := range d.Records {
		c.Records[i] = Record{}
		for k, v := range r {
			if list, ok := v.([]any); ok {
				v = append([]any(nil), list...)
			}
			c.Records[i][k] = v
		}
	}
	return c
}

func users(recs ...Record) UserData { return UserData{DataType: DataTypeUser, Records: recs} }
func depts(recs ...Record) UserData { return UserData{DataType: DataTypeDepartment, Records: recs} }

func TestApplyPolicyUserIdentity(t *testing.T) {
	byField := func(field string) func(*Policy) { return func(p *Policy) { p.UserIdentity = field } }
	runIdentityCases(t, []identityCase{
		{
			name: "id leaves uids", push: true,
			parts: []UserData{users(Record{"uid": "1", "username": "ann"})},
			want:  []UserData{users(Record{"uid": "1", "username": "ann"})},
		},
		{
			name: "username", pol: byField(IdentityUsername), push: true,
			parts: []UserData{users(Record{"uid": "1", "username": "ann"}, Record{"username": "bob", "isDeleted": true})},
			want:  []UserData{users(Record{"uid": "ann", "username": "ann"}, Record{"uid": "bob", "username": "bob", "isDeleted": true})},
		},
		{
			name: "phone as a number", pol: byField(IdentityPhone), push: true,
			parts: []UserData{users(Record{"uid": "1", "phone": 5550100})},
			want:  []UserData{users(Record{"uid": "5550100", "phone": 5550100})},
		},
		{
			name: "email missing", pol: byField(IdentityEmail), push: true,
			parts: []UserData{users(Record{"uid": "1", "email": "a@x"}, Record{"uid": "2"}, Record{"uid": "3", "email": ""})},
			err:   `records[1] has no "email", the user identity of source "hr" (and 1 more records)`, errRec: []int{1, 2},
		},
	})
}

func TestApplyPolicyOneIDOneName(t *testing.T) {
	runIdentityCases(t, []identityCase{
		{
			name: "two uids, one username", push: true,
			parts: []UserData{users(Record{"uid": "1", "username": "ann"}, Record{"uid": "2", "username": "bob"}, Record{"uid": "3", "username": "ann"})},
			err:   `uids "1" and "3" have the same username (records[0] and records[2]): one ID, one name`, errRec: []int{0, 2},
		},
		{
			// The users table's unique index is case-sensitive; so is this.
			name: "case differs", push: true,
			parts: []UserData{users(Record{"uid": "1", "username": "ann"}, Record{"uid": "2", "username": "Ann"})},
			want:  []UserData{users(Record{"uid": "1", "username": "ann"}, Record{"uid": "2", "username": "Ann"})},
		},
		{
			// A deleted user frees its name for another record.
			name: "a deleted user's name", push: true,
			parts: []UserData{users(Record{"uid": "1", "username": "ann", "isDeleted": true}, Record{"uid": "2", "username": "ann"})},
			want:  []UserData{users(Record{"uid": "1", "username": "ann", "isDeleted": true}, Record{"uid": "2", "username": "ann"})},
		},
		{
			name: "two uids, one username, across parts",
			parts: []UserData{
				users(Record{"uid": "1", "username": "ann"}),
				users(Record{"uid": "2", "username": "bob"}, Record{"uid": "3", "username": "ann"}),
			},
			err: `uids "1" (an earlier part of the pull) and "3" (records[1]) have the same username: one ID, one name`, errRec: []int{1},
		},
		{
			name: "one uid, two usernames, across parts",
			parts: []UserData{
				users(Record{"uid": "1", "username": "ann"}),
				users(Record{"uid": "1", "username": "anne"}),
			},
			err: `uid "1" has one username in an earlier part of the pull and another in records[0]: one ID, one name`, errRec: []int{0},
		},
		{
			name: "one uid, one username, across parts",
			parts: []UserData{
				users(Record{"uid": "1", "username": "ann"}, Record{"uid": "2"}),
				users(Record{"uid": "1", "username": "ann"}, Record{"uid": "2", "username": "bob"}),
			},
			want: []UserData{
				users(Record{"uid": "1", "username": "ann"}, Record{"uid": "2"}),
				users(Record{"uid": "1", "username": "ann"}, Record{"uid": "2", "username": "bob"}),
			},
		},
		{
			// Separate pushes share nothing: the users table decides.
			name: "a push remembers nothing", push: true,
			parts: []UserData{
				users(Record{"uid": "1", "username": "ann"}),
				users(Record{"uid": "2", "username": "ann"}),
			},
			want: []UserData{
				users(Record{"uid": "1", "username": "ann"}),
				users(Record{"uid": "2", "username": "ann"}),
			},
		},
	})
}

func TestApplyPolicyDepartmentName(t *testing.T) {
	byName := func(p *Policy) { p.DepartmentIdentity = IdentityName }
	runIdentityCases(t, []identityCase{
		{
			// Children before their parent, an unknown parent left as it is
			// (a title, or no parent), and the users of a later part.
			name: "ids become titles", pol: byName,
			parts: []UserData{
				depts(
					Record{"uid": "d2", "title": "Sales", "parentUid": "d1"},
					Record{"uid": "d1", "title": "HQ"},
					Record{"uid": "d3", "title": "Ops", "parentUid": "HQ"},
					Record{"uid": "d4", "title": "Lab", "parentUid": "d9"},
				),
				users(
					Record{"uid": "u1", "departments": []any{"d2", map[string]any{"uid": "d1", "isOwner": true}, "Ops", 7}},
					Record{"uid": "u2", "departments": []any{"d3"}},
					Record{"uid": "u3"},
				),
			},
			want: []UserData{
				depts(
					Record{"uid": "Sales", "title": "Sales", "parentUid": "HQ"},
					Record{"uid": "HQ", "title": "HQ"},
					Record{"uid": "Ops", "title": "Ops", "parentUid": "HQ"},
					Record{"uid": "Lab", "title": "Lab", "parentUid": "d9"},
				),
				users(
					Record{"uid": "u1", "departments": []any{"Sales", map[string]any{"uid": "HQ", "isOwner": true}, "Ops", 7}},
					Record{"uid": "u2", "departments": []any{"Ops"}},
					Record{"uid": "u3"},
				),
			},
		},
		{
			// A push of users has no departments to translate by: its
			// entries name departments by title.
			name: "a push of users", pol: byName, push: true,
			parts: []UserData{users(Record{"uid": "u1", "departments": []any{"d2"}})},
			want:  []UserData{users(Record{"uid": "u1", "departments": []any{"d2"}})},
		},
		{
			name: "one title, two ids", pol: byName, push: true,
			parts: []UserData{depts(Record{"uid": "d1", "title": "Sales"}, Record{"uid": "d2", "title": "Sales"})},
			err:   `departments "d1" and "d2" have the same title "Sales" (records[0] and records[1]): the department identity of source "hr" is the name`, errRec: []int{0, 1},
		},
		{
			name: "one title, two ids, across parts", pol: byName,
			parts: []UserData{depts(Record{"uid": "d1", "title": "Sales"}), depts(Record{"uid": "d2", "title": "Sales"})},
			err:   `departments "d1" (an earlier part of the pull) and "d2" (records[0]) have the same title "Sales": the department identity of source "hr" is the name`, errRec: []int{0},
		},
		{
			name: "one id, two titles, across parts", pol: byName,
			parts: []UserData{depts(Record{"uid": "d1", "title": "Sales"}), depts(Record{"uid": "d1", "title": "Sales EMEA"})},
			err:   `department "d1" has the title "Sales" in an earlier part of the pull and "Sales EMEA" in records[0]`, errRec: []int{0},
		},
		{
			name: "no title", pol: byName, push: true,
			parts: []UserData{depts(Record{"uid": "d1", "title": "Sales"}, Record{"uid": "d2"})},
			err:   `records[1] has no "title", the department identity of source "hr"`, errRec: []int{1},
		},
	})
}

func TestApplyPolicyMatchKey(t *testing.T) {
	cases := []struct {
		name     string
		adopt    string
		block    bool
		dataType DataType
		matchKey string
		want     string
		err      string
	}{
		{"no adoption", "", false, DataTypeUser, "", "", ""},
		{"the policy's adopt", IdentityEmail, false, DataTypeUser, "", "email", ""},
		{"the push's matchKey wins", IdentityEmail, false, DataTypeUser, "username", "username", ""},
		{"uid never adopts", IdentityEmail, false, DataTypeUser, "uid", "uid", ""},
		{"departments do not adopt", IdentityEmail, false, DataTypeDepartment, "", "", ""},
		{"blocked", "", true, DataTypeUser, "email", "", `source "hr" blocks soft matching: matchKey "email" is refused (remove the matchKey from the push or the source type's options, or turn blockSoftMatch off)`},
		{"blocked allows uid", "", true, DataTypeUser, "uid", "uid", ""},
		{"blocked allows none", "", true, DataTypeUser, "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pol := DefaultPolicy()
			pol.Adopt, pol.BlockSoftMatch = tc.adopt, tc.block
			data := UserData{DataType: tc.dataType, MatchKey: tc.matchKey, SourceName: "hr", Records: []Record{{"uid": "1", "title": "t"}}}
			err := applyPolicy(pol, nil, &data)
			if tc.err != "" {
				var de *DataError
				if !errors.As(err, &de) || err.Error() != tc.err || !errors.Is(err, ErrInvalidData) {
					t.Fatalf("err = %v, want the DataError %q", err, tc.err)
				}
				return
			}
			if err != nil || data.MatchKey != tc.want {
				t.Fatalf("matchKey = %q, err = %v; want %q", data.MatchKey, err, tc.want)
			}
		})
	}
}

// TestIdentityRename: under username identity a renamed username is
// another user. A push leaves the old one (a push says nothing about what
// it does not send); a complete pull deletes it (onMissing: delete).
// Under ID identity the rename keeps the row.
func TestIdentityRename(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		ctx := context.Background()
		row := staticRow(t, "api", staticOptions{})
		row.Options["identity"] = map[string]any{"user": "username"}
		if err := f.m.AddSource(ctx, row); err != nil {
			t.Fatal(err)
		}
		push := func(username, nick string) {
			t.Helper()
			if _, err := f.m.UpdateOrCreate(ctx, UserData{DataType: DataTypeUser, SourceName: "api", Records: []Record{
				{"uid": "7", "username": username, "nickname": nick},
			}}); err != nil {
				t.Fatal(err)
			}
		}
		push("ann", "Ann")
		push("anne", "Anne")
		if diff := cmp.Diff(map[string]string{"ann": "Ann", "anne": "Anne"}, f.nicknames(t)); diff != "" {
			t.Fatalf("after a pushed rename (-want +got):\n%s", diff)
		}

		pol := DefaultPolicy()
		pol.UserIdentity, pol.OnMissing = IdentityUsername, MissingDelete
		pull := func(username, nick string) {
			t.Helper()
			src := &staticSource{opts: staticOptions{Data: []UserData{userData(
				Record{"uid": "8", "username": username, "nickname": nick},
				Record{"uid": "10", "username": "dan", "nickname": "Dan"},
			)}}}
			if _, err := f.m.RunSource(ctx, "hr", src, RunSourceOptions{Policy: pol}); err != nil {
				t.Fatal(err)
			}
		}
		pull("bob", "Bob")
		pull("bobby", "Bobby")
		if diff := cmp.Diff(map[string]string{"ann": "Ann", "anne": "Anne", "bobby": "Bobby", "dan": "Dan"}, f.nicknames(t)); diff != "" {
			t.Fatalf("after a pulled rename (-want +got):\n%s", diff)
		}

		// ID identity: the same record renamed is the same row.
		idPol := DefaultPolicy()
		idPol.OnMissing = MissingDelete
		var ids []int64
		for _, name := range []string{"carl", "karl"} {
			src := &staticSource{opts: staticOptions{Data: []UserData{userData(Record{"uid": "9", "username": name, "nickname": name}, Record{"uid": "11", "username": "eve"})}}}
			if _, err := f.m.RunSource(ctx, "ids", src, RunSourceOptions{Policy: idPol}); err != nil {
				t.Fatal(err)
			}
			var p taskPerson
			if err := db.NewSelect().Model(&p).Where("uid = ?", "9").Scan(ctx); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		if ids[0] != ids[1] {
			t.Fatalf("the renamed user is row %d, was %d", ids[1], ids[0])
		}
	})
}

// TestIdentityPullRefusesDuplicateNames: two uids with one username in two
// parts of one pull fail the run naming both, and nothing is written.
func TestIdentityPullRefusesDuplicateNames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newTaskFixture(t, db)
		ctx := context.Background()
		src := &staticSource{opts: staticOptions{Data: []UserData{
			userData(Record{"uid": "1", "username": "ann", "nickname": "A"}),
			userData(Record{"uid": "2", "username": "ann", "nickname": "B"}),
		}}}
		_, err := f.m.RunSource(ctx, "hr", src, RunSourceOptions{})
		var de *DataError
		if !errors.As(err, &de) || de.Message != `uids "1" (an earlier part of the pull) and "2" (records[0]) have the same username: one ID, one name` {
			t.Fatalf("err = %v, want the DataError naming both uids", err)
		}
		if n := f.syncRecordCount(t); n != 0 || len(f.nicknames(t)) != 0 {
			t.Fatalf("%d sync records and people %v written", n, f.nicknames(t))
		}
	})
}
