package datasync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// historyAccount is a row of the accounts test resource's table.
type historyAccount struct {
	bun.BaseModel `bun:"table:historyAccounts"`
	ID            int64  `bun:"id,pk,autoincrement"`
	UID           string `bun:"uid,notnull"`
	Email         string `bun:"email,notnull"`
	Enabled       bool   `bun:"enabled,notnull"`
	Password      string `bun:"password,notnull"`
	Team          string `bun:"team,notnull"`
}

// historyAccounts is a real BatchResource over historyAccounts, shaped
// like the users resource: it plans creates with their values, updates
// with the values they replace ("enabled": false disables), deletes, and
// the account's team as a membership.
type historyAccounts struct{}

func (historyAccounts) Name() string        { return "accounts" }
func (historyAccounts) Accepts() []DataType { return []DataType{DataTypeUser} }

func accountLink(rec *BatchRecord) string {
	if pks := rec.LinksTo("accounts"); len(pks) > 0 {
		return pks[0]
	}
	return ""
}

func (historyAccounts) PlanBatch(ctx context.Context, db bun.IDB, b *Batch) (*ResourcePlan, error) {
	var pks []string
	for i := range b.Records {
		if pk := accountLink(&b.Records[i]); pk != "" {
			pks = append(pks, pk)
		}
	}
	rows := map[string]historyAccount{}
	if len(pks) > 0 {
		var found []historyAccount
		if err := db.NewSelect().Model(&found).Where("id IN (?)", bun.List(pks)).Scan(ctx); err != nil {
			return nil, err
		}
		for _, r := range found {
			rows[strconv.FormatInt(r.ID, 10)] = r
		}
	}
	plan := &ResourcePlan{Resource: "accounts"}
	for i := range b.Records {
		planAccount(plan, &b.Records[i], rows)
	}
	return plan, nil
}

// accountValues are the columns a record sets: enabled unless it says
// otherwise, the password only when it has one.
func accountValues(rec Record) map[string]any {
	vals := map[string]any{"email": rec["email"], "enabled": rec["enabled"] != false, "team": ""}
	if team, ok := rec["team"].(string); ok {
		vals["team"] = team
	}
	if pw, ok := rec["password"].(string); ok {
		vals["password"] = pw
	}
	return vals
}

func planAccount(plan *ResourcePlan, rec *BatchRecord, rows map[string]historyAccount) {
	pk := accountLink(rec)
	row, exists := rows[pk]
	switch {
	case rec.MetaData.IsDeleted() && exists:
		plan.Deletes = append(plan.Deletes, RecordChange{UID: rec.SourceUk, PK: pk})
		return
	case rec.MetaData.IsDeleted():
		plan.Unchanged++
		return
	}
	vals := accountValues(rec.MetaData)
	if !exists {
		plan.Creates = append(plan.Creates, RecordChange{UID: rec.SourceUk, Values: vals})
		planTeam(plan, rec.SourceUk, "", "", vals["team"].(string))
		return
	}
	old := map[string]any{"email": row.Email, "enabled": row.Enabled, "team": row.Team, "password": row.Password}
	changed, previous := map[string]any{}, map[string]any{}
	for k, v := range vals {
		if old[k] != v {
			changed[k], previous[k] = v, old[k]
		}
	}
	if len(changed) == 0 {
		plan.Unchanged++
		return
	}
	plan.Updates = append(plan.Updates, RecordChange{UID: rec.SourceUk, PK: pk, Values: changed, Previous: previous})
	planTeam(plan, rec.SourceUk, pk, row.Team, vals["team"].(string))
}

// planTeam plans the membership changes of moving from team from to to.
func planTeam(plan *ResourcePlan, uid, pk, from, to string) {
	if from == to {
		return
	}
	if from != "" {
		plan.Memberships = append(plan.Memberships, MembershipChange{Op: MembershipRemove, UserUID: uid, UserPK: pk, DepartmentUID: from, DepartmentPK: from})
	}
	if to != "" {
		plan.Memberships = append(plan.Memberships, MembershipChange{Op: MembershipAdd, UserUID: uid, UserPK: pk, DepartmentUID: to, DepartmentPK: to})
	}
}

