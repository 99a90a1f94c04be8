package users

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// DepartmentsSyncResource is the built-in "departments" datasync resource,
// NocoBase's DepartmentDataSyncResource made set-based. For department
// records it keeps the department tree: titles, sort and custom fields,
// parents through parentUid (parents before children whatever the input
// order, a cycle refused), isLeaf, and deletes. For user records (after
// the "users" resource) it keeps the memberships this source made, their
// owner flag and the user's main department; memberships made by hand are
// never touched (NocoBase removes them: nocobase#9136).
//
// Differences from NocoBase, each deliberate: an isDeleted record that
// was never synced creates nothing; a department that keeps
// sub-departments is not deleted (the record fails); a user record naming
// a department that is not synced fails rather than losing the
// membership silently; without an isMain entry a user keeps a main
// department they are still a member of.
type DepartmentsSyncResource struct {
	deptModel any
	userModel any
}

// NewDepartmentsSyncResource returns the resource over the models of opts
// (the same Options as CreateTables).
func NewDepartmentsSyncResource(opts Options) *DepartmentsSyncResource {
	r := &DepartmentsSyncResource{deptModel: opts.DepartmentModel, userModel: opts.UserModel}
	if r.deptModel == nil {
		r.deptModel = (*Department)(nil)
	}
	if r.userModel == nil {
		r.userModel = (*User)(nil)
	}
	return r
}

// Name is "departments".
func (r *DepartmentsSyncResource) Name() string { return departmentsResource }

// Accepts user and department records.
func (r *DepartmentsSyncResource) Accepts() []datasync.DataType {
	return []datasync.DataType{datasync.DataTypeUser, datasync.DataTypeDepartment}
}

// Prepare refuses department data that would break the tree: a parentUid
// cycle (a record that is its own parent included) in the tree as the run
// would leave it, or a parentUid that names a department the same run
// deletes. The error is a *datasync.DataError naming the uids.
func (r *DepartmentsSyncResource) Prepare(ctx context.Context, db bun.IDB, data *datasync.UserData, b *datasync.Batch) error {
	if data.DataType != datasync.DataTypeDepartment {
		return nil
	}
	return checkDepartmentTree(ctx, db, r.schema(db), data, b)
}

// PlanBatch plans a chunk of department or user records.
func (r *DepartmentsSyncResource) PlanBatch(ctx context.Context, db bun.IDB, b *datasync.Batch) (*datasync.ResourcePlan, error) {
	if b.DataType == datasync.DataTypeUser {
		plan, work, err := r.planMemberships(ctx, db, b)
		if err == nil && !b.DryRun {
			run := runOf(b)
			run.planned, run.work = b, work
		}
		return plan, err
	}
	return r.planDepartments(ctx, db, b)
}

// ApplyBatch writes plan, a plan PlanBatch made for b.
func (r *DepartmentsSyncResource) ApplyBatch(ctx context.Context, tx bun.IDB, b *datasync.Batch, plan *datasync.ResourcePlan) ([]datasync.LinkChange, error) {
	if b.DataType == datasync.DataTypeUser {
		return r.applyMemberships(ctx, tx, b, plan)
	}
	return r.applyDepartments(ctx, tx, b, plan)
}

// departmentSyncOmit are the department record keys written by no one
// (NocoBase's list: keys, times, authors, references) plus isLeaf, which
// the server keeps, missingSince, the manager's mark of a department its
// source no longer has, and sourceData, the source's own form of the
// record.
func departmentSyncOmit() []string {
	return []string{"id", "uid", "createdAt", "updatedAt", "createdById", "updatedById", "isDeleted", "parentId", "parentUid", "isLeaf",
		datasync.MissingSinceKey, datasync.SourceDataKey}
}

// deptSchema is what the resource needs of the models in one database.
type deptSchema struct {
	table                *schema.Table
	fields               *syncFields
	id, parentID, isLeaf *schema.Field
	users                schema.Safe // the users table
}

