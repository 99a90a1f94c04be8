package users_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// dsyncEnv is usyncEnv (a directory with the built-in resources and a
// write counter) with the department helpers; it pushes as source "api".
type dsyncEnv struct{ *usyncEnv }

func newDsyncEnv(t *testing.T, db *bun.DB, opts users.Options, mopts datasync.Options) *dsyncEnv {
	t.Helper()
	return &dsyncEnv{newUsyncEnv(t, db, opts, mopts)}
}

func dsyncData(dt datasync.DataType, recs ...datasync.Record) datasync.UserData {
	return datasync.UserData{DataType: dt, SourceName: "api", Records: recs}
}

func (e *dsyncEnv) push(t *testing.T, dt datasync.DataType, recs ...datasync.Record) []datasync.SyncResult {
	t.Helper()
	res, err := e.m.UpdateOrCreate(e.ctx, dsyncData(dt, recs...))
	if err != nil {
		t.Fatalf("push %s: %v", dt, err)
	}
	return res
}

// planApply plans data, applies the plan (which fails unless the run
// follows exactly that plan) and returns the plan of resource.
func (e *dsyncEnv) planApply(t *testing.T, data datasync.UserData, resource string) datasync.ResourcePlan {
	t.Helper()
	plan, err := e.m.Plan(e.ctx, data)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if _, err := e.m.Apply(e.ctx, plan); err != nil {
		t.Fatalf("apply: %v", err)
	}
	for _, rp := range plan.Resources {
		if rp.Resource == resource {
			return rp
		}
	}
	t.Fatalf("plan has no resource %q", resource)
	return datasync.ResourcePlan{}
}

// linkPK returns the key of the row resource made for the record of
// dataType with uid, or "" when it has none.
func (e *dsyncEnv) linkPK(t *testing.T, dt datasync.DataType, resource, uid string) string {
	t.Helper()
	var pks []string
	err := e.db.NewSelect().TableExpr("? AS r", bun.Ident("userDataSyncRecords")).
		Join("JOIN ? AS l ON l.? = r.?", bun.Ident("userDataSyncRecordsResources"), bun.Ident("recordId"), bun.Ident("id")).
		ColumnExpr("l.?", bun.Ident("resourcePk")).
		Where("r.? = 'api' AND r.? = ? AND r.? = ? AND l.? = ?", bun.Ident("sourceName"), bun.Ident("dataType"), dt,
			bun.Ident("sourceUk"), uid, bun.Ident("resource"), resource).
		Scan(e.ctx, &pks)
	if err != nil {
		t.Fatal(err)
	}
	if len(pks) > 1 {
		t.Fatalf("%s %q has %d %s links, want at most one", dt, uid, len(pks), resource)
	}
	if len(pks) == 0 {
		return ""
	}
	return pks[0]
}

func (e *dsyncEnv) deptID(t *testing.T, uid string) int64 {
	t.Helper()
	pk := e.linkPK(t, datasync.DataTypeDepartment, "departments", uid)
	var id int64
	if _, err := fmt.Sscan(pk, &id); err != nil {
		t.Fatalf("department %q is not linked (%q)", uid, pk)
	}
	return id
}

func (e *dsyncEnv) userID(t *testing.T, uid string) int64 {
	t.Helper()
	pk := e.linkPK(t, datasync.DataTypeUser, "users", uid)
	var id int64
	if _, err := fmt.Sscan(pk, &id); err != nil {
		t.Fatalf("user %q is not linked (%q)", uid, pk)
	}
	return id
}

func (e *dsyncEnv) dept(t *testing.T, uid string) *users.Department {
	t.Helper()
	d := new(users.Department)
	if err := e.db.NewSelect().Model(d).Where("?TableAlias.? = ?", bun.Ident("id"), e.deptID(t, uid)).Scan(e.ctx); err != nil {
		t.Fatalf("department %q: %v", uid, err)
	}
	return d
}

// childTitles lists the titles of a department's children, sorted.
func (e *dsyncEnv) childTitles(t *testing.T, id int64) []string {
	t.Helper()
	titles := []string{}
	if err := e.db.NewSelect().Model((*users.Department)(nil)).Column("title").
		Where("?TableAlias.? = ?", bun.Ident("parentId"), id).Order("title").Scan(e.ctx, &titles); err != nil {
		t.Fatal(err)
	}
	return titles
}