func (historyAccounts) ApplyBatch(ctx context.Context, tx bun.IDB, _ *Batch, plan *ResourcePlan) ([]LinkChange, error) {
	var changes []LinkChange
	if len(plan.Creates) > 0 {
		rows := make([]historyAccount, len(plan.Creates))
		for i, c := range plan.Creates {
			pw, _ := c.Values["password"].(string)
			rows[i] = historyAccount{UID: c.UID, Email: c.Values["email"].(string), Enabled: c.Values["enabled"].(bool), Password: pw, Team: c.Values["team"].(string)}
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return nil, err
		}
		for _, r := range rows {
			changes = append(changes, LinkChange{UID: r.UID, ResourcePk: strconv.FormatInt(r.ID, 10)})
		}
	}
	for _, u := range plan.Updates {
		q := tx.NewUpdate().Model((*historyAccount)(nil)).Where("id = ?", u.PK)
		for col, v := range u.Values {
			q.Set("? = ?", bun.Ident(col), v)
		}
		if _, err := q.Exec(ctx); err != nil {
			return nil, err
		}
	}
	for _, d := range plan.Deletes {
		if _, err := tx.NewDelete().Model((*historyAccount)(nil)).Where("id = ?", d.PK).Exec(ctx); err != nil {
			return nil, err
		}
		changes = append(changes, LinkChange{UID: d.UID, ResourcePk: d.PK, IsDeleted: true})
	}
	return changes, nil
}

// newHistoryFixture is the task fixture (the per-record people resource,
// the static source type) with the accounts resource after people.
func newHistoryFixture(t *testing.T, db *bun.DB) *taskFixture {
	t.Helper()
	f := newTaskFixture(t, db)
	if _, err := db.NewCreateTable().Model((*historyAccount)(nil)).IfNotExists().Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.m.RegisterResource(historyAccounts{}, RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	return f
}

// histSetData makes the static source row emit data on its next pull;
// its other options stay.
func histSetData(f *taskFixture, t *testing.T, row *SyncSource, data ...UserData) {
	t.Helper()
	row.Options["data"] = staticRow(t, row.Name, staticOptions{Data: data}).Options["data"]
	if _, err := f.db.NewUpdate().Model(row).Column("options").WherePK().Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func histPull(f *taskFixture, t *testing.T, name string) *SyncTask {
	t.Helper()
	task := f.pullAndWait(t, name)
	if task.Status != TaskSuccess {
		t.Fatalf("task %d: %s %q, want success", task.ID, task.Status, task.Message)
	}
	return task
}

func histRows(f *taskFixture, t *testing.T, q HistoryQuery) []*SyncChange {
	t.Helper()
	rows, err := f.m.History(context.Background(), q)
	if err != nil {
		t.Fatalf("History(%+v): %v", q, err)
	}
	return rows
}

// accountPKs maps the accounts' uids to their keys.
func histAccountPKs(f *taskFixture, t *testing.T) map[string]string {
	t.Helper()
	var rows []historyAccount
	if err := f.db.NewSelect().Model(&rows).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.UID] = strconv.FormatInt(r.ID, 10)
	}
	return out
}

// histChange is the part of a history row a test states.
type histChange struct {
	Task     int64
	Resource string
	UID      string
	PK       string
	Op       string
	Values   map[string]any
	Previous map[string]any
}

func histChanges(rows []*SyncChange) []histChange {
	out := make([]histChange, len(rows))
	for i, r := range rows {
		out[i] = histChange{r.TaskID, r.Resource, r.UID, r.ResourcePk, r.Op, r.Values, r.Previous}
	}
	return out
}

func histWant(t *testing.T, what string, want []histChange, rows []*SyncChange) {
	t.Helper()
	if diff := cmp.Diff(want, histChanges(rows), cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("%s (-want +got):\n%s", what, diff)
	}
}