func (r *DepartmentsSyncResource) schema(db bun.IDB) *deptSchema {
	table := db.Dialect().Tables().Get(typeOf(r.deptModel))
	return &deptSchema{
		table:    table,
		fields:   newSyncFields(db, r.deptModel, departmentSyncOmit()...),
		id:       table.FieldMap["id"],
		parentID: table.FieldMap["parentId"],
		isLeaf:   table.FieldMap["isLeaf"],
		users:    db.Dialect().Tables().Get(typeOf(r.userModel)).SQLName,
	}
}

// parentOf returns a loaded department's parentId.
func (s *deptSchema) parentOf(v reflect.Value) *int64 {
	p, _ := s.parentID.Value(v).Interface().(*int64)
	return p
}

// Reasons given in plans.
const (
	reasonDepartmentVanished = "the linked department no longer exists"
	reasonDepartmentGone     = "already gone"
)

// deptChunk is what a chunk of department records needs from the
// database.
type deptChunk struct {
	rows     map[int64]reflect.Value // linked departments that exist
	parents  *parentResolver
	children map[int64]int // remaining sub-departments of those to delete
}

func (r *DepartmentsSyncResource) planDepartments(ctx context.Context, db bun.IDB, b *datasync.Batch) (*datasync.ResourcePlan, error) {
	s := r.schema(db)
	chunk, err := loadDeptChunk(ctx, db, s, b)
	if err != nil {
		return nil, err
	}
	plan := &datasync.ResourcePlan{Resource: departmentsResource}
	ignored := map[string]bool{}
	for i := range b.Records {
		rec := &b.Records[i]
		if rec.MetaData.IsDeleted() {
			planDepartmentDelete(plan, rec, chunk)
			continue
		}
		keys, err := planDepartmentUpsert(plan, rec, chunk, s)
		if err != nil {
			plan.Failures = append(plan.Failures, datasync.FailedRecord{Record: rec.MetaData, Message: fmt.Sprintf("uid %q: %v", rec.SourceUk, err)})
		}
		for _, k := range keys {
			ignored[k] = true
		}
	}
	for k := range ignored {
		plan.Ignored = append(plan.Ignored, k)
	}
	slices.Sort(plan.Ignored)
	return plan, nil
}

// deptLink is the record's first departments link: its key, parsed.
func deptLink(rec *datasync.BatchRecord) (pk string, id int64, linked bool) {
	pks := rec.LinksTo(departmentsResource)
	if len(pks) == 0 {
		return "", 0, false
	}
	id, _ = parsePK(pks[0])
	return pks[0], id, true
}

func loadDeptChunk(ctx context.Context, db bun.IDB, s *deptSchema, b *datasync.Batch) (*deptChunk, error) {
	var linked []int64
	var parentUIDs []string
	for i := range b.Records {
		rec := &b.Records[i]
		if _, id, ok := deptLink(rec); ok {
			linked = append(linked, id)
		}
		if p := rec.MetaData.ParentUID(); p != "" && !rec.MetaData.IsDeleted() {
			parentUIDs = append(parentUIDs, p)
		}
	}
	chunk := &deptChunk{rows: make(map[int64]reflect.Value, len(linked))}
	if len(linked) > 0 {
		models := s.fields.newModels(0)
		if err := db.NewSelect().Model(models.Interface()).
			Where("?TableAlias.? IN (?)", bun.Ident("id"), bun.List(linked)).Scan(ctx); err != nil {
			return nil, fmt.Errorf("users: sync departments: reading departments: %w", err)
		}
		for i := range models.Elem().Len() {
			v := models.Elem().Index(i).Elem()
			chunk.rows[s.id.Value(v).Int()] = v
		}
	}
	var err error
	if chunk.parents, err = newParentResolver(ctx, db, s, b, parentUIDs); err != nil {
		return nil, err
	}
	var deleting []int64
	for i := range b.Records {
		rec := &b.Records[i]
		if _, id, ok := deptLink(rec); ok && rec.MetaData.IsDeleted() && chunk.rows[id].IsValid() {
			deleting = append(deleting, id)
		}
	}
	chunk.children, err = remainingChildren(ctx, db, s, b, deleting)
	return chunk, err
}