func (e *dsyncEnv) count(t *testing.T, table string) int64 {
	t.Helper()
	n, err := e.db.NewSelect().TableExpr("?", bun.Ident(table)).Count(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func dept(uid, title string, kv ...any) datasync.Record {
	r := datasync.Record{"uid": uid, "title": title}
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i].(string)] = kv[i+1]
	}
	return r
}

func wantParent(t *testing.T, e *dsyncEnv, uid, parent string) {
	t.Helper()
	got := e.dept(t, uid).ParentID
	if parent == "" {
		if got != nil {
			t.Fatalf("department %q: parentId %d, want none", uid, *got)
		}
		return
	}
	if want := e.deptID(t, parent); got == nil || *got != want {
		t.Fatalf("department %q: parentId %v, want %d (%q)", uid, deref(got), want, parent)
	}
}

func wantLeaf(t *testing.T, e *dsyncEnv, uid string, leaf bool) {
	t.Helper()
	if got := e.dept(t, uid).IsLeaf; got != leaf {
		t.Fatalf("department %q: isLeaf %v, want %v", uid, got, leaf)
	}
}

// The reference's "should create department".
func TestSyncDepartmentsCreate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("1", "test"), dept("2", "sub-test", "parentUid", "1"))
		if got := e.childTitles(t, e.deptID(t, "1")); !slices.Equal(got, []string{"sub-test"}) {
			t.Fatalf("children of test: %v", got)
		}
		wantLeaf(t, e, "1", false)
		wantLeaf(t, e, "2", true)
	})
}

// The reference's "should update department".
func TestSyncDepartmentsUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("1", "test"))
		if got := e.childTitles(t, e.deptID(t, "1")); len(got) != 0 {
			t.Fatalf("children: %v", got)
		}
		e.push(t, datasync.DataTypeDepartment, dept("1", "test2"), dept("2", "sub-test", "parentUid", "1"))
		if got := e.dept(t, "1").Title; got != "test2" {
			t.Fatalf("title %q", got)
		}
		if got := e.childTitles(t, e.deptID(t, "1")); !slices.Equal(got, []string{"sub-test"}) {
			t.Fatalf("children: %v", got)
		}
		e.push(t, datasync.DataTypeDepartment, dept("2", "sub-test"))
		wantParent(t, e, "2", "")
		wantLeaf(t, e, "1", true)
	})
}

// The reference's "should reparent an existing child department when its
// parent is synced later".
func TestSyncDepartmentsReparentLater(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("20", "child", "parentUid", "0"))
		wantParent(t, e, "20", "")
		e.push(t, datasync.DataTypeDepartment, dept("10", "parent"), dept("20", "child", "parentUid", "10"))
		wantParent(t, e, "20", "10")
		if got := e.childTitles(t, e.deptID(t, "10")); !slices.Equal(got, []string{"child"}) {
			t.Fatalf("children of 10: %v", got)
		}
	})
}

// An unchanged record whose parent is synced only now moves under it: its
// parent depends on other records, not only on its own content.
func TestSyncDepartmentsUnchangedChildGetsLaterParent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		child := dept("20", "child", "parentUid", "10")
		e.push(t, datasync.DataTypeDepartment, child)
		wantParent(t, e, "20", "")
		rp := e.planApply(t, dsyncData(datasync.DataTypeDepartment, child, dept("10", "parent")), "departments")
		want := []datasync.MoveChange{{UID: "20", PK: fmt.Sprint(e.deptID(t, "20")), ToUID: "10"}}
		if diff := cmp.Diff(want, rp.Moves); diff != "" {
			t.Fatalf("moves (-want +got):\n%s", diff)
		}
		wantParent(t, e, "20", "10")
		wantLeaf(t, e, "10", false)
	})
}

// The reference's "should sync department sort on create and update".
func TestSyncDepartmentsSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("1", "test", "sort", json.Number("10")))
		if got := e.dept(t, "1").Sort; got != 10 {
			t.Fatalf("sort %d, want 10", got)
		}
		e.push(t, datasync.DataTypeDepartment, dept("1", "test", "sort", json.Number("20")))
		if got := e.dept(t, "1").Sort; got != 20 {
			t.Fatalf("sort %d, want 20", got)
		}
	})
}

