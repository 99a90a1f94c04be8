package users

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// memberRecord is a user record whose memberships are planned.
type memberRecord struct {
	syncedUser
	entries []datasync.UserDepartment
}

// memberState is what a chunk of user records needs from the database.
type memberState struct {
	depts  map[string]int64 // department uid → key, deptGone or deptUnsynced (see memberRun)
	rows   map[int64]map[int64]bool
	mains  map[int64]*int64
	exists map[int64]bool // users that exist
	// newMains: the users resource gave a user it created (in a dry run:
	// plans to create) its main department at insert (see newUserMain).
	newMains bool
}

// A department uid of memberRun.depts that is not the key of a department.
const (
	deptUnsynced int64 = 0  // no department is synced with that uid
	deptGone     int64 = -1 // the synced department no longer exists
)

// memberWork is what ApplyBatch needs beyond the plan: the source's links
// to memberships that are gone already and no longer wanted. They change
// no row, so the plan does not list them.
type memberWork struct {
	drop []datasync.LinkChange
}

// memberRunKey is the RunState key of a memberRun.
type memberRunKey struct{}

// memberRun is what the departments resource keeps over the chunks of one
// run of user records.
type memberRun struct {
	// depts are the department uids looked up so far. A user run creates
	// and deletes no department, so one lookup per uid serves the run.
	depts map[string]int64
	planCarry[*memberWork]
	// mainAtInsert: the users resource sets created users' main
	// department (RegisterSyncResources).
	mainAtInsert bool
}

func runOf(b *datasync.Batch) *memberRun {
	return b.RunState(memberRunKey{}, func() any { return &memberRun{depts: map[string]int64{}} }).(*memberRun)
}

// usersLink is the link to the record's user: one made in this run if
// there is one (a user re-created in place of a vanished one, or a dry
// run's planned create), else the first.
func usersLink(rec *datasync.BatchRecord) (datasync.Link, bool) {
	var first datasync.Link
	found := false
	for _, l := range rec.Resources {
		if l.Resource != usersResource {
			continue
		}
		if l.New {
			return l, true
		}
		if !found {
			first, found = l, true
		}
	}
	return first, found
}

func (r *DepartmentsSyncResource) planMemberships(ctx context.Context, db bun.IDB, b *datasync.Batch) (*datasync.ResourcePlan, *memberWork, error) {
	s := r.schema(db)
	plan := &datasync.ResourcePlan{Resource: departmentsResource}
	recs := selectMemberRecords(plan, b)
	st, err := loadMemberState(ctx, db, s, b, runOf(b), recs)
	if err != nil {
		return nil, nil, err
	}
	work := &memberWork{}
	var unnamed []int // removals whose department uid is still to look up
	for _, m := range recs {
		n := len(plan.Memberships)
		if err := planUserMemberships(plan, work, m, st, b.SourceName); err != nil {
			plan.Failures = append(plan.Failures, recordFailure(m.rec, err))
			continue
		}
		for i := n; i < len(plan.Memberships); i++ {
			if plan.Memberships[i].Op == datasync.MembershipRemove {
				unnamed = append(unnamed, i)
			}
		}
	}
	if err := nameRemovedDepartments(ctx, b, plan, unnamed); err != nil {
		return nil, nil, err
	}
	return plan, work, nil
}

// selectMemberRecords picks the records whose memberships may change
// (see selectUserRecords). Every record carries them: one without
// "departments" has none (NocoBase).
func selectMemberRecords(plan *datasync.ResourcePlan, b *datasync.Batch) []memberRecord {
	every := func(datasync.Record) bool { return true }
	return selectUserRecords(plan, b, every, func(u syncedUser) (memberRecord, error) {
		entries, err := u.rec.MetaData.Departments()
		return memberRecord{syncedUser: u, entries: entries}, err
	})
}

// createdInChunk returns the users the users resource created in the
// chunk, by record uid, and whether it is known: not when another users
// resource ran. In a dry run no link with a key is a create's.
func createdInChunk(b *datasync.Batch) (map[string]string, bool) {
	if b.DryRun {
		return nil, true
	}
	created := b.RunState(createdUsersKey{}, func() any { return &createdUsers{} }).(*createdUsers).byUID
	return created, created != nil
}