// planDepartmentDelete: an isDeleted record deletes the department it is
// linked to. One never synced creates nothing (NocoBase creates it).
func planDepartmentDelete(plan *datasync.ResourcePlan, rec *datasync.BatchRecord, chunk *deptChunk) {
	pk, id, linked := deptLink(rec)
	switch {
	case !linked:
		plan.Unchanged++
	case !chunk.rows[id].IsValid():
		plan.Deletes = append(plan.Deletes, datasync.RecordChange{UID: rec.SourceUk, PK: pk, Reason: reasonDepartmentGone})
	case chunk.children[id] > 0:
		n := chunk.children[id]
		what := "sub-departments"
		if n == 1 {
			what = "sub-department"
		}
		plan.Failures = append(plan.Failures, datasync.FailedRecord{
			Record:  rec.MetaData,
			Message: fmt.Sprintf("department %q still has %d %s", rec.SourceUk, n, what),
		})
	default:
		plan.Deletes = append(plan.Deletes, datasync.RecordChange{UID: rec.SourceUk, PK: pk})
	}
}

// planDepartmentUpsert plans a create, or an update and a move, and
// returns the record keys it ignores.
func planDepartmentUpsert(plan *datasync.ResourcePlan, rec *datasync.BatchRecord, chunk *deptChunk, s *deptSchema) ([]string, error) {
	vals, ignored, err := s.fields.convert(rec.MetaData)
	if err != nil {
		return nil, err
	}
	parent := chunk.parents.resolve(rec.MetaData.ParentUID())
	pk, id, linked := deptLink(rec)
	row := chunk.rows[id]
	if !linked || !row.IsValid() {
		c := datasync.RecordChange{UID: rec.SourceUk, Values: vals, ParentUID: parent.uid}
		if linked {
			c.Reason = reasonDepartmentVanished
		}
		plan.Creates = append(plan.Creates, c)
		return ignored, nil
	}
	var touched bool
	// An unchanged record's fields are as last synced; its parent is
	// checked all the same, since it depends on other records (a parent
	// synced only now, or re-created).
	if !rec.Unchanged {
		if changed, previous := s.fields.changed(row, vals); len(changed) > 0 {
			plan.Updates = append(plan.Updates, datasync.RecordChange{UID: rec.SourceUk, PK: pk, Values: changed, Previous: previous})
			touched = true
		}
	}
	if move, ok := planMove(rec.SourceUk, pk, s.parentOf(row), parent); ok {
		plan.Moves = append(plan.Moves, move)
		touched = true
	}
	if !touched {
		plan.Unchanged++
	}
	return ignored, nil
}

// planMove compares a department's current parent with the resolved one.
func planMove(uid, pk string, cur *int64, parent parentRef) (datasync.MoveChange, bool) {
	move := datasync.MoveChange{UID: uid, PK: pk, ToUID: parent.uid}
	if cur != nil {
		move.FromPK = formatPK(*cur)
	}
	switch {
	case parent.uid == "":
		return move, cur != nil
	case parent.pending:
		// Created or re-created by this run: never the current parent.
		return move, true
	default:
		return move, cur == nil || *cur != parent.pk
	}
}

// deptApply collects a chunk's tree changes: parents to set now, parents
// to set once every chunk is applied, and departments whose isLeaf may
// have changed.
type deptApply struct {
	s       *deptSchema
	b       *datasync.Batch
	created map[string]int64 // uid → key of the department created now
	parents map[int64]*int64
	later   map[int64]string // department → parent uid a later chunk creates
	leaves  map[int64]bool
	changes []datasync.LinkChange
	byUID   map[string]*datasync.BatchRecord
}