// The reference's "should sync parent isLeaf when sub department is
// deleted and synced again".
func TestSyncDepartmentsIsLeafOnDeleteAndResync(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("1", "parent"), dept("2", "child", "parentUid", "1"))
		wantLeaf(t, e, "1", false)
		e.push(t, datasync.DataTypeDepartment, dept("2", "child", "parentUid", "1", "isDeleted", true))
		wantLeaf(t, e, "1", true)
		if got := e.count(t, "departments"); got != 1 {
			t.Fatalf("%d departments, want 1", got)
		}
		e.push(t, datasync.DataTypeDepartment, dept("2", "child", "parentUid", "1"))
		wantLeaf(t, e, "1", false)
		if got := e.childTitles(t, e.deptID(t, "1")); !slices.Equal(got, []string{"child"}) {
			t.Fatalf("children: %v", got)
		}
	})
}

// dsyncDepartment is a host's extended department model.
type dsyncDepartment struct {
	users.Department `bun:",extend"`
	TestField        string `bun:"testField" json:"testField"`
	Level            int64  `bun:"level,notnull,default:7" json:"level"`
}

// The reference's "should update department custom field", with
// Options.DepartmentModel: CreateTables creates the extended table.
func TestSyncDepartmentsCustomField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		opts := users.Options{DepartmentModel: (*dsyncDepartment)(nil)}
		e := newDsyncEnv(t, db, opts, datasync.Options{})
		load := func() *dsyncDepartment {
			d := new(dsyncDepartment)
			if err := db.NewSelect().Model(d).Where("?TableAlias.? = ?", bun.Ident("id"), e.deptID(t, "1")).Scan(e.ctx); err != nil {
				t.Fatal(err)
			}
			return d
		}
		e.push(t, datasync.DataTypeDepartment, dept("1", "test", "testField", "testField"))
		if d := load(); d.TestField != "testField" || d.Title != "test" || !d.IsLeaf {
			t.Fatalf("created %+v", d)
		}
		rp := e.planApply(t, dsyncData(datasync.DataTypeDepartment, dept("1", "test", "testField", "testField2", "unknown", 1)), "departments")
		want := []datasync.RecordChange{{
			UID: "1", PK: fmt.Sprint(e.deptID(t, "1")),
			Values: map[string]any{"testField": "testField2"}, Previous: map[string]any{"testField": "testField"},
		}}
		if diff := cmp.Diff(want, rp.Updates); diff != "" {
			t.Fatalf("updates (-want +got):\n%s", diff)
		}
		if !slices.Equal(rp.Ignored, []string{"unknown"}) {
			t.Fatalf("ignored %v", rp.Ignored)
		}
		if d := load(); d.TestField != "testField2" {
			t.Fatalf("testField %q", d.TestField)
		}
	})
}

// Creates write the values each record gives, whatever the other records
// of the chunk give (bun on SQLite leaves a column with a default out of a
// bulk insert when the first row's value is zero); a column a record does
// not give keeps its default, and so does a zero value, as bun's default
// tag means.
func TestSyncDepartmentsCreateColumns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{DepartmentModel: (*dsyncDepartment)(nil)}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("a", "a"), dept("x", "x", "level", json.Number("0")),
			dept("b", "b", "level", json.Number("3")))
		for uid, want := range map[string]int64{"a": 7, "x": 7, "b": 3} {
			d := new(dsyncDepartment)
			if err := db.NewSelect().Model(d).Where("?TableAlias.? = ?", bun.Ident("id"), e.deptID(t, uid)).Scan(e.ctx); err != nil {
				t.Fatal(err)
			}
			if d.Level != want || d.Title != uid || !d.IsLeaf || d.CreatedAt.IsZero() {
				t.Fatalf("department %q: %+v, want level %d", uid, d, want)
			}
		}
		// An update writes a zero value as it is.
		e.push(t, datasync.DataTypeDepartment, dept("b", "b", "level", json.Number("0")), dept("a", "a", "level", json.Number("1")))
		var levels []int64
		if err := db.NewSelect().Model((*dsyncDepartment)(nil)).Column("level").Where("?TableAlias.? IN (?)", bun.Ident("id"),
			bun.List([]int64{e.deptID(t, "b"), e.deptID(t, "a")})).Order("title").Scan(e.ctx, &levels); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(levels, []int64{1, 0}) {
			t.Fatalf("levels of a, b: %v", levels)
		}
	})
}

