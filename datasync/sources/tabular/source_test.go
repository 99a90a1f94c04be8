package tabular_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

type rec = datasync.Record

// pullCase is a table, a mapping, and either the UserData a pull emits or
// the error it returns (a *RowError or *HeaderError equal to wantErr).
type pullCase struct {
	name    string
	opts    tabular.Options
	header  []string
	rows    [][]string
	want    []datasync.UserData
	wantErr error
}

func userData(matchKey string, records ...rec) datasync.UserData {
	return datasync.UserData{DataType: datasync.DataTypeUser, MatchKey: matchKey, Records: records}
}

func deptData(records ...rec) datasync.UserData {
	return datasync.UserData{DataType: datasync.DataTypeDepartment, Records: records}
}

// pull runs a source over t and returns what it emitted.
func pull(t *testing.T, table tabular.Table, opts tabular.Options) ([]datasync.UserData, error) {
	t.Helper()
	src, err := tabular.NewSource(table, opts)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	var got []datasync.UserData
	err = src.Pull(context.Background(), func(d datasync.UserData) error {
		got = append(got, d)
		return nil
	})
	return got, err
}

func runPullCases(t *testing.T, cases []pullCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := pull(t, &memTable{header: c.header, rows: c.rows}, c.opts)
			if c.wantErr != nil {
				if diff := cmp.Diff(c.wantErr, err); diff != "" {
					t.Fatalf("error (-want +got):\n%s", diff)
				}
				if !errors.Is(err, tabular.ErrRow) && !errors.Is(err, tabular.ErrHeader) {
					t.Fatalf("%v matches neither ErrRow nor ErrHeader", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Fatalf("emitted (-want +got):\n%s", diff)
			}
		})
	}
}

var people = tabular.Mapping{UID: "id", Username: "login", Nickname: "name", Email: "mail", Phone: "tel", Password: "pw", Enabled: "active"}

func TestPullUsers(t *testing.T) {
	runPullCases(t, []pullCase{{
		name:   "every scalar field, trimmed, enabled parsed",
		opts:   tabular.Options{Mapping: people, MatchKey: "email"},
		header: []string{"id", "login", "name", "mail", "tel", "pw", "active"},
		rows: [][]string{
			{" e1 ", "ada", " Ada L ", "ada@example.com", "+1 555", "s3cret", "Yes"},
			{"e2", "bob", "Bob", "bob@example.com", "", "", "0"},
			{"e3", "cy", "Cy", "", "", "", "TRUE"},
		},
		want: []datasync.UserData{userData("email",
			rec{"uid": "e1", "username": "ada", "nickname": "Ada L", "email": "ada@example.com", "phone": "+1 555", "password": "s3cret", "enabled": true},
			rec{"uid": "e2", "username": "bob", "nickname": "Bob", "email": "bob@example.com", "enabled": false},
			rec{"uid": "e3", "username": "cy", "nickname": "Cy", "enabled": true},
		)},
	}, {
		name:   "uid from the username when UID is not mapped; header names trimmed",
		opts:   tabular.Options{Mapping: tabular.Mapping{Username: "login ", Email: " mail"}},
		header: []string{" login", "mail ", "unmapped"},
		rows:   [][]string{{"ada", "ada@example.com", "x"}},
		want:   []datasync.UserData{userData("", rec{"uid": "ada", "username": "ada", "email": "ada@example.com"})},
	}, {
		name:   "empty and NULL cells leave the field out; a mapped Role gives no roles",
		opts:   tabular.Options{Mapping: tabular.Mapping{UID: "id", Nickname: "name", Email: "mail", Enabled: "active", Role: "role"}},
		header: []string{"id", "name", "mail", "active", "role"},
		rows:   [][]string{{"e1", "   ", null, null, ""}},
		want:   []datasync.UserData{userData("", rec{"uid": "e1", "roles": []any{}})},
	}, {
		name:   "custom fields, and one column feeding two fields",
		opts:   tabular.Options{Mapping: tabular.Mapping{UID: "id", Username: "mail", Email: "mail", Fields: map[string]string{"employeeNo": "no", "costCentre": "cc"}}},
		header: []string{"id", "mail", "no", "cc"},
		rows:   [][]string{{"e1", "ada@example.com", "0042", ""}},
		want:   []datasync.UserData{userData("", rec{"uid": "e1", "username": "ada@example.com", "email": "ada@example.com", "employeeNo": "0042"})},
	}, {
		name:   "department uid and role columns",
		opts:   tabular.Options{Mapping: tabular.Mapping{UID: "id", Department: "dept", Role: "role"}},
		header: []string{"id", "dept", "role"},
		rows:   [][]string{{"e1", "d7", "admin"}, {"e2", "", ""}},
		want:   []datasync.UserData{userData("", rec{"uid": "e1", "departments": []any{"d7"}, "roles": []any{"admin"}}, rec{"uid": "e2", "roles": []any{}})},
	}, {
		name:   "chunks of 2: 5 users make 3 UserData",
		opts:   tabular.Options{Mapping: tabular.Mapping{UID: "id"}, ChunkSize: 2},
		header: []string{"id"},
		rows:   [][]string{{"1"}, {"2"}, {"3"}, {"4"}, {"5"}},
		want: []datasync.UserData{
			userData("", rec{"uid": "1"}, rec{"uid": "2"}),
			userData("", rec{"uid": "3"}, rec{"uid": "4"}),
			userData("", rec{"uid": "5"}),
		},
	}, {
		name:   "an empty table emits nothing",
		opts:   tabular.Options{Mapping: tabular.Mapping{UID: "id", DepartmentPath: "path"}},
		header: []string{"id", "path"},
	}})
}