func (r *DepartmentsSyncResource) applyDepartments(ctx context.Context, tx bun.IDB, b *datasync.Batch, plan *datasync.ResourcePlan) ([]datasync.LinkChange, error) {
	a := &deptApply{
		s: r.schema(tx), b: b,
		created: map[string]int64{}, parents: map[int64]*int64{}, later: map[int64]string{}, leaves: map[int64]bool{},
		byUID: make(map[string]*datasync.BatchRecord, len(b.Records)),
	}
	for i := range b.Records {
		a.byUID[b.Records[i].SourceUk] = &b.Records[i]
	}
	steps := []func(context.Context, bun.IDB, *datasync.ResourcePlan) error{
		a.applyCreates, a.applyUpdates, a.applyDeletes, a.applyParents,
	}
	for _, step := range steps {
		if err := step(ctx, tx, plan); err != nil {
			return nil, err
		}
	}
	if err := refreshLeaves(ctx, tx, a.s, a.leaves); err != nil {
		return nil, err
	}
	if len(a.later) > 0 {
		later := a.later
		s := a.s
		b.Defer(func(ctx context.Context, tx bun.IDB) error { return applyLaterParents(ctx, tx, s, b, later) })
	}
	return a.changes, nil
}

// applyCreates inserts the chunk's new departments as leaves, one
// statement per set of columns the records give (usually one); their
// parents are set with the moves.
func (a *deptApply) applyCreates(ctx context.Context, tx bun.IDB, plan *datasync.ResourcePlan) error {
	keys, groups := groupByColumns(plan.Creates)
	for _, key := range keys {
		group := groups[key]
		models := a.s.fields.newModels(len(group))
		for i, c := range group {
			v := models.Elem().Index(i).Elem()
			a.s.fields.set(v, c.Values)
			a.s.isLeaf.Value(v).SetBool(true)
		}
		// Named columns: bun on SQLite otherwise leaves out a column with a
		// default when the first row's value is zero, for every row. The
		// columns no record gives keep their defaults.
		cols := append(columnList(key), "isLeaf")
		cols = append(cols, hookColumns(ctx, models.Elem().Index(0).Interface(), true)...)
		if _, err := tx.NewInsert().Model(models.Interface()).Column(cols...).Returning("?", bun.Ident("id")).Exec(ctx); err != nil {
			return fmt.Errorf("users: sync departments: creating %d departments: %w", len(group), err)
		}
		for i, c := range group {
			a.created[c.UID] = a.s.id.Value(models.Elem().Index(i).Elem()).Int()
		}
	}
	for _, c := range plan.Creates {
		if rec := a.byUID[c.UID]; rec != nil {
			if old, _, linked := deptLink(rec); linked {
				a.changes = append(a.changes, datasync.LinkChange{UID: c.UID, ResourcePk: old, IsDeleted: true})
			}
		}
		a.changes = append(a.changes, datasync.LinkChange{UID: c.UID, ResourcePk: formatPK(a.created[c.UID])})
	}
	return nil
}

// applyUpdates writes the changed fields, one statement per set of
// changed columns.
func (a *deptApply) applyUpdates(ctx context.Context, tx bun.IDB, plan *datasync.ResourcePlan) error {
	return updateChanged(ctx, tx, a.s.fields, plan.Updates)
}

