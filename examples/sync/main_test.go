package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/internal/slapdtest"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

// syncCLI runs the command with args and returns what it printed.
func syncCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut, false)
	if errOut.Len() > 0 && err == nil {
		t.Logf("stderr: %s", errOut.String())
	}
	return out.String(), err
}

func mustSync(t *testing.T, args ...string) string {
	t.Helper()
	out, err := syncCLI(t, args...)
	if err != nil {
		t.Fatalf("sync %v: %v\n%s", args, err, out)
	}
	return out
}

// directory is who is in which department, as "username: Department, ...".
func directory(t *testing.T, db *bun.DB) map[string]string {
	t.Helper()
	var rows []struct {
		Username string
		Title    *string
	}
	err := db.NewRaw(`SELECT u.username, d.title FROM users AS u
		LEFT JOIN "departmentsUsers" AS du ON du."userId" = u.id
		LEFT JOIN departments AS d ON d.id = du."departmentId"
		ORDER BY u.username, d.title`).Scan(context.Background(), &rows)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		title := "-"
		if r.Title != nil {
			title = *r.Title
		}
		if out[r.Username] != "" {
			title = out[r.Username] + ", " + title
		}
		out[r.Username] = title
	}
	return out
}

func openSQLite(t *testing.T, path string) *bun.DB {
	t.Helper()
	db, err := sqlitedb.Open(context.Background(), path, sqlitedb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// summaryLine returns the summary's row for resource and data type.
func summaryLine(t *testing.T, out, resource, of string) string {
	t.Helper()
	for line := range strings.Lines(out) {
		if f := strings.Fields(line); len(f) == 10 && f[0] == resource && f[1] == of {
			return strings.Join(f[2:], " ")
		}
	}
	t.Fatalf("no summary row for %s/%s in:\n%s", resource, of, out)
	return ""
}

var wantDirectory = map[string]string{"ada": "Berlin", "alan": "EMEA", "grace": "Americas, Platform"}

func TestSyncFilesIntoSQLite(t *testing.T) {
	for _, users := range [][]string{
		{"-users", "testdata/users.csv"},
		{"-users", "testdata/users.tsv"},
		{"-xlsx", "testdata/users.xlsx"},
	} {
		t.Run(filepath.Ext(users[1]), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dir.db")
			args := append([]string{"-db", path, "-tree", "testdata/tree.csv"}, users...)
			out := mustSync(t, args...)
			//                                                 read created updated unchanged deleted disabled memberships failed
			if got := summaryLine(t, out, "departments", "departments"); got != "6 6 0 0 0 0 0 0" {
				t.Errorf("departments row = %q\n%s", got, out)
			}
			if got := summaryLine(t, out, "users", "users"); got != "3 3 0 0 0 0 0 0" {
				t.Errorf("users row = %q\n%s", got, out)
			}
			if got := summaryLine(t, out, "departments", "users"); got != "3 0 0 0 0 0 4 0" {
				t.Errorf("memberships row = %q\n%s", got, out)
			}
			if !strings.Contains(out, "sync: 9 records processed") {
				t.Errorf("no progress line in:\n%s", out)
			}
			if diff := cmp.Diff(wantDirectory, directory(t, openSQLite(t, path))); diff != "" {
				t.Fatalf("directory (-want +got):\n%s", diff)
			}
			out = mustSync(t, args...)
			if got := summaryLine(t, out, "users", "users"); got != "3 0 0 3 0 0 0 0" {
				t.Errorf("second sync: users row = %q, want all unchanged\n%s", got, out)
			}
		})
	}
}

func TestSyncIntoPostgres(t *testing.T) {
	db := dbtest.Postgres(t)
	var schema string
	if err := db.QueryRowContext(context.Background(), "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	dsn := dbtest.PostgresDSN()
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	mustSync(t, "-pg", dsn+sep+"search_path="+schema, "-users", "testdata/users.csv", "-tree", "testdata/tree.csv")
	if diff := cmp.Diff(wantDirectory, directory(t, db)); diff != "" {
		t.Fatalf("directory (-want +got):\n%s", diff)
	}
}

func TestSyncDepartmentPaths(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir.db")
	mustSync(t, "-db", path, "-depts", "testdata/depts.csv", "-users", "testdata/users-paths.csv")
	db := openSQLite(t, path)
	want := map[string]string{"ada": "Berlin", "grace": "Americas, Platform"}
	if diff := cmp.Diff(want, directory(t, db)); diff != "" {
		t.Fatalf("directory (-want +got):\n%s", diff)
	}
	var titles []string
	if err := db.NewRaw("SELECT title FROM departments ORDER BY title").Scan(context.Background(), &titles); err != nil {
		t.Fatal(err)
	}
	// Research has no users, and is created all the same.
	if diff := cmp.Diff([]string{"Americas", "Berlin", "EMEA", "Engineering", "Platform", "Research", "Sales"}, titles); diff != "" {
		t.Fatalf("departments (-want +got):\n%s", diff)
	}
}

// With -on-missing delete, a dry run plans the deletion of a user the
// source no longer has, and the sync deletes it.
func TestDryRunThenSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir.db")
	mustSync(t, "-db", path, "-users", "testdata/users.csv", "-tree", "testdata/tree.csv")
	// Ada leaves, Alan is renamed.
	changed := filepath.Join(t.TempDir(), "users.csv")
	data, err := os.ReadFile("testdata/users.csv")
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for line := range strings.Lines(string(data)) {
		if !strings.HasPrefix(line, "e1,") {
			kept = append(kept, strings.Replace(line, "Alan Turing", "Alan M. Turing", 1))
		}
	}
	if err := os.WriteFile(changed, []byte(strings.Join(kept, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustSync(t, "-db", path, "-users", changed, "-tree", "testdata/tree.csv", "-on-missing", "delete", "-dry-run")
	for _, want := range []string{"dry run: nothing was written", "update e3 (nickname)", "delete e1"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	db := openSQLite(t, path)
	if diff := cmp.Diff(wantDirectory, directory(t, db)); diff != "" {
		t.Fatalf("directory after a dry run (-want +got):\n%s", diff)
	}
	out = mustSync(t, "-db", path, "-users", changed, "-tree", "testdata/tree.csv", "-on-missing", "delete")
	if got := summaryLine(t, out, "users", "users"); got != "3 0 1 1 1 0 0 0" {
		t.Errorf("users row = %q\n%s", got, out)
	}
	want := map[string]string{"alan": "EMEA", "grace": "Americas, Platform"}
	if diff := cmp.Diff(want, directory(t, db)); diff != "" {
		t.Fatalf("directory after the sync (-want +got):\n%s", diff)
	}
}

func TestThreshold(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir.db")
	mustSync(t, "-db", path, "-users", "testdata/users.csv", "-tree", "testdata/tree.csv")
	one := filepath.Join(t.TempDir(), "one.csv")
	if err := os.WriteFile(one, []byte("uid,username,department\ne1,ada,21\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := syncCLI(t, "-db", path, "-users", one, "-tree", "testdata/tree.csv", "-threshold", "50", "-on-missing", "delete")
	if err == nil || !strings.HasPrefix(err.Error(), "synced users would be reduced by 67% (2), reaching the 50% threshold; nothing was written. It would delete 2 users:\n  e2\n  e3\nrun again with -approve ") {
		t.Fatalf("err = %v, want the threshold's refusal", err)
	}
	if diff := cmp.Diff(wantDirectory, directory(t, openSQLite(t, path))); diff != "" {
		t.Fatalf("directory after a refused sync (-want +got):\n%s", diff)
	}
	mustSync(t, "-db", path, "-users", one, "-tree", "testdata/tree.csv", "-threshold", "70", "-on-missing", "delete")
	if diff := cmp.Diff(map[string]string{"ada": "Berlin"}, directory(t, openSQLite(t, path))); diff != "" {
		t.Fatalf("directory (-want +got):\n%s", diff)
	}
}

// By default a sync disables the users its source no longer has; a
// -threshold refusal prints a token, and -approve with it applies exactly
// those changes. On SQLite and PostgreSQL.
func TestThresholdApprove(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "dir.db")
		thresholdApprove(t, []string{"-db", path}, openSQLite(t, path))
	})
	t.Run("pg", func(t *testing.T) {
		db := dbtest.Postgres(t)
		var schema string
		if err := db.QueryRowContext(context.Background(), "SELECT current_schema()").Scan(&schema); err != nil {
			t.Fatal(err)
		}
		dsn := dbtest.PostgresDSN()
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		thresholdApprove(t, []string{"-pg", dsn + sep + "search_path=" + schema}, db)
	})
}

// thresholdApprove runs TestThresholdApprove on the directory the flags
// target name, which db reads.
func thresholdApprove(t *testing.T, target []string, db *bun.DB) {
	with := func(args ...string) []string { return append(slices.Clone(target), args...) }
	mustSync(t, with("-users", "testdata/users.csv", "-tree", "testdata/tree.csv")...)
	one := filepath.Join(t.TempDir(), "one.csv")
	if err := os.WriteFile(one, []byte("uid,username,department\ne1,ada,21\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := with("-users", one, "-tree", "testdata/tree.csv", "-threshold", "50")
	_, err := syncCLI(t, args...)
	const head = "synced users would be reduced by 67% (2), reaching the 50% threshold; nothing was written. It would disable 2 users:\n  e2\n  e3\nrun again with -approve "
	if err == nil || !strings.HasPrefix(err.Error(), head) {
		t.Fatalf("err = %v, want the threshold's refusal", err)
	}
	token, _, _ := strings.Cut(strings.TrimPrefix(err.Error(), head), " ")
	if _, err := syncCLI(t, append(args, "-approve", "0123")...); err == nil || !strings.HasPrefix(err.Error(), head) {
		t.Fatalf("a wrong token: err = %v, want the refusal again", err)
	}
	if got := enabledUsers(t, db); got != "ada alan grace" {
		t.Fatalf("enabled users after refusals = %q, want all", got)
	}
	mustSync(t, append(args, "-approve", token)...)
	if got := enabledUsers(t, db); got != "ada" {
		t.Fatalf("enabled users after the approval = %q, want grace and alan disabled", got)
	}
	// Disabled users keep their departments, and come back enabled.
	if diff := cmp.Diff(wantDirectory, directory(t, db)); diff != "" {
		t.Fatalf("directory after the approval (-want +got):\n%s", diff)
	}
	mustSync(t, with("-users", "testdata/users.csv", "-tree", "testdata/tree.csv", "-threshold", "50")...)
	if got := enabledUsers(t, db); got != "ada alan grace" {
		t.Fatalf("enabled users after they came back = %q, want all", got)
	}
	// -on-missing keep leaves them alone.
	mustSync(t, with("-users", one, "-tree", "testdata/tree.csv", "-on-missing", "keep")...)
	if got := enabledUsers(t, db); got != "ada alan grace" {
		t.Fatalf("enabled users with -on-missing keep = %q, want all", got)
	}
}

func TestBadRowNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir.db")
	bad := filepath.Join(t.TempDir(), "staff.csv")
	content := "uid,username,department\ne1,ada,21\ne2,grace\n"
	if err := os.WriteFile(bad, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := syncCLI(t, "-db", path, "-users", bad, "-tree", "testdata/tree.csv")
	if err == nil || !strings.Contains(err.Error(), "staff.csv line 3") {
		t.Fatalf("err = %v, want one naming staff.csv line 3", err)
	}
	if got := directory(t, openSQLite(t, path)); len(got) != 0 {
		t.Fatalf("users after a failed sync: %v, want none", got)
	}
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "nothing to sync"},
		{[]string{"-users", "a.csv", "-xlsx", "b.xlsx"}, "one of -users, -xlsx and -ldap"},
		{[]string{"-tree", "a.csv", "-depts", "b.csv"}, "-tree or -depts"},
		{[]string{"-ldap", "ldap://127.0.0.1:1"}, "-ldap needs -ldap-base"},
		{[]string{"-users", "a.csv", "-map", "email"}, `"email" is not field=column`},
		{[]string{"-users", "a.csv", "stray"}, `unexpected argument "stray"`},
		{[]string{"-users", "a.csv", "-threshold", "120"}, "-threshold is a percentage"},
		{[]string{"-users", "a.csv", "-on-missing", "purge"}, "-on-missing is disable, delete or keep"},
		{[]string{"-users", "a.csv", "-purge-after", "30", "-on-missing", "delete"}, "-purge-after purges disabled users"},
		{[]string{"-db", filepath.Join(t.TempDir(), "d.db"), "-users", "testdata/users.csv", "-map", "email=Mail"}, `column "Mail"`},
	} {
		_, err := syncCLI(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("sync %v: err = %v, want it to say %q", tc.args, err, tc.want)
		}
	}
}

func TestSyncLDAP(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{LDIF: "testdata/directory.ldif"})
	t.Setenv("GATEHOUSE_LDAP_PASSWORD", "reader-secret")
	path := filepath.Join(t.TempDir(), "dir.db")
	args := []string{"-db", path, "-ldap", srv.URL, "-ldap-base", slapdtest.BaseDN,
		"-ldap-bind", "cn=reader," + slapdtest.BaseDN, "-ldap-disabled", "employeeType=disabled"}
	out := mustSync(t, args...)
	if got := summaryLine(t, out, "users", "users"); got != "4 4 0 0 0 0 0 0" {
		t.Errorf("users row = %q\n%s", got, out)
	}
	want := map[string]string{
		"ada":    "oncall, platform, staff", // staff through the nested group oncall
		"alan":   "sales, staff",
		"edsger": "sales",
		"grace":  "engineering",
	}
	if diff := cmp.Diff(want, directory(t, openSQLite(t, path))); diff != "" {
		t.Fatalf("directory (-want +got):\n%s", diff)
	}
	out = mustSync(t, args...)
	if got := summaryLine(t, out, "users", "users"); got != "4 0 0 4 0 0 0 0" {
		t.Errorf("second sync: users row = %q, want all unchanged\n%s", got, out)
	}
	if got := enabledUsers(t, openSQLite(t, path)); got != "ada alan grace" {
		t.Errorf("enabled users = %q, want edsger disabled", got)
	}

	// Grace is disabled on the server: the next sync disables her.
	conn, err := goldap.DialURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Bind(slapdtest.AdminDN, slapdtest.AdminPassword); err != nil {
		t.Fatal(err)
	}
	mod := goldap.NewModifyRequest("uid=grace,ou=engineering,ou=people,"+slapdtest.BaseDN, nil)
	mod.Add("employeeType", []string{"disabled"})
	if err := conn.Modify(mod); err != nil {
		t.Fatal(err)
	}
	out = mustSync(t, args...)
	if got := summaryLine(t, out, "users", "users"); got != "4 0 1 3 0 1 0 0" {
		t.Errorf("third sync: users row = %q, want grace disabled\n%s", got, out)
	}
	if got := enabledUsers(t, openSQLite(t, path)); got != "ada alan" {
		t.Errorf("enabled users = %q, want grace and edsger disabled", got)
	}
}

// enabledUsers lists the enabled users' usernames, in order.
func enabledUsers(t *testing.T, db *bun.DB) string {
	t.Helper()
	var names []string
	if err := db.NewRaw("SELECT username FROM users WHERE enabled ORDER BY username").Scan(context.Background(), &names); err != nil {
		t.Fatal(err)
	}
	return strings.Join(names, " ")
}