func TestPullMergesRows(t *testing.T) {
	runPullCases(t, []pullCase{{
		name:   "a user on several rows: memberships and roles gathered once each, in order; scalars from any row",
		opts:   tabular.Options{Mapping: tabular.Mapping{UID: "id", Nickname: "name", Email: "mail", Enabled: "active", Department: "dept", Role: "role"}},
		header: []string{"id", "name", "mail", "active", "dept", "role"},
		rows: [][]string{
			{"e1", "Ada", "", "yes", "d2", "admin"},
			{"e2", "Bob", "", "", "d1", ""},
			{"e1", "", "ada@example.com", "1", "d1", "member"},
			{"e1", "Ada", "", "", "d2", "admin"},
		},
		want: []datasync.UserData{userData("",
			// e2 is complete at its only row, e1 at its last.
			rec{"uid": "e2", "nickname": "Bob", "departments": []any{"d1"}, "roles": []any{}},
			rec{"uid": "e1", "nickname": "Ada", "email": "ada@example.com", "enabled": true, "departments": []any{"d2", "d1"}, "roles": []any{"admin", "member"}},
		)},
	}, {
		name:    "a scalar given differently on two rows",
		opts:    tabular.Options{Mapping: tabular.Mapping{UID: "id", Email: "mail"}},
		header:  []string{"id", "mail"},
		rows:    [][]string{{"e1", "ada@example.com"}, {"e1", ""}, {"e1", "ada@example.org"}},
		wantErr: &tabular.RowError{Table: "people.csv", Line: 4, Column: "mail", Reason: "differs from line 2"},
	}, {
		name:    "enabled compared as parsed",
		opts:    tabular.Options{Mapping: tabular.Mapping{UID: "id", Enabled: "active"}},
		header:  []string{"id", "active"},
		rows:    [][]string{{"e1", "yes"}, {"e1", "1"}, {"e1", "no"}},
		wantErr: &tabular.RowError{Table: "people.csv", Line: 4, Column: "active", Reason: "differs from line 2"},
	}})
}