// applyDeletes deletes departments with their memberships, gives users
// whose main department one was another (their first remaining
// membership by department id, or none), and marks the old parents for
// an isLeaf refresh.
func (a *deptApply) applyDeletes(ctx context.Context, tx bun.IDB, plan *datasync.ResourcePlan) error {
	var ids []int64
	for _, d := range plan.Deletes {
		a.changes = append(a.changes, datasync.LinkChange{UID: d.UID, ResourcePk: d.PK, IsDeleted: true})
		if id, ok := parsePK(d.PK); ok && d.Reason != reasonDepartmentGone {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var parents []int64
	if err := tx.NewSelect().TableExpr("?", a.s.table.SQLName).Column("parentId").
		Where("? IN (?)", bun.Ident("id"), bun.List(ids)).Where("? IS NOT NULL", bun.Ident("parentId")).
		Scan(ctx, &parents); err != nil {
		return fmt.Errorf("users: sync departments: reading parents: %w", err)
	}
	for _, p := range parents {
		a.leaves[p] = true
	}
	if _, err := tx.NewDelete().TableExpr("?", bun.Ident("departmentsUsers")).
		Where("? IN (?)", bun.Ident("departmentId"), bun.List(ids)).Exec(ctx); err != nil {
		return fmt.Errorf("users: sync departments: removing members: %w", err)
	}
	if _, err := tx.NewDelete().TableExpr("?", a.s.table.SQLName).
		Where("? IN (?)", bun.Ident("id"), bun.List(ids)).Exec(ctx); err != nil {
		return fmt.Errorf("users: sync departments: deleting %d departments: %w", len(ids), err)
	}
	return refillMainDepartments(ctx, tx, a.s, ids)
}

// refillMainDepartments gives the users whose main department was deleted
// their first remaining membership by department id, or none.
func refillMainDepartments(ctx context.Context, tx bun.IDB, s *deptSchema, deleted []int64) error {
	_, err := tx.NewUpdate().TableExpr("? AS u", s.users).
		Set("? = (SELECT MIN(du.?) FROM ? AS du WHERE du.? = u.?)",
			bun.Ident("mainDepartmentId"), bun.Ident("departmentId"), bun.Ident("departmentsUsers"), bun.Ident("userId"), bun.Ident("id")).
		Set("? = ?", bun.Ident("updatedAt"), time.Now().UTC()).
		Where("u.? IN (?)", bun.Ident("mainDepartmentId"), bun.List(deleted)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("users: sync departments: refilling main departments: %w", err)
	}
	return nil
}

// applyParents sets the parents of the chunk's new and moved departments
// that exist now, and leaves the others to a deferred step.
func (a *deptApply) applyParents(ctx context.Context, tx bun.IDB, plan *datasync.ResourcePlan) error {
	want := map[int64]string{} // department → parent uid ("" for none)
	for _, c := range plan.Creates {
		if c.ParentUID != "" {
			want[a.created[c.UID]] = c.ParentUID
		}
	}
	for _, m := range plan.Moves {
		id, _ := parsePK(m.PK)
		want[id] = m.ToUID
		if from, ok := parsePK(m.FromPK); ok {
			a.leaves[from] = true
		}
	}
	var uids []string
	for _, uid := range want {
		if uid != "" {
			uids = append(uids, uid)
		}
	}
	found, err := resolveParentPKs(ctx, tx, a.s, a.b, uids, a.created)
	if err != nil {
		return err
	}
	for id, uid := range want {
		if uid == "" {
			a.parents[id] = nil
			continue
		}
		pk, ok := found[uid]
		if !ok {
			a.later[id] = uid
			continue
		}
		a.parents[id] = &pk
		a.leaves[pk] = true
	}
	return setParents(ctx, tx, a.s, a.parents)
}

// applyLaterParents runs once every chunk is applied: it gives the
// departments whose parent a later chunk created that parent. A parent
// that was never created (its record failed) means no parent, as an
// unknown parentUid does.
func applyLaterParents(ctx context.Context, tx bun.IDB, s *deptSchema, b *datasync.Batch, later map[int64]string) error {
	uids := make([]string, 0, len(later))
	for _, uid := range later {
		uids = append(uids, uid)
	}
	found, err := resolveParentPKs(ctx, tx, s, b, uids, nil)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(later))
	for id := range later {
		ids = append(ids, id)
	}
	var old []struct {
		ParentID int64 `bun:"parentId"`
	}
	if err := tx.NewSelect().TableExpr("?", s.table.SQLName).Column("parentId").
		Where("? IN (?)", bun.Ident("id"), bun.List(ids)).Where("? IS NOT NULL", bun.Ident("parentId")).
		Scan(ctx, &old); err != nil {
		return fmt.Errorf("users: sync departments: reading parents: %w", err)
	}
	leaves := map[int64]bool{}
	for _, o := range old {
		leaves[o.ParentID] = true
	}
	parents := make(map[int64]*int64, len(later))
	for id, uid := range later {
		if pk, ok := found[uid]; ok {
			parents[id] = &pk
			leaves[pk] = true
		} else {
			parents[id] = nil
		}
	}
	if err := setParents(ctx, tx, s, parents); err != nil {
		return err
	}
	return refreshLeaves(ctx, tx, s, leaves)
}