func histRecord(uid, email string, more ...any) Record {
	rec := Record{"uid": uid, "email": email}
	for i := 0; i+1 < len(more); i += 2 {
		rec[more[i].(string)] = more[i+1]
	}
	return rec
}

// TestHistoryOfThreeTasks runs a source three times (three users created,
// one's email and another's password changed, one disabled) and asks the
// history by task, by user key and by uid.
func TestHistoryOfThreeTasks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newHistoryFixture(t, db)
		a := histRecord("a", "a@x", "password", "s3cret-a", "team", "ops")
		b, c := histRecord("b", "b@x"), histRecord("c", "c@x")
		src := f.addSource(t, "hr", staticOptions{Data: []UserData{userData(a, b, c)}})
		t1 := histPull(f, t, "hr").ID
		pks := histAccountPKs(f, t)

		histSetData(f, t, src, userData(histRecord("a", "a@x", "password", "s3cret-a2", "team", "ops"), histRecord("b", "b2@x"), c))
		t2 := histPull(f, t, "hr").ID
		histSetData(f, t, src, userData(histRecord("a", "a@x", "password", "s3cret-a2", "team", "ops"), histRecord("b", "b2@x"), histRecord("c", "c@x", "enabled", false)))
		before := time.Now()
		t3 := histPull(f, t, "hr").ID
		after := time.Now()

		created := func(uid, email string, more ...any) histChange {
			vals := map[string]any{"email": email, "enabled": true, "team": ""}
			for i := 0; i+1 < len(more); i += 2 {
				vals[more[i].(string)] = more[i+1]
			}
			return histChange{t1, "accounts", uid, pks[uid], ChangeCreate, vals, nil}
		}
		histWant(t, "task 1's accounts", []histChange{
			created("a", "a@x", "password", Redacted, "team", "ops"), created("b", "b@x"), created("c", "c@x"),
		}, histRows(f, t, HistoryQuery{TaskID: t1, Resource: "accounts"}))
		histWant(t, "task 1's memberships: the created user's key is found", []histChange{
			{t1, MembershipHistoryResource, "a", pks["a"], ChangeMembershipAdd, map[string]any{"departmentUid": "ops", "departmentPk": "ops", "isOwner": false}, nil},
		}, histRows(f, t, HistoryQuery{TaskID: t1, Resource: MembershipHistoryResource}))

		// The per-record people resource: its creates get their keys from
		// the links too, its updates have no values to show.
		people := histRows(f, t, HistoryQuery{TaskID: t1, Resource: "people"})
		if len(people) != 3 {
			t.Fatalf("task 1 kept %d people changes, want 3", len(people))
		}
		for _, p := range people {
			if p.Op != ChangeCreate || p.ResourcePk == "" || p.SourceName != "hr" || p.DataType != DataTypeUser {
				t.Fatalf("people change %+v: want a create with the row's key", p)
			}
		}

		histWant(t, "b's history by key", []histChange{
			created("b", "b@x"),
			{t2, "accounts", "b", pks["b"], ChangeUpdate, map[string]any{"email": "b2@x"}, map[string]any{"email": "b@x"}},
		}, histRows(f, t, HistoryQuery{Resource: "accounts", ResourcePk: pks["b"]}))
		histWant(t, "a's password change", []histChange{
			{t2, "accounts", "a", pks["a"], ChangeUpdate, map[string]any{"password": Redacted}, map[string]any{"password": Redacted}},
		}, histRows(f, t, HistoryQuery{TaskID: t2, Resource: "accounts", UID: "a"}))

		// Why was c disabled? Task 3, at its time, and c was enabled before.
		rows := histRows(f, t, HistoryQuery{Resource: "accounts", ResourcePk: pks["c"]})
		histWant(t, "c's history by key", []histChange{
			created("c", "c@x"),
			{t3, "accounts", "c", pks["c"], ChangeDisable, map[string]any{"enabled": false}, map[string]any{"enabled": true}},
		}, rows)
		at := rows[1].CreatedAt
		if at.Before(before.Add(-time.Millisecond)) || at.After(after.Add(time.Millisecond)) {
			t.Fatalf("the disable is at %v, want between %v and %v", at, before, after)
		}
		// Since task 3 began: accounts' disable, people's update.
		if diff := cmp.Diff([]int64{t3, t3}, histTasks(histRows(f, t, HistoryQuery{SourceName: "hr", Since: before}))); diff != "" {
			t.Fatalf("the tasks of the changes since task 3 began (-want +got):\n%s", diff)
		}
		if n := len(histRows(f, t, HistoryQuery{SourceName: "hr", Until: before})); n != 3+1+3+2+2 {
			t.Fatalf("%d changes before task 3, want 11", n)
		}

		byUID := histRows(f, t, HistoryQuery{UID: "c", SourceName: "hr"})
		if diff := cmp.Diff([]string{"people create", "accounts create", "people update", "accounts disable"}, histOps(byUID)); diff != "" {
			t.Fatalf("c's history by uid (-want +got):\n%s", diff)
		}
		if rows := histRows(f, t, HistoryQuery{SourceName: "other"}); len(rows) != 0 {
			t.Fatalf("another source's history has %d rows, want none", len(rows))
		}
		histNoSecret(t, f, "s3cret")
	})
}