func TestPullDepartmentPaths(t *testing.T) {
	m := tabular.Mapping{UID: "id", DepartmentPath: "path"}
	runPullCases(t, []pullCase{{
		name:   "every prefix a department, parents first across chunks; segments trimmed",
		opts:   tabular.Options{Mapping: m, ChunkSize: 2},
		header: []string{"id", "path"},
		rows: [][]string{
			{"e1", "Sales / EMEA /Berlin"},
			{"e2", "R&D"},
			{"e1", "Sales/EMEA"},
			{"e3", ""},
			{"e4", "Sales/EMEA/Paris"},
		},
		want: []datasync.UserData{
			deptData(rec{"uid": "R&D", "title": "R&D"}, rec{"uid": "Sales", "title": "Sales"}),
			deptData(rec{"uid": "Sales/EMEA", "title": "EMEA", "parentUid": "Sales"}, rec{"uid": "Sales/EMEA/Berlin", "title": "Berlin", "parentUid": "Sales/EMEA"}),
			deptData(rec{"uid": "Sales/EMEA/Paris", "title": "Paris", "parentUid": "Sales/EMEA"}),
			userData("", rec{"uid": "e2", "departments": []any{"R&D"}}, rec{"uid": "e1", "departments": []any{"Sales/EMEA/Berlin", "Sales/EMEA"}}),
			userData("", rec{"uid": "e3"}, rec{"uid": "e4", "departments": []any{"Sales/EMEA/Paris"}}),
		},
	}, {
		name:   "another separator",
		opts:   tabular.Options{Mapping: m, PathSeparator: " > "},
		header: []string{"id", "path"},
		rows:   [][]string{{"e1", "Sales > EMEA"}},
		want: []datasync.UserData{
			deptData(rec{"uid": "Sales", "title": "Sales"}, rec{"uid": "Sales > EMEA", "title": "EMEA", "parentUid": "Sales"}),
			userData("", rec{"uid": "e1", "departments": []any{"Sales > EMEA"}}),
		},
	}})
	for _, path := range []string{"Sales//Berlin", "/Sales", "Sales/", "Sales/ /Berlin", "/"} {
		runPullCases(t, []pullCase{{
			name:    "empty segment " + path,
			opts:    tabular.Options{Mapping: m},
			header:  []string{"id", "path"},
			rows:    [][]string{{"e1", "Sales"}, {"e2", path}},
			wantErr: &tabular.RowError{Table: "people.csv", Line: 3, Column: "path", Reason: "the department path has an empty segment"},
		}})
	}
}

func TestPullBadRowsAndHeaders(t *testing.T) {
	runPullCases(t, []pullCase{{
		name:    "empty uid",
		opts:    tabular.Options{Mapping: people},
		header:  []string{"id", "login", "name", "mail", "tel", "pw", "active"},
		rows:    [][]string{{"e1", "", "", "", "", "", ""}, {" ", "ada", "", "", "", "", ""}},
		wantErr: &tabular.RowError{Table: "people.csv", Line: 3, Column: "id", Reason: "the user id is empty"},
	}, {
		name:    "NULL username as the uid",
		opts:    tabular.Options{Mapping: tabular.Mapping{Username: "login"}},
		header:  []string{"login"},
		rows:    [][]string{{null}},
		wantErr: &tabular.RowError{Table: "people.csv", Line: 2, Column: "login", Reason: "the user id is empty"},
	}, {
		name:    "enabled not a boolean",
		opts:    tabular.Options{Mapping: tabular.Mapping{UID: "id", Enabled: "active"}},
		header:  []string{"id", "active"},
		rows:    [][]string{{"e1", "y"}},
		wantErr: &tabular.RowError{Table: "people.csv", Line: 2, Column: "active", Reason: "not a boolean (want 1/0, true/false or yes/no)"},
	}, {
		name:    "a mapped column missing",
		opts:    tabular.Options{Mapping: tabular.Mapping{UID: "id", Fields: map[string]string{"employeeNo": "no"}}},
		header:  []string{"id", "No"},
		wantErr: &tabular.HeaderError{Table: "people.csv", Column: "no", Reason: "the mapped column is not in the header"},
	}, {
		name:    "the uid column missing",
		opts:    tabular.Options{Mapping: tabular.Mapping{UID: "id"}},
		header:  []string{"ID"},
		wantErr: &tabular.HeaderError{Table: "people.csv", Column: "id", Reason: "the mapped column is not in the header"},
	}, {
		name:    "a column name twice, even unmapped",
		opts:    tabular.Options{Mapping: tabular.Mapping{UID: "id"}},
		header:  []string{"id", "x", " x"},
		wantErr: &tabular.HeaderError{Table: "people.csv", Column: "x", Reason: "the column name appears twice"},
	}})
}