func loadMemberState(ctx context.Context, db bun.IDB, s *deptSchema, b *datasync.Batch, run *memberRun, recs []memberRecord) (*memberState, error) {
	var entries []datasync.UserDepartment
	var users []int64
	for _, m := range recs {
		entries = append(entries, m.entries...)
		if m.userPK != 0 && !m.created {
			users = append(users, m.userPK)
		}
	}
	if err := run.resolve(ctx, db, s, b, entries); err != nil {
		return nil, err
	}
	st := &memberState{depts: run.depts, newMains: run.mainAtInsert}
	var err error
	if st.rows, err = loadMemberships(ctx, db, users); err != nil {
		return nil, err
	}
	if st.mains, st.exists, err = loadMainDepartments(ctx, db, s, users); err != nil {
		return nil, err
	}
	for _, m := range recs {
		if m.created {
			st.exists[m.userPK] = true
		}
	}
	return st, nil
}

// resolve looks up the departments of entries the run has not looked up
// yet.
func (run *memberRun) resolve(ctx context.Context, db bun.IDB, s *deptSchema, b *datasync.Batch, entries []datasync.UserDepartment) error {
	var ask []string
	for _, e := range entries {
		if _, asked := run.depts[e.UID]; !asked {
			run.depts[e.UID] = deptUnsynced
			ask = append(ask, e.UID)
		}
	}
	return lookupDepartments(ctx, db, s, b, run.depts, ask)
}

// newUserMain is the main department of a user created with the
// memberships entries: the last isMain entry's, else the first of them by
// department key, as planMainDepartment picks for a user without
// memberships. It is nil for no entries, and when an entry names a
// department not there (the departments resource fails the record).
func newUserMain(entries []datasync.UserDepartment, depts map[string]int64) *int64 {
	var named, first *int64
	for _, e := range entries {
		pk := depts[e.UID]
		if pk <= 0 {
			return nil
		}
		if e.IsMain {
			named = &pk
		}
		if first == nil || pk < *first {
			first = &pk
		}
	}
	if named != nil {
		return named
	}
	return first
}

// lookupDepartments resolves the department uids into depts: their key,
// deptGone or deptUnsynced.
func lookupDepartments(ctx context.Context, db bun.IDB, s *deptSchema, b *datasync.Batch, depts map[string]int64, uids []string) error {
	links, err := b.LookupLinks(ctx, datasync.DataTypeDepartment, departmentsResource, uids)
	if err != nil {
		return err
	}
	pks := make([]int64, 0, len(links))
	for _, l := range links {
		if pk, ok := parsePK(l.ResourcePk); ok {
			pks = append(pks, pk)
		}
	}
	exists, err := existingDepartments(ctx, db, s, pks)
	if err != nil {
		return err
	}
	for uid, l := range links {
		if pk, ok := parsePK(l.ResourcePk); ok && exists[pk] {
			depts[uid] = pk
		} else {
			depts[uid] = deptGone
		}
	}
	return nil
}

// loadMemberships reads the memberships of the users: user → department
// → isOwner.
func loadMemberships(ctx context.Context, db bun.IDB, users []int64) (map[int64]map[int64]bool, error) {
	out := map[int64]map[int64]bool{}
	if len(users) == 0 {
		return out, nil
	}
	var rows []struct {
		UserID       int64 `bun:"userId"`
		DepartmentID int64 `bun:"departmentId"`
		IsOwner      bool  `bun:"isOwner"`
	}
	err := db.NewSelect().TableExpr("?", bun.Ident("departmentsUsers")).Column("userId", "departmentId", "isOwner").
		Where("? IN (?)", bun.Ident("userId"), bun.List(users)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("users: sync departments: reading memberships: %w", err)
	}
	for _, row := range rows {
		if out[row.UserID] == nil {
			out[row.UserID] = map[int64]bool{}
		}
		out[row.UserID][row.DepartmentID] = row.IsOwner
	}
	return out, nil
}

func loadMainDepartments(ctx context.Context, db bun.IDB, s *deptSchema, users []int64) (map[int64]*int64, map[int64]bool, error) {
	mains, exists := map[int64]*int64{}, map[int64]bool{}
	if len(users) == 0 {
		return mains, exists, nil
	}
	var rows []struct {
		ID               int64  `bun:"id"`
		MainDepartmentID *int64 `bun:"mainDepartmentId"`
	}
	err := db.NewSelect().TableExpr("?", s.users).Column("id", "mainDepartmentId").
		Where("? IN (?)", bun.Ident("id"), bun.List(users)).Scan(ctx, &rows)
	if err != nil {
		return nil, nil, fmt.Errorf("users: sync departments: reading main departments: %w", err)
	}
	for _, row := range rows {
		mains[row.ID], exists[row.ID] = row.MainDepartmentID, true
	}
	return mains, exists, nil
}