// System fields are stripped: a record cannot set ids, authors, times,
// parentId or isLeaf.
func TestSyncDepartmentsSystemFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		rp := e.planApply(t, dsyncData(datasync.DataTypeDepartment, dept("1", "a",
			"id", 999, "parentId", 5, "isLeaf", false, "createdById", 7, "updatedById", 7,
			"createdAt", "2001-01-01", "updatedAt", "2001-01-01")), "departments")
		if len(rp.Creates) != 1 || !cmp.Equal(rp.Creates[0].Values, map[string]any{"title": "a"}) || len(rp.Ignored) != 0 {
			t.Fatalf("plan %+v", rp)
		}
		d := e.dept(t, "1")
		if d.ID == 999 || d.ParentID != nil || !d.IsLeaf || d.CreatedByID != nil || d.CreatedAt.Year() == 2001 {
			t.Fatalf("department %+v", d)
		}
	})
}

// dsyncTree is a shuffled three-level tree of 5 + 15 + 30 departments:
// uids "r1", "r1.2", "r1.2.1".
func dsyncTree(seed uint64) (recs []datasync.Record, parent map[string]string) {
	parent = map[string]string{}
	for r := 1; r <= 5; r++ {
		root := fmt.Sprintf("r%d", r)
		parent[root] = ""
		for c := 1; c <= 3; c++ {
			child := fmt.Sprintf("%s.%d", root, c)
			parent[child] = root
			for g := 1; g <= 2; g++ {
				parent[fmt.Sprintf("%s.%d", child, g)] = child
			}
		}
	}
	for uid, p := range parent {
		rec := dept(uid, "title "+uid)
		if p != "" {
			rec["parentUid"] = p
		}
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b datasync.Record) int { return strings.Compare(a["uid"].(string), b["uid"].(string)) })
	rand.New(rand.NewPCG(seed, seed)).Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	return recs, parent
}

func wantTree(t *testing.T, e *dsyncEnv, parent map[string]string) {
	t.Helper()
	hasChild := map[string]bool{}
	for _, p := range parent {
		hasChild[p] = true
	}
	for uid, p := range parent {
		wantParent(t, e, uid, p)
		wantLeaf(t, e, uid, !hasChild[uid])
	}
	if got := e.count(t, "departments"); got != int64(len(parent)) {
		t.Fatalf("%d departments, want %d", got, len(parent))
	}
}

// Children before parents in one push, across chunks: the tree is right
// after one run, the dry run plans what the run then does, and the same
// data again writes nothing.
func TestSyncDepartmentsChildrenFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{ChunkSize: 7})
		recs, parent := dsyncTree(1)
		firstChild := slices.IndexFunc(recs, func(r datasync.Record) bool { return r["parentUid"] != nil })
		firstParent := slices.IndexFunc(recs, func(r datasync.Record) bool { return r["uid"] == recs[firstChild]["parentUid"] })
		if firstParent/7 <= firstChild/7 {
			t.Fatalf("the shuffle puts the first child's parent in chunk %d, not after chunk %d", firstParent/7, firstChild/7)
		}
		rp := e.planApply(t, dsyncData(datasync.DataTypeDepartment, recs...), "departments")
		if len(rp.Creates) != len(parent) || len(rp.Failures) != 0 {
			t.Fatalf("plan: %d creates, failures %v", len(rp.Creates), rp.Failures)
		}
		for _, c := range rp.Creates {
			if c.ParentUID != parent[c.UID] || c.PK != "" {
				t.Fatalf("create %+v: want parent %q and no key", c, parent[c.UID])
			}
		}
		wantTree(t, e, parent)

		before := e.writes.Load()
		e.push(t, datasync.DataTypeDepartment, recs...)
		if n := e.writes.Load() - before; n != 0 {
			t.Fatalf("re-sync wrote %d rows", n)
		}
		wantTree(t, e, parent)
	})
}