func TestPullAllowsUnnamedColumns(t *testing.T) {
	got, err := pull(t, &memTable{header: []string{"id", "", " "}, rows: [][]string{{"e1", "a", "b"}}}, tabular.Options{Mapping: tabular.Mapping{UID: "id"}})
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if diff := cmp.Diff([]datasync.UserData{userData("", rec{"uid": "e1"})}, got); diff != "" {
		t.Fatalf("emitted (-want +got):\n%s", diff)
	}
}

func TestErrorMessages(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&tabular.HeaderError{Table: "people.csv", Column: "mail", Reason: "the mapped column is not in the header"}, `people.csv header, column "mail": the mapped column is not in the header`},
		{&tabular.RowError{Table: "people.csv", Line: 4, Column: "mail", Reason: "differs from line 2"}, `people.csv line 4, column "mail": differs from line 2`},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q; want %q", got, c.want)
		}
	}
}

func TestErrorsNameNoValues(t *testing.T) {
	secret := "ada.secret@example.com"
	_, err := pull(t, &memTable{header: []string{"id", "mail"}, rows: [][]string{{"e1", secret}, {"e1", "other@example.com"}}},
		tabular.Options{Mapping: tabular.Mapping{UID: "id", Email: "mail"}})
	if err == nil || strings.Contains(err.Error(), "example") {
		t.Fatalf("error %v: want one without the values", err)
	}
}

func TestNewSourceRefuses(t *testing.T) {
	table := &memTable{header: []string{"id"}}
	for _, c := range []struct {
		name string
		opts tabular.Options
		want string
	}{
		{"no uid or username", tabular.Options{Mapping: tabular.Mapping{Email: "mail"}}, "UID or a Username"},
		{"blank uid", tabular.Options{Mapping: tabular.Mapping{UID: "  "}}, "UID or a Username"},
		{"department and path", tabular.Options{Mapping: tabular.Mapping{UID: "id", Department: "d", DepartmentPath: "p"}}, "not both"},
		{"reserved field", tabular.Options{Mapping: tabular.Mapping{UID: "id", Fields: map[string]string{"parentUid": "p"}}}, `"parentUid"`},
		{"field named like a mapped one", tabular.Options{Mapping: tabular.Mapping{UID: "id", Fields: map[string]string{"email": "m"}}}, `"email"`},
		{"empty field name", tabular.Options{Mapping: tabular.Mapping{UID: "id", Fields: map[string]string{"": "m"}}}, "no field name"},
		{"field without a column", tabular.Options{Mapping: tabular.Mapping{UID: "id", Fields: map[string]string{"no": " "}}}, "no column"},
		{"negative chunk", tabular.Options{Mapping: tabular.Mapping{UID: "id"}, ChunkSize: -1}, "negative"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := tabular.NewSource(table, c.opts)
			if !errors.Is(err, datasync.ErrInvalidSource) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("NewSource: %v; want ErrInvalidSource mentioning %s", err, c.want)
			}
		})
	}
	if _, err := tabular.NewSource(nil, tabular.Options{Mapping: tabular.Mapping{UID: "id"}}); !errors.Is(err, datasync.ErrInvalidSource) {
		t.Fatalf("NewSource(nil): %v", err)
	}
}