// histOps names the rows' resources and operations.
func histOps(rows []*SyncChange) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Resource + " " + r.Op
	}
	return out
}

// histTasks lists the rows' tasks.
func histTasks(rows []*SyncChange) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.TaskID
	}
	return out
}

// histNoSecret fails when the raw history columns hold secret.
func histNoSecret(t *testing.T, f *taskFixture, secret string) {
	t.Helper()
	var raw []struct {
		Values   *string `bun:"values"`
		Previous *string `bun:"previous"`
	}
	if err := f.db.NewSelect().TableExpr("?", bun.Ident("userDataSyncChanges")).Column("values", "previous").Scan(context.Background(), &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) == 0 {
		t.Fatal("no history rows to check")
	}
	for _, r := range raw {
		for _, s := range []*string{r.Values, r.Previous} {
			if s != nil && strings.Contains(*s, secret) {
				t.Fatalf("a history row holds a password: %s", *s)
			}
		}
	}
}

// TestHistoryOfDeletions keeps what a complete pull deletes: the accounts
// resource's delete, and the per-record resource's Update of an isDeleted
// record, which is a delete too.
func TestHistoryOfDeletions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newHistoryFixture(t, db)
		src := staticRow(t, "hr", staticOptions{Data: []UserData{userData(histRecord("a", "a@x"), histRecord("b", "b@x", "team", "ops"))}})
		src.Options["onMissing"] = "delete"
		if err := f.m.AddSource(context.Background(), src); err != nil {
			t.Fatal(err)
		}
		histPull(f, t, "hr")
		pks := histAccountPKs(f, t)
		histSetData(f, t, src, userData(histRecord("a", "a@x")))
		t2 := histPull(f, t, "hr").ID
		rows := histRows(f, t, HistoryQuery{TaskID: t2, UID: "b"})
		if diff := cmp.Diff([]string{"people delete", "accounts delete"}, histOps(rows)); diff != "" {
			t.Fatalf("b's deletion (-want +got):\n%s", diff)
		}
		if rows[1].ResourcePk != pks["b"] {
			t.Fatalf("the deletion names key %q, want %q", rows[1].ResourcePk, pks["b"])
		}
	})
}

// TestHistoryRolledBackWithItsRun: a task whose run fails keeps no
// history, though its parts were applied before the failure.
func TestHistoryRolledBackWithItsRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newHistoryFixture(t, db)
		f.addSource(t, "ok", staticOptions{Data: []UserData{userData(histRecord("a", "a@x"))}})
		histPull(f, t, "ok")
		kept := len(histRows(f, t, HistoryQuery{}))
		f.addSource(t, "broken", staticOptions{
			Data: []UserData{userData(histRecord("x", "x@x", "password", "s3cret")), userData(histRecord("y", "y@x"))},
			Fail: true,
		})
		task := f.pullAndWait(t, "broken")
		if task.Status != TaskFailed {
			t.Fatalf("task = %+v, want failed", task)
		}
		if rows := histRows(f, t, HistoryQuery{TaskID: task.ID}); len(rows) != 0 {
			t.Fatalf("the failed task kept %d history rows, want none", len(rows))
		}
		if n := len(histRows(f, t, HistoryQuery{})); n != kept {
			t.Fatalf("%d history rows after the failed task, want the %d before it", n, kept)
		}
	})
}