// A move to a parent that a later chunk creates is carried out once every
// chunk is applied, with isLeaf right on the old and the new parent.
func TestSyncDepartmentsMoveToLaterParent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{ChunkSize: 7})
		recs, parent := dsyncTree(2)
		e.push(t, datasync.DataTypeDepartment, recs...)
		for i, r := range recs {
			if uid := r["uid"].(string); strings.HasPrefix(uid, "r1.1.") {
				recs[i] = dept(uid, "title "+uid, "parentUid", "n")
				parent[uid] = "n"
			}
		}
		recs = append(recs, dept("n", "new"))
		parent["n"] = ""
		rp := e.planApply(t, dsyncData(datasync.DataTypeDepartment, recs...), "departments")
		from := fmt.Sprint(e.deptID(t, "r1.1"))
		want := []datasync.MoveChange{
			{UID: "r1.1.1", PK: fmt.Sprint(e.deptID(t, "r1.1.1")), FromPK: from, ToUID: "n"},
			{UID: "r1.1.2", PK: fmt.Sprint(e.deptID(t, "r1.1.2")), FromPK: from, ToUID: "n"},
		}
		slices.SortFunc(rp.Moves, func(a, b datasync.MoveChange) int { return strings.Compare(a.UID, b.UID) })
		if diff := cmp.Diff(want, rp.Moves); diff != "" {
			t.Fatalf("moves (-want +got):\n%s", diff)
		}
		if rp.Unchanged != len(parent)-3 {
			t.Fatalf("unchanged %d, want %d", rp.Unchanged, len(parent)-3)
		}
		wantTree(t, e, parent)
	})
}

func wantDataError(t *testing.T, err error, msg string) {
	t.Helper()
	var de *datasync.DataError
	if !errors.As(err, &de) || !errors.Is(err, datasync.ErrInvalidData) {
		t.Fatalf("error %v (%T), want a *datasync.DataError", err, err)
	}
	if de.Message != msg {
		t.Fatalf("message %q, want %q", de.Message, msg)
	}
}

// A parentUid cycle is refused before anything is written: within the
// records, through departments synced before, through a hand-made one.
func TestSyncDepartmentsCycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{ChunkSize: 1})
		try := func(msg string, recs ...datasync.Record) {
			t.Helper()
			depts, records := e.count(t, "departments"), e.count(t, "userDataSyncRecords")
			before := e.writes.Load()
			_, err := e.m.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeDepartment, recs...))
			wantDataError(t, err, msg)
			if _, err := e.m.Plan(e.ctx, dsyncData(datasync.DataTypeDepartment, recs...)); err == nil || err.Error() != msg {
				t.Fatalf("plan: %v, want %q", err, msg)
			}
			if n := e.writes.Load() - before; n != 0 {
				t.Fatalf("wrote %d rows", n)
			}
			if e.count(t, "departments") != depts || e.count(t, "userDataSyncRecords") != records {
				t.Fatal("rows were added")
			}
		}
		try(`parentUid cycle: "a" → "b" → "a"`, dept("x", "x", "parentUid", "a"), dept("a", "a", "parentUid", "b"), dept("b", "b", "parentUid", "a"))
		try(`parentUid cycle: "a" → "a"`, dept("a", "a", "parentUid", "a"))
		try(`department "b": parentUid "a" names a department this run deletes`, dept("a", "a", "isDeleted", true), dept("b", "b", "parentUid", "a"))

		e.push(t, datasync.DataTypeDepartment, dept("a", "a"), dept("b", "b", "parentUid", "a"), dept("c", "c", "parentUid", "b"))
		try(`parentUid cycle: "a" → "c" → "b" → "a"`, dept("a", "a", "parentUid", "c"))

		hand := &users.Department{Title: "hand"}
		aID := e.deptID(t, "a")
		hand.ParentID = &aID
		if err := users.CreateDepartment(e.ctx, db, hand); err != nil {
			t.Fatal(err)
		}
		if err := users.MoveDepartment(e.ctx, db, e.deptID(t, "c"), &hand.ID); err != nil {
			t.Fatal(err)
		}
		try(fmt.Sprintf(`parentUid cycle: "a" → "c" → department %d → "a"`, hand.ID), dept("a", "a", "parentUid", "c"))
		wantParent(t, e, "a", "")
	})
}

// wantFirstFailure checks that err is a FailedError whose first failure
// says msg.
func wantFirstFailure(t *testing.T, what string, err error, msg string) {
	t.Helper()
	var failed *datasync.FailedError
	if !errors.As(err, &failed) || failed.Failures[0].Message != msg {
		t.Fatalf("%s: %v", what, err)
	}
}