// desired is a user record's memberships: department → isOwner (the last
// entry for a department wins, as NocoBase's updates in entry order do),
// in first-mention order, and the main department its last isMain entry
// names.
type desired struct {
	owner map[int64]bool
	order []int64
	uids  map[int64]string
	main  *int64
}

func desiredMemberships(m memberRecord, st *memberState, source string) (*desired, error) {
	d := &desired{owner: map[int64]bool{}, uids: map[int64]string{}}
	for _, e := range m.entries {
		pk := st.depts[e.UID]
		if pk <= 0 {
			// NocoBase drops such an entry silently, and with it the
			// membership: refuse instead.
			if pk == deptGone {
				return nil, fmt.Errorf("department %q synced from source %q no longer exists", e.UID, source)
			}
			return nil, fmt.Errorf("department %q is not synced from source %q", e.UID, source)
		}
		if _, seen := d.owner[pk]; !seen {
			d.order = append(d.order, pk)
			d.uids[pk] = e.UID
		}
		d.owner[pk] = e.IsOwner
		if e.IsMain {
			d.main = &pk
		}
	}
	return d, nil
}

// planUserMemberships plans one user's memberships and main department.
// The record's own "departments" links are the memberships its source
// made: only those are updated or removed. A membership that exists
// without a link was made by hand and is left alone.
func planUserMemberships(plan *datasync.ResourcePlan, work *memberWork, m memberRecord, st *memberState, source string) error {
	if m.userPK != 0 && !st.exists[m.userPK] {
		// The user vanished after the users resource ran: nothing to join.
		plan.Unchanged++
		return nil
	}
	want, err := desiredMemberships(m, st, source)
	if err != nil {
		return err
	}
	u := &userMemberPlan{plan: plan, work: work, rec: m.rec, rows: st.rows[m.userPK], final: map[int64]bool{}}
	u.base = datasync.MembershipChange{UserUID: m.rec.SourceUk}
	if m.known {
		u.base.UserPK = formatPK(m.userPK)
	}
	for d := range u.rows {
		u.final[d] = true
	}
	n := len(plan.Memberships)
	u.addOrUpdate(want)
	u.remove(want)
	cur := st.mains[m.userPK]
	if st.newMains && (m.created || m.userPK == 0) {
		// Set at insert (a dry run's planned create will be).
		cur = newUserMain(m.entries, st.depts)
	}
	mainChanged := planMainDepartment(plan, m, cur, want.main, u.final)
	if !mainChanged && len(plan.Memberships) == n {
		plan.Unchanged++
	}
	return nil
}

// userMemberPlan plans one user's memberships.
type userMemberPlan struct {
	plan  *datasync.ResourcePlan
	work  *memberWork
	rec   *datasync.BatchRecord
	base  datasync.MembershipChange // the user's part of every change
	rows  map[int64]bool            // current memberships: department → isOwner
	final map[int64]bool            // memberships once the plan is applied
}

// addOrUpdate adds the wanted memberships the user lacks and updates the
// owner flag of those the source made.
func (u *userMemberPlan) addOrUpdate(want *desired) {
	mine := map[string]bool{}
	for _, l := range u.rec.LinksTo(departmentsResource) {
		mine[l] = true
	}
	for _, d := range want.order {
		c := u.base
		c.DepartmentUID, c.DepartmentPK, c.IsOwner = want.uids[d], formatPK(d), want.owner[d]
		owner, has := u.rows[d]
		switch {
		case !has:
			c.Op = datasync.MembershipAdd
		case mine[c.DepartmentPK] && owner != c.IsOwner:
			c.Op = datasync.MembershipUpdate
		default:
			continue
		}
		u.plan.Memberships = append(u.plan.Memberships, c)
		u.final[d] = true
	}
}