// TestHistoryPaging reads a 1,200-change part (two inserts) a page at a
// time, and prunes it.
func TestHistoryPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newHistoryFixture(t, db)
		recs := make([]Record, 600)
		for i := range recs {
			recs[i] = histRecord(fmt.Sprint(i), fmt.Sprintf("%d@x", i))
		}
		f.addSource(t, "bulk", staticOptions{Data: []UserData{userData(recs...)}})
		task := histPull(f, t, "bulk").ID

		all := histRows(f, t, HistoryQuery{TaskID: task, Limit: MaxHistoryLimit})
		if len(all) != MaxHistoryLimit {
			t.Fatalf("Limit %d read %d rows", MaxHistoryLimit, len(all))
		}
		if n := len(histRows(f, t, HistoryQuery{TaskID: task})); n != DefaultHistoryLimit {
			t.Fatalf("no limit read %d rows, want %d", n, DefaultHistoryLimit)
		}
		var paged []*SyncChange
		for q := (HistoryQuery{SourceName: "bulk", Limit: 250}); ; {
			page := histRows(f, t, q)
			if len(page) == 0 {
				break
			}
			paged = append(paged, page...)
			q.AfterID = page[len(page)-1].ID
		}
		if len(paged) != 1200 {
			t.Fatalf("paging read %d rows, want 1200", len(paged))
		}
		for i := 1; i < len(paged); i++ {
			if paged[i].ID <= paged[i-1].ID {
				t.Fatalf("row %d has id %d after %d: want ascending ids", i, paged[i].ID, paged[i-1].ID)
			}
		}
		if diff := cmp.Diff(all, paged[:MaxHistoryLimit]); diff != "" {
			t.Fatalf("pages differ from one read (-one +paged):\n%s", diff)
		}

		ctx := context.Background()
		if n, err := f.m.PruneHistory(ctx, paged[0].CreatedAt.Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("PruneHistory before the run = %d, %v; want 0", n, err)
		}
		if n, err := f.m.PruneHistory(ctx, time.Now().Add(time.Second)); err != nil || n != 1200 {
			t.Fatalf("PruneHistory after the run = %d, %v; want 1200", n, err)
		}
		if rows := histRows(f, t, HistoryQuery{}); len(rows) != 0 {
			t.Fatalf("%d rows after pruning everything", len(rows))
		}
	})
}

func TestHistoryQueryErrors(t *testing.T) {
	m := NewManager(dbtest.SQLite(t), Options{})
	t.Cleanup(func() { m.Close() })
	now := time.Now()
	for _, tc := range []struct {
		q    HistoryQuery
		want string
	}{
		{HistoryQuery{Limit: MaxHistoryLimit + 1}, "datasync: history query: Limit is 1001: at most 1000 rows are read at once; page with AfterID"},
		{HistoryQuery{Limit: -1}, "datasync: history query: Limit is -1: it cannot be negative"},
		{HistoryQuery{AfterID: -5}, "datasync: history query: AfterID is -5: it cannot be negative"},
		{HistoryQuery{TaskID: -1}, "datasync: history query: TaskID is -1: it cannot be negative"},
		{HistoryQuery{Since: now, Until: now}, "datasync: history query: Until is not after Since"},
	} {
		_, err := m.History(context.Background(), tc.q)
		wantError(t, err, ErrInvalidQuery, tc.want)
		var qe *QueryError
		if !errors.As(err, &qe) || qe.HTTPStatus() != http.StatusBadRequest {
			t.Fatalf("%v: want a *QueryError with status 400", err)
		}
	}
}