// Deleting a department removes its memberships, gives the users whose
// main department it was another one, and refreshes its parent's isLeaf;
// one that keeps sub-departments fails.
func TestSyncDepartmentsDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("p", "p"), dept("d", "d", "parentUid", "p"), dept("e", "e"),
			dept("c", "c", "parentUid", "d"))
		e.push(t, datasync.DataTypeUser,
			datasync.Record{"uid": "u1", "nickname": "one", "departments": []any{map[string]any{"uid": "d", "isMain": true}, "e"}},
			datasync.Record{"uid": "u2", "nickname": "two", "departments": []any{"d"}})
		u1, u2 := e.userID(t, "u1"), e.userID(t, "u2")

		_, err := e.m.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeDepartment, dept("d", "d", "isDeleted", true)))
		wantFirstFailure(t, "delete with a child", err, `department "d" still has 1 sub-department`)
		hand := &users.Department{Title: "hand", ParentID: new(e.deptID(t, "d"))}
		if err := users.CreateDepartment(e.ctx, db, hand); err != nil {
			t.Fatal(err)
		}
		// The synced child is moved away by the same run; the hand-made one
		// stays.
		_, err = e.m.UpdateOrCreate(e.ctx, dsyncData(datasync.DataTypeDepartment, dept("d", "d", "isDeleted", true), dept("c", "c")))
		wantFirstFailure(t, "delete with a hand-made child", err, `department "d" still has 1 sub-department`)
		if err := users.DeleteDepartment(e.ctx, db, hand.ID); err != nil {
			t.Fatal(err)
		}
		d := e.deptID(t, "d")
		rp := e.planApply(t, dsyncData(datasync.DataTypeDepartment, dept("d", "d", "isDeleted", true), dept("c", "c")), "departments")
		if diff := cmp.Diff([]datasync.RecordChange{{UID: "d", PK: fmt.Sprint(d)}}, rp.Deletes); diff != "" {
			t.Fatalf("deletes (-want +got):\n%s", diff)
		}
		if e.linkPK(t, datasync.DataTypeDepartment, "departments", "d") != "" {
			t.Fatal("the deleted department is still linked")
		}
		wantParent(t, e, "c", "")
		wantLeaf(t, e, "p", true)
		members, err := db.NewSelect().Model((*users.DepartmentUser)(nil)).Where("?TableAlias.? = ?", bun.Ident("departmentId"), d).Count(e.ctx)
		if err != nil || members != 0 {
			t.Fatalf("%d memberships of the deleted department (%v)", members, err)
		}
		if got := mainDeptOf(t, e.ctx, db, u1); got != e.deptID(t, "e") {
			t.Fatalf("u1 main %v, want e", got)
		}
		if got := mainDeptOf(t, e.ctx, db, u2); got != nil {
			t.Fatalf("u2 main %v, want none", got)
		}

		// Deleted again, or never synced: nothing happens.
		rp = e.planApply(t, dsyncData(datasync.DataTypeDepartment, dept("d", "d", "isDeleted", true), dept("zz", "zz", "isDeleted", true)), "departments")
		if !rp.Empty() || rp.Unchanged != 2 {
			t.Fatalf("plan %+v", rp)
		}
		if n := e.count(t, "departments"); n != 3 {
			t.Fatalf("%d departments, want 3", n)
		}
	})
}

// A linked department that vanished is created anew and relinked; one
// deleted by an isDeleted record whose row is already gone only loses its
// link.
func TestSyncDepartmentsVanished(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newDsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.push(t, datasync.DataTypeDepartment, dept("1", "one"), dept("2", "two"))
		old1, old2 := e.deptID(t, "1"), e.deptID(t, "2")
		if _, err := db.NewDelete().Model((*users.Department)(nil)).Where("?TableAlias.? IN (?)", bun.Ident("id"), bun.List([]int64{old1, old2})).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		rp := e.planApply(t, dsyncData(datasync.DataTypeDepartment, dept("1", "one"), dept("2", "two", "isDeleted", true)), "departments")
		wantCreates := []datasync.RecordChange{{UID: "1", Values: map[string]any{"title": "one"}, Reason: "the linked department no longer exists"}}
		wantDeletes := []datasync.RecordChange{{UID: "2", PK: fmt.Sprint(old2), Reason: "already gone"}}
		if diff := cmp.Diff(wantCreates, rp.Creates); diff != "" {
			t.Fatalf("creates (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantDeletes, rp.Deletes); diff != "" {
			t.Fatalf("deletes (-want +got):\n%s", diff)
		}
		if id := e.deptID(t, "1"); id == old1 || e.dept(t, "1").Title != "one" {
			t.Fatalf("department 1 has key %d (old %d)", id, old1)
		}
		if e.linkPK(t, datasync.DataTypeDepartment, "departments", "2") != "" {
			t.Fatal("department 2 is still linked")
		}
	})
}