// remove removes the memberships the source made and no longer wants. A
// link whose membership is already gone is only dropped.
func (u *userMemberPlan) remove(want *desired) {
	seen := map[string]bool{}
	for _, l := range u.rec.LinksTo(departmentsResource) {
		d, ok := parsePK(l)
		if _, wanted := want.owner[d]; (ok && wanted) || seen[l] {
			continue
		}
		seen[l] = true
		owner, has := u.rows[d]
		if !ok || !has {
			u.work.drop = append(u.work.drop, datasync.LinkChange{UID: u.rec.SourceUk, ResourcePk: l, IsDeleted: true})
			continue
		}
		c := u.base
		c.Op, c.DepartmentPK, c.IsOwner = datasync.MembershipRemove, l, owner
		u.plan.Memberships = append(u.plan.Memberships, c)
		delete(u.final, d)
	}
}

// planMainDepartment plans the user's main department: the one the
// record's last isMain entry names; else the current one while the user
// is still a member of it; else their first membership by department id,
// or none.
func planMainDepartment(plan *datasync.ResourcePlan, m memberRecord, cur, named *int64, final map[int64]bool) bool {
	target := named
	if target == nil && cur != nil && final[*cur] {
		target = cur
	}
	if target == nil && len(final) > 0 {
		first := slices.Min(slices.Collect(maps.Keys(final)))
		target = &first
	}
	if sameDepartmentID(cur, target) {
		return false
	}
	c := datasync.RecordChange{
		UID:      m.rec.SourceUk,
		Values:   map[string]any{"mainDepartmentId": pkValue(target)},
		Previous: map[string]any{"mainDepartmentId": pkValue(cur)},
	}
	if m.known {
		c.PK = formatPK(m.userPK)
	}
	plan.Updates = append(plan.Updates, c)
	return true
}