// TestPlanJSONRedactsPasswords: a plan's JSON has no password, its Go
// value keeps them, and Apply writes them.
func TestPlanJSONRedactsPasswords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newHistoryFixture(t, db)
		ctx := context.Background()
		data := userData(histRecord("a", "a@x", "password", "s3cret-plan"))
		data.SourceName = "push"
		plan, err := f.m.Plan(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(plan)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), "s3cret") || !strings.Contains(string(raw), `"password":"[redacted]"`) {
			t.Fatalf("plan JSON: %s, want the password redacted", raw)
		}
		if _, err := f.m.Apply(ctx, plan); err != nil {
			t.Fatalf("Apply of the marshalled plan: %v", err)
		}
		var row historyAccount
		if err := db.NewSelect().Model(&row).Where("uid = ?", "a").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if row.Password != "s3cret-plan" {
			t.Fatalf("Apply wrote password %q, want the plan's", row.Password)
		}
	})
}

func TestRecordChangeJSON(t *testing.T) {
	c := RecordChange{
		UID: "a", PK: "1",
		Values: map[string]any{"Password": "x1", "email": "a@x", "profile": map[string]any{"PASSWORD": "x2", "city": "Oslo"},
			"logins": []any{Record{"password": "x3"}}},
		Previous: map[string]any{"password": nil},
		Reason:   "r",
	}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"uid":"a","pk":"1","values":{"Password":"[redacted]","email":"a@x","logins":[{"password":"[redacted]"}],"profile":{"PASSWORD":"[redacted]","city":"Oslo"}},"previous":{"password":"[redacted]"},"reason":"r"}`
	if string(raw) != want {
		t.Fatalf("JSON\n%s\nwant\n%s", raw, want)
	}
	if c.Values["Password"] != "x1" || c.Values["profile"].(map[string]any)["PASSWORD"] != "x2" {
		t.Fatal("marshalling changed the change's values")
	}
	plain := RecordChange{UID: "b", Values: map[string]any{"email": "b@x"}}
	if raw, _ := json.Marshal([]RecordChange{plain}); string(raw) != `[{"uid":"b","values":{"email":"b@x"}}]` {
		t.Fatalf("JSON of a change without passwords: %s", raw)
	}
}

// TestHistoryOps names the changes of every kind of plan entry.
func TestHistoryOps(t *testing.T) {
	plan := ResourcePlan{
		Resource: "departments",
		Updates: []RecordChange{
			{UID: "u1", PK: "1", Values: map[string]any{"enabled": true}, Previous: map[string]any{"enabled": false}},
			{UID: "u2", PK: "2", Values: map[string]any{"email": "e"}, Adopted: true, Reason: "matched by email"},
		},
		Kept:        []RecordChange{{UID: "root", PK: "9", Reason: "a root user is never deleted"}},
		Memberships: []MembershipChange{{Op: MembershipUpdate, UserUID: "u1", UserPK: "1", DepartmentUID: "d", DepartmentPK: "5", IsOwner: true}},
		Moves:       []MoveChange{{UID: "d", PK: "5", FromPK: "3", ToUID: "top"}},
	}
	h := &historyPart{r: &run{steps: []*resourceStep{{plan: plan}}, data: &UserData{}}}
	h.addStep(h.r.steps[0])
	var got []string
	for _, c := range h.rows {
		got = append(got, fmt.Sprintf("%s %s %s %s %v %v %s", c.Resource, c.UID, c.ResourcePk, c.Op, c.Values, c.Previous, c.Reason))
	}
	want := []string{
		"departments u1 1 enable map[enabled:true] map[enabled:false] ",
		"departments u2 2 adopt map[email:e] map[] matched by email",
		"departments root 9 kept map[] map[] a root user is never deleted",
		"departmentsUsers u1 1 membership.update map[departmentPk:5 departmentUid:d isOwner:true] map[] ",
		"departments d 5 move map[toUid:top] map[fromPk:3] ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("history rows (-want +got):\n%s", diff)
	}
}