// pkValue is a nullable key as a plan value: the key, or nil.
func pkValue(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// nameRemovedDepartments fills in the uids of the departments whose
// memberships are removed, in one lookup.
func nameRemovedDepartments(ctx context.Context, b *datasync.Batch, plan *datasync.ResourcePlan, idx []int) error {
	if len(idx) == 0 {
		return nil
	}
	pks := make([]string, len(idx))
	for i, j := range idx {
		pks[i] = plan.Memberships[j].DepartmentPK
	}
	uids, err := b.LookupUIDs(ctx, datasync.DataTypeDepartment, departmentsResource, pks)
	if err != nil {
		return err
	}
	for _, j := range idx {
		plan.Memberships[j].DepartmentUID = uids[plan.Memberships[j].DepartmentPK]
	}
	return nil
}

// memberApply collects a chunk's writes by kind.
type memberApply struct {
	adds    []*DepartmentUser
	removes []bun.TupleValues // (userId, departmentId)
	owners  map[bool][]bun.TupleValues
	mains   map[int64]*int64
	changes []datasync.LinkChange
}

func (r *DepartmentsSyncResource) applyMemberships(ctx context.Context, tx bun.IDB, b *datasync.Batch, plan *datasync.ResourcePlan) ([]datasync.LinkChange, error) {
	work, err := runOf(b).take(ctx, tx, b, r.planMemberships)
	if err != nil {
		return nil, err
	}
	s := r.schema(tx)
	a, err := collectMemberApply(b, plan)
	if err != nil {
		return nil, err
	}
	if err := a.write(ctx, tx, s); err != nil {
		return nil, err
	}
	a.changes = append(a.changes, work.drop...)
	gone, err := goneUserLinks(ctx, tx, s.users, b, departmentsResource)
	if err != nil {
		return nil, err
	}
	return append(a.changes, gone...), nil
}

// collectMemberApply turns the plan into rows to write and link changes.
// A membership the plan adds gets a link unless the source's link is
// there already (its row was removed by hand).
func collectMemberApply(b *datasync.Batch, plan *datasync.ResourcePlan) (*memberApply, error) {
	userPK := make(map[string]int64, len(b.Records))
	mine := make(map[string]map[string]bool, len(b.Records))
	for i := range b.Records {
		rec := &b.Records[i]
		if l, ok := usersLink(rec); ok {
			userPK[rec.SourceUk], _ = parsePK(l.ResourcePk)
		}
		mine[rec.SourceUk] = map[string]bool{}
		for _, pk := range rec.LinksTo(departmentsResource) {
			mine[rec.SourceUk][pk] = true
		}
	}
	a := &memberApply{owners: map[bool][]bun.TupleValues{}, mains: map[int64]*int64{}}
	for _, c := range plan.Memberships {
		user, ok := userPK[c.UserUID]
		dept, okDept := parsePK(c.DepartmentPK)
		if !ok || user == 0 || !okDept {
			return nil, fmt.Errorf("users: sync departments: uid %q: no user or department key to apply a membership change", c.UserUID)
		}
		switch c.Op {
		case datasync.MembershipAdd:
			a.adds = append(a.adds, &DepartmentUser{UserID: user, DepartmentID: dept, IsOwner: c.IsOwner})
			if !mine[c.UserUID][c.DepartmentPK] {
				a.changes = append(a.changes, datasync.LinkChange{UID: c.UserUID, ResourcePk: c.DepartmentPK})
			}
		case datasync.MembershipUpdate:
			a.owners[c.IsOwner] = append(a.owners[c.IsOwner], bun.Tuple([]int64{user, dept}))
		case datasync.MembershipRemove:
			a.removes = append(a.removes, bun.Tuple([]int64{user, dept}))
			a.changes = append(a.changes, datasync.LinkChange{UID: c.UserUID, ResourcePk: c.DepartmentPK, IsDeleted: true})
		}
	}
	for _, u := range plan.Updates {
		user := userPK[u.UID]
		if user == 0 {
			return nil, fmt.Errorf("users: sync departments: uid %q: no user key to set the main department of", u.UID)
		}
		if v, ok := u.Values["mainDepartmentId"].(int64); ok {
			a.mains[user] = &v
		} else {
			a.mains[user] = nil
		}
	}
	return a, nil
}

// write applies the memberships and main departments in a handful of
// statements: one insert, one delete, one update per owner flag, one for
// the main departments.
func (a *memberApply) write(ctx context.Context, tx bun.IDB, s *deptSchema) error {
	if err := insertMemberships(ctx, tx, a.adds); err != nil {
		return err
	}
	if len(a.removes) > 0 {
		if _, err := tx.NewDelete().TableExpr("?", bun.Ident("departmentsUsers")).
			Where("(?, ?) IN (VALUES ?)", bun.Ident("userId"), bun.Ident("departmentId"), bun.List(a.removes)).Exec(ctx); err != nil {
			return fmt.Errorf("users: sync departments: removing %d memberships: %w", len(a.removes), err)
		}
	}
	for _, owner := range []bool{false, true} {
		pairs := a.owners[owner]
		if len(pairs) == 0 {
			continue
		}
		if _, err := tx.NewUpdate().TableExpr("?", bun.Ident("departmentsUsers")).
			Set("? = ?", bun.Ident("isOwner"), owner).
			Set("? = ?", bun.Ident("updatedAt"), time.Now().UTC()).
			Where("(?, ?) IN (VALUES ?)", bun.Ident("userId"), bun.Ident("departmentId"), bun.List(pairs)).Exec(ctx); err != nil {
			return fmt.Errorf("users: sync departments: updating %d owner flags: %w", len(pairs), err)
		}
	}
	return setKeyColumn(ctx, tx, s.users, "mainDepartmentId", a.mains)
}

// insertMemberships inserts memberships in one statement, the rows passed
// as one JSON argument (see jsonRows), with the times DepartmentUser's
// hook would give them.
func insertMemberships(ctx context.Context, tx bun.IDB, adds []*DepartmentUser) error {
	if len(adds) == 0 {
		return nil
	}
	rows := make([]byte, 0, 24*len(adds))
	for i, m := range adds {
		rows = appendJSONRow(rows, i, m.UserID, m.DepartmentID, m.IsOwner)
	}
	now := time.Now().UTC()
	_, err := tx.NewRaw("INSERT INTO ? (?, ?, ?, ?, ?) SELECT "+
		jsonColumn(0, "BIGINT")+", "+jsonColumn(1, "BIGINT")+", "+jsonColumn(2, "BOOLEAN")+", ?, ? FROM ?",
		bun.Ident("departmentsUsers"), bun.Ident("userId"), bun.Ident("departmentId"), bun.Ident("isOwner"),
		bun.Ident("createdAt"), bun.Ident("updatedAt"), now, now, jsonRows(tx, rows)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("users: sync departments: adding %d memberships: %w", len(adds), err)
	}
	return nil
}
