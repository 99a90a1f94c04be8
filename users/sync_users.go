package users

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/feature"
	"github.com/uptrace/bun/schema"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/sqllist"
)

// usersSyncOmit are the record keys the users resource strips silently:
// NocoBase's (C.8) and, beyond them, what the server or the departments
// resource owns (mainDepartmentId, passwordChangeTz). "password" is not a
// column the bulk writes set: Transform turns it into its stored form and
// the resource writes it on its own (sync_password.go). "enabled" is
// written when a record has it (a source's disable field) and left alone
// when not; a root user is never disabled.
var usersSyncOmit = []string{
	"id", "uid", "createdAt", "updatedAt", "appLang", "resetToken", "systemSettings", "password", "sort",
	"createdById", "updatedById", "isDeleted", "departments",
	"mainDepartmentId", "passwordChangeTz",
	// "roles" is the roles resource's; "missingSince" the manager's mark
	// of a user its source no longer has; "sourceData" the source's own
	// form of the record.
	"roles", datasync.MissingSinceKey, datasync.SourceDataKey,
}

// enabledColumn is the user's enabled flag.
const enabledColumn = "enabled"

// usersResource is the resource's name: its links' "resource" column.
const usersResource = "users"

// Reasons the users resource gives in its plans.
const (
	reasonUserVanished = "the linked user no longer exists"
	reasonRootKept     = "a root user is never deleted"
	reasonRootEnabled  = "a root user is never disabled"
	reasonAlreadyGone  = "already gone"
	reasonAdopts       = "adopts the existing user with the same "
)

// UsersSyncResource is the datasync resource "users", NocoBase's
// UserDataSyncResource done set-based: it creates, updates and deletes
// users from "user" records, a chunk at a time, in a few statements per
// chunk.
//
// Every column of the user model is written from the record key of the
// same name (a host's extended model's custom columns too), except the
// system fields: id, uid, createdAt, updatedAt, appLang, resetToken,
// systemSettings, sort, createdById, updatedById, isDeleted and
// departments, as in NocoBase, and mainDepartmentId and passwordChangeTz,
// which the server and the departments resource own ("roles" is the roles
// resource's, [datasync.SourceDataKey] the source's own form of the
// record). The plan lists other keys in Ignored. A value of the wrong
// type fails its record. "enabled" is written when a record has it.
//
// "password" is the source's password in the format its policy names
// (Policy.PasswordFormat): [UsersSyncResource.Transform] turns it into a
// hash before the record is stored, so that no sync record, plan or log
// holds the plaintext; plans show it as datasync.Redacted. A created user
// gets the record's password, or, without one, a random value that marks
// it must reset it ([PasswordMustReset]). An existing user gets it when it
// changed since the record's previous sync and the source owns passwords;
// the write sets passwordChangeTz, as the user's own password change does.
//
// On a user that exists, only the fields the source's policy owns are
// written (Policy.Owns: "ownedFields", "editableWhileSynced"), and the
// plan lists no other; a new user, and a user adopted (its first sync),
// gets every field.
//
// A record seen for the first time creates a user; with the matchKey
// "email", "phone" or "username" it adopts the existing user with the
// same value instead, unless a sync record (of any source) is already
// linked to that user (one user never belongs to two source records) or
// the user has the root role, which is never adopted: both fail the
// record. A linked record updates the changed fields of its user, or
// re-creates the user if it was deleted meanwhile. A username, email or
// phone (or other unique column) that another user has, or that an
// earlier record of the run takes, fails the record; the message names
// the uid and the field, never the value.
//
// "isDeleted": true deletes a linked user with its memberships and roles,
// unless it has the root role, and removes the link so that a record sent
// again does not bring the user back. Unlike NocoBase, an isDeleted record
// that is not linked does nothing: it neither creates a user nor deletes
// one it would match by email, since the source cannot prove it owns it.
type UsersSyncResource struct {
	model any
	// depts is the departments resource registered after this one
	// (RegisterSyncResources), nil alone. With it, a created user gets its
	// main department in the INSERT: an UPDATE of every new user after
	// would rewrite each index of the row.
	depts *DepartmentsSyncResource
	// passwords are the host's password formats (Transform).
	passwords map[string]PasswordTransformer
	// memo spares re-syncs of unchanged plaintext passwords their argon2id.
	memo *passwordMemo
}

var (
	_ datasync.BatchResource = (*UsersSyncResource)(nil)
	_ datasync.Preparer      = (*UsersSyncResource)(nil)
)

// NewUsersSyncResource returns the users resource for the user model of
// opts (User by default).
func NewUsersSyncResource(opts Options) *UsersSyncResource {
	model := opts.UserModel
	if model == nil {
		model = (*User)(nil)
	}
	return &UsersSyncResource{model: model, passwords: opts.PasswordTransformers, memo: newPasswordMemo()}
}

// Name is "users".
func (r *UsersSyncResource) Name() string { return usersResource }

// Accepts is [user].
func (r *UsersSyncResource) Accepts() []datasync.DataType {
	return []datasync.DataType{datasync.DataTypeUser}
}

// checkMatchKey refuses a matchKey the resource cannot match users by.
func checkMatchKey(matchKey string) error {
	switch matchKey {
	case "", "uid", "email", "phone", "username":
		return nil
	}
	return &datasync.DataError{Message: fmt.Sprintf("matchKey %s is not supported: use uid, email, phone or username", matchKey)}
}

// Prepare checks the matchKey before anything is planned.
func (r *UsersSyncResource) Prepare(_ context.Context, _ bun.IDB, data *datasync.UserData, _ *datasync.Batch) error {
	return checkMatchKey(data.MatchKey)
}

// PlanBatch plans the chunk: the users to create, update (with the changed
// fields), delete or keep, and the records that fail. It reads the
// chunk's users, the users holding the chunk's unique values, their links
// and root roles in at most five queries.
func (r *UsersSyncResource) PlanBatch(ctx context.Context, db bun.IDB, batch *datasync.Batch) (*datasync.ResourcePlan, error) {
	if err := checkMatchKey(batch.MatchKey); err != nil {
		return nil, err
	}
	plan := &datasync.ResourcePlan{Resource: usersResource}
	if len(batch.Records) == 0 {
		return plan, nil
	}
	p := &userPlanner{
		f: newSyncFields(db, r.model, usersSyncOmit...), db: db, batch: batch, plan: plan,
		start: batch.Records[0].Index, matchCol: -1, ignored: map[string]bool{},
	}
	if r.depts != nil {
		if p.mainField = mainDepartmentField(p.f); p.mainField != nil {
			p.depts = r.depts.schema(db)
			runOf(batch).mainAtInsert = true
		}
	}
	if batch.MatchKey != "" && batch.MatchKey != "uid" {
		p.matchCol = slices.IndexFunc(p.f.unique, func(fl *schema.Field) bool { return fl.Name == batch.MatchKey })
		if p.matchCol < 0 {
			return nil, &datasync.DataError{Message: fmt.Sprintf("matchKey %s is not a unique column of the user model", batch.MatchKey)}
		}
	}
	if batch.DryRun {
		// Nothing is written: the claims of the earlier chunks stand in for
		// their writes, so each chunk plans as the real run will.
		p.claims = batch.RunState(dryClaimsKey{}, func() any { return newUserClaims() }).(*userClaims)
	} else {
		// The run's earlier chunks are in the database already.
		p.claims = newUserClaims()
	}
	if err := p.run(ctx); err != nil {
		return nil, err
	}
	return plan, nil
}

// dryClaimsKey is the RunState key of a dry run's userClaims.
type dryClaimsKey struct{}

// userPlanner plans one chunk.
type userPlanner struct {
	f      *syncFields
	db     bun.IDB
	batch  *datasync.Batch
	plan   *datasync.ResourcePlan
	claims *userClaims
	// start is the chunk's first record index: claims made while planning
	// it are tagged with it.
	start int
	// matchCol is the matchKey's index in f.unique; -1 when unlinked
	// records always create.
	matchCol int
	// mainField is the user model's mainDepartmentId, set at insert when
	// not nil; depts is then the departments' schema.
	mainField *schema.Field
	depts     *deptSchema

	recs     []userRecord
	exists   map[int64]bool          // linked users the chunk only needs to know exist
	rows     map[int64]reflect.Value // users read in full: linked ones, and holders of the chunk's unique values
	holders  map[claimKey]int64      // unique value → the user holding it in the database
	linked   map[int64]bool          // holders of matchKey values that a sync record links to
	roots    map[int64]bool          // users to delete that have the root role
	deleting map[int64]bool          // users the chunk deletes (first, before it writes anything else)
	ignored  map[string]bool
}

// userRecord is a chunk record as the planner sees it.
type userRecord struct {
	rec *datasync.BatchRecord
	// linkPK is the primary key of the record's first link from before the
	// run ("" when not linked); pk is it as a number (0 when it is not
	// one, which no user has).
	linkPK  string
	pk      int64
	deleted bool // "isDeleted": true
	vals    map[string]any
	err     error // values that do not fit their columns
	// password is the stored form of the record's password (hasPassword);
	// pwRefused why the record's password was refused (see Transform).
	password    string
	hasPassword bool
	pwRefused   string
	main        *int64 // the main department if the record creates its user (see newUserMain)
}

func (ur *userRecord) uid() string  { return ur.rec.SourceUk }
func (ur *userRecord) linked() bool { return ur.linkPK != "" }

// firstLink is the primary key of the record's first link to a user from
// before the run ("" for none). A link made during the run, or a dry run's
// planned one, does not count: the record is not linked yet.
func firstLink(rec *datasync.BatchRecord) string {
	for _, l := range rec.Resources {
		if l.Resource == usersResource && !l.New {
			return l.ResourcePk
		}
	}
	return ""
}

func (p *userPlanner) run(ctx context.Context) error {
	p.recs = make([]userRecord, len(p.batch.Records))
	for i := range p.batch.Records {
		ur := &p.recs[i]
		ur.rec = &p.batch.Records[i]
		ur.linkPK = firstLink(ur.rec)
		ur.deleted = ur.rec.MetaData.IsDeleted()
		if pk, err := strconv.ParseInt(ur.linkPK, 10, 64); err == nil && pk > 0 {
			ur.pk = pk
		}
	}
	if err := p.load(ctx); err != nil {
		return err
	}
	p.markDeletes()
	for i := range p.recs {
		p.planRecord(&p.recs[i])
	}
	for pk := range p.deleting {
		p.claims.gone[pk] = true
	}
	for key := range p.ignored {
		p.plan.Ignored = append(p.plan.Ignored, key)
	}
	slices.Sort(p.plan.Ignored)
	return nil
}

// skipped reports whether the record is left alone without reading its
// user's columns: its content is unchanged since the last sync and its
// user still exists.
func (p *userPlanner) skipped(ur *userRecord) bool {
	return ur.rec.Unchanged && p.exists[ur.pk]
}

// writes reports whether the record creates or updates a user.
func (p *userPlanner) writes(ur *userRecord) bool {
	return !p.skipped(ur) && !ur.deleted
}

// convert converts the record's values.
func (p *userPlanner) convert(ur *userRecord) {
	vals, ignored, err := p.f.convert(ur.rec.MetaData)
	ur.vals, ur.err = vals, err
	ur.password, ur.hasPassword, ur.pwRefused = recordPassword(ur.rec.MetaData)
	for _, key := range ignored {
		p.ignored[key] = true
	}
}

// load reads, in bulk, what the chunk's plan depends on.
func (p *userPlanner) load(ctx context.Context) error {
	var present, full []int64
	for i := range p.recs {
		ur := &p.recs[i]
		switch {
		case ur.pk == 0:
		case ur.rec.Unchanged || ur.deleted:
			present = append(present, ur.pk)
		default:
			full = append(full, ur.pk)
		}
	}
	if err := p.loadExisting(ctx, present); err != nil {
		return err
	}
	for i := range p.recs {
		if ur := &p.recs[i]; p.writes(ur) {
			p.convert(ur)
		}
	}
	p.rows = map[int64]reflect.Value{}
	if len(full) > 0 {
		err := p.loadRows(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("?TableAlias.? IN (?)", bun.Ident(p.f.pk.Name), bun.List(full))
		})
		if err != nil {
			return err
		}
	}
	if err := p.loadHolders(ctx); err != nil {
		return err
	}
	if err := p.loadLinked(ctx); err != nil {
		return err
	}
	if err := p.loadRoots(ctx); err != nil {
		return err
	}
	return p.loadNewMains(ctx)
}

// loadNewMains works out the main department of each user the chunk may
// create, when the resource sets it at insert. The department lookups go
// to the departments resource's run cache, which it then reads.
func (p *userPlanner) loadNewMains(ctx context.Context) error {
	if p.mainField == nil {
		return nil
	}
	var recs []*userRecord
	var entries [][]datasync.UserDepartment
	for i := range p.recs {
		ur := &p.recs[i]
		if _, has := p.rows[ur.pk]; has || !p.writes(ur) || ur.err != nil {
			continue
		}
		// A malformed field gives no main: the departments resource fails
		// the record.
		if es, err := ur.rec.MetaData.Departments(); err == nil && len(es) > 0 {
			recs, entries = append(recs, ur), append(entries, es)
		}
	}
	if len(recs) == 0 {
		return nil
	}
	run := runOf(p.batch)
	if err := run.resolve(ctx, p.db, p.depts, p.batch, slices.Concat(entries...)); err != nil {
		return err
	}
	for i, ur := range recs {
		ur.main = newUserMain(entries[i], run.depts)
	}
	return nil
}

// mainDepartmentField is the user model's mainDepartmentId column, nil
// if it has none of an integer type.
func mainDepartmentField(f *syncFields) *schema.Field {
	fl := f.table.FieldMap[mainDepartmentColumn]
	if fl == nil {
		return nil
	}
	switch fl.IndirectType.Kind() {
	case reflect.Int, reflect.Int64:
		return fl
	}
	return nil
}

// mainDepartmentColumn is the user's main department.
const mainDepartmentColumn = "mainDepartmentId"

// loadExisting learns which of pks are users, reading only their keys.
func (p *userPlanner) loadExisting(ctx context.Context, pks []int64) error {
	p.exists = map[int64]bool{}
	if len(pks) == 0 {
		return nil
	}
	want := make(map[int64]bool, len(pks))
	for _, pk := range pks {
		want[pk] = true
	}
	q := p.db.NewSelect().Model(p.f.table.ZeroIface).Column(p.f.pk.Name)
	lo, hi := slices.Min(pks), slices.Max(pks)
	if hi-lo < 2*int64(len(pks)) {
		// A chunk's users were mostly created together, by an earlier run
		// of the same records: their key range holds few others, and is
		// cheaper to read than a list of every key is to parse.
		q = q.Where("?TableAlias.? BETWEEN ? AND ?", bun.Ident(p.f.pk.Name), lo, hi)
	} else {
		q = q.Where("?TableAlias.? IN (?)", bun.Ident(p.f.pk.Name), bun.List(pks))
	}
	var ids []int64
	if err := q.Scan(ctx, &ids); err != nil {
		return fmt.Errorf("users: sync: look up linked users: %w", err)
	}
	for _, id := range ids {
		if want[id] && !p.claims.gone[id] {
			p.exists[id] = true
		}
	}
	return nil
}

// loadRows reads users (their key and writable columns) into p.rows.
func (p *userPlanner) loadRows(ctx context.Context, where func(*bun.SelectQuery) *bun.SelectQuery) error {
	models := p.f.newModels(0)
	err := where(p.db.NewSelect().Model(models.Interface()).Column(p.f.columns...)).Scan(ctx)
	if err != nil {
		return fmt.Errorf("users: sync: read users: %w", err)
	}
	rows := models.Elem()
	for i := range rows.Len() {
		v := rows.Index(i).Elem()
		p.rows[p.f.pkOf(v)] = v
	}
	return nil
}

// loadHolders reads the users that hold the unique values the chunk's
// records would write, in one query.
func (p *userPlanner) loadHolders(ctx context.Context) error {
	p.holders = map[claimKey]int64{}
	lists := p.uniqueValues()
	if len(lists) == 0 {
		return nil
	}
	err := p.loadRows(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
		for col, list := range lists {
			q = q.WhereOr("?", inValues(p.db, bun.Ident(p.f.unique[col].Name), list))
		}
		return q
	})
	if err != nil {
		return err
	}
	for pk, v := range p.rows {
		for col, fl := range p.f.unique {
			if key, ok := valueKey(fl, current(fl, v)); ok {
				p.holders[claimKey{col, key}] = pk
			}
		}
	}
	return nil
}

// inValues is "column IN values", as one argument when the values are all
// strings (they are for the built-in unique columns).
func inValues(db bun.IDB, column bun.Ident, values []any) schema.QueryWithArgs {
	texts := make([]string, len(values))
	for i, v := range values {
		s, ok := v.(string)
		if !ok {
			return bun.SafeQuery("? IN (?)", column, bun.List(values))
		}
		texts[i] = s
	}
	return sqllist.InTexts(db, column, texts)
}

// uniqueValues lists, per unique column, the distinct values the chunk's
// records would write to another user than the one that has them.
func (p *userPlanner) uniqueValues() map[int][]any {
	lists := map[int][]any{}
	seen := map[claimKey]bool{}
	for i := range p.recs {
		ur := &p.recs[i]
		if !p.writes(ur) || ur.err != nil {
			continue
		}
		row, hasRow := p.rows[ur.pk]
		for col, fl := range p.f.unique {
			v, ok := ur.vals[fl.Name]
			if !ok || hasRow && sameValue(fl, current(fl, row), v) {
				continue // a user's own value needs no check
			}
			key, notNull := valueKey(fl, v)
			if ck := (claimKey{col, key}); notNull && !seen[ck] {
				seen[ck] = true
				lists[col] = append(lists[col], v)
			}
		}
	}
	return lists
}

// loadLinked learns which users holding the chunk's matchKey values a
// sync record (of any source) links to: those cannot be adopted.
func (p *userPlanner) loadLinked(ctx context.Context) error {
	p.linked = map[int64]bool{}
	if p.matchCol < 0 {
		return nil
	}
	var pks []string
	fl := p.f.unique[p.matchCol]
	for i := range p.recs {
		ur := &p.recs[i]
		if ur.linked() || !p.writes(ur) || ur.err != nil {
			continue
		}
		key, ok := valueKey(fl, ur.vals[fl.Name])
		if pk, held := p.holders[claimKey{p.matchCol, key}]; ok && held {
			pks = append(pks, strconv.FormatInt(pk, 10))
		}
	}
	if len(pks) == 0 {
		return nil
	}
	var linked []string
	err := p.db.NewSelect().Model((*datasync.SyncRecordResource)(nil)).Column("resourcePk").
		Where("?TableAlias.? = ?", bun.Ident("resource"), usersResource).
		Where("?TableAlias.? IN (?)", bun.Ident("resourcePk"), bun.List(pks)).Scan(ctx, &linked)
	if err != nil {
		return fmt.Errorf("users: sync: look up the links of users to adopt: %w", err)
	}
	for _, s := range linked {
		if pk, err := strconv.ParseInt(s, 10, 64); err == nil {
			p.linked[pk] = true
		}
	}
	return nil
}

// loadRoots learns which users the chunk would delete, disable or adopt
// have the root role.
func (p *userPlanner) loadRoots(ctx context.Context) error {
	p.roots = map[int64]bool{}
	var pks []int64
	for i := range p.recs {
		ur := &p.recs[i]
		switch {
		case ur.rec.Unchanged:
		case ur.deleted && p.exists[ur.pk]:
			pks = append(pks, ur.pk)
		case ur.vals[enabledColumn] == false:
			pks = append(pks, p.disableTargets(ur)...)
		case !ur.linked():
			pks = append(pks, p.matchHolder(ur)...)
		}
	}
	if len(pks) == 0 {
		return nil
	}
	var roots []int64
	err := p.db.NewSelect().Model((*RoleUser)(nil)).Column("userId").
		Where("?TableAlias.? = ?", bun.Ident("roleName"), RootRole).
		Where("?TableAlias.? IN (?)", bun.Ident("userId"), bun.List(pks)).Scan(ctx, &roots)
	if err != nil {
		return fmt.Errorf("users: sync: look up root users: %w", err)
	}
	for _, pk := range roots {
		p.roots[pk] = true
	}
	return nil
}

// disableTargets are the existing users a record that disables its user
// may write: its linked user, or the one it would adopt.
func (p *userPlanner) disableTargets(ur *userRecord) []int64 {
	var pks []int64
	if _, ok := p.rows[ur.pk]; ok {
		pks = append(pks, ur.pk)
	}
	return append(pks, p.matchHolder(ur)...)
}

// matchHolder is the user holding the record's matchKey value in the
// database: the one it would adopt (none, or one).
func (p *userPlanner) matchHolder(ur *userRecord) []int64 {
	if p.matchCol < 0 {
		return nil
	}
	fl := p.f.unique[p.matchCol]
	if key, ok := valueKey(fl, ur.vals[fl.Name]); ok {
		if pk, held := p.holders[claimKey{p.matchCol, key}]; held {
			return []int64{pk}
		}
	}
	return nil
}

// owned is vals without the fields the source's policy leaves to local
// edits on existing users. "enabled" is the source's whenever it sends it.
func (p *userPlanner) owned(vals map[string]any) map[string]any {
	pol := p.batch.Policy()
	if pol.OwnedFields == nil && len(pol.NotOwned) == 0 {
		return vals
	}
	out := make(map[string]any, len(vals))
	for k, v := range vals {
		if k == enabledColumn || pol.Owns(k) {
			out[k] = v
		}
	}
	return out
}

// markDeletes finds the users the chunk deletes. They go first when the
// chunk is applied, so their unique values are free for the chunk's
// other records, and a record cannot adopt one of them.
func (p *userPlanner) markDeletes() {
	p.deleting = map[int64]bool{}
	for i := range p.recs {
		ur := &p.recs[i]
		if p.deletes(ur) {
			p.deleting[ur.pk] = true
		}
	}
}

// deletes reports whether the record deletes its user.
func (p *userPlanner) deletes(ur *userRecord) bool {
	return ur.deleted && !p.skipped(ur) && p.exists[ur.pk] && !p.roots[ur.pk]
}

func (p *userPlanner) planRecord(ur *userRecord) {
	switch {
	case p.skipped(ur):
		p.plan.Unchanged++
	case ur.deleted:
		p.planDelete(ur)
	case ur.err != nil:
		p.fail(ur, ur.err.Error())
	case ur.pwRefused != "":
		p.fail(ur, ur.pwRefused)
	case ur.linked():
		if row, ok := p.rows[ur.pk]; ok && !p.claims.gone[ur.pk] {
			p.planUpdate(ur, ur.pk, row, "")
		} else {
			p.planCreate(ur, reasonUserVanished)
		}
	default:
		p.planUnlinked(ur)
	}
}

func (p *userPlanner) fail(ur *userRecord, msg string) {
	p.plan.Failures = append(p.plan.Failures, datasync.FailedRecord{
		Record: redactPassword(ur.rec.MetaData), Message: fmt.Sprintf("uid %q: %s", ur.uid(), msg),
	})
}

// failConflict fails the record for taking field's value from another
// user; its Err matches datasync.ErrConflict, for callers (a SCIM server's
// 409) to tell a clash from other failures.
func (p *userPlanner) failConflict(ur *userRecord, field string) {
	msg := fmt.Sprintf("uid %q: field %q is already used by another user", ur.uid(), field)
	p.plan.Failures = append(p.plan.Failures, datasync.FailedRecord{
		Record: redactPassword(ur.rec.MetaData), Message: msg, Err: fmt.Errorf("%s: %w", msg, datasync.ErrConflict),
	})
}

// planDelete plans an isDeleted record: NocoBase's updateUser with
// isDeleted, for linked records only.
func (p *userPlanner) planDelete(ur *userRecord) {
	switch {
	case !ur.linked():
		p.plan.Unchanged++
	case !p.exists[ur.pk]:
		p.plan.Deletes = append(p.plan.Deletes, datasync.RecordChange{UID: ur.uid(), PK: ur.linkPK, Reason: reasonAlreadyGone})
	case p.roots[ur.pk]:
		p.plan.Kept = append(p.plan.Kept, datasync.RecordChange{UID: ur.uid(), PK: ur.linkPK, Reason: reasonRootKept})
	default:
		p.plan.Deletes = append(p.plan.Deletes, datasync.RecordChange{UID: ur.uid(), PK: ur.linkPK})
	}
}

// planUpdate plans writing the record's changed values to the user pk
// (row) and reports whether it did (rather than fail the record). reason
// is set when the record adopts the user: the update is then planned even
// with nothing to change, since the link is written.
func (p *userPlanner) planUpdate(ur *userRecord, pk int64, row reflect.Value, reason string) bool {
	adopts := reason != ""
	vals := ur.vals
	if !adopts {
		// An adoption is the user's first sync: it writes every field.
		vals = p.owned(vals)
	}
	changed, previous := p.f.changed(row, vals)
	if p.passwordChanged(ur, adopts) {
		if changed == nil {
			changed, previous = map[string]any{}, map[string]any{}
		}
		changed[passwordColumn], previous[passwordColumn] = passwordRedacted, passwordRedacted
	}
	if changed[enabledColumn] == false && p.roots[pk] {
		delete(changed, enabledColumn)
		delete(previous, enabledColumn)
		p.plan.Kept = append(p.plan.Kept, datasync.RecordChange{UID: ur.uid(), PK: strconv.FormatInt(pk, 10), Reason: reasonRootEnabled})
	}
	if field, clash := p.clash(pk, changed, false); clash {
		p.failConflict(ur, field)
		return false
	}
	if len(changed) == 0 && reason == "" {
		p.plan.Unchanged++
		return true
	}
	p.plan.Updates = append(p.plan.Updates, datasync.RecordChange{
		UID: ur.uid(), PK: strconv.FormatInt(pk, 10), Values: changed, Previous: previous, Reason: reason,
	})
	p.claims.claim(p.f, pk, changed, p.start)
	return true
}

// planCreate plans a new user with the record's values.
func (p *userPlanner) planCreate(ur *userRecord, reason string) {
	if field, clash := p.clash(0, ur.vals, true); clash {
		p.failConflict(ur, field)
		return
	}
	vals := ur.vals
	if ur.main != nil || ur.hasPassword {
		vals = maps.Clone(ur.vals)
	}
	if ur.main != nil {
		vals[mainDepartmentColumn] = *ur.main
	}
	if ur.hasPassword {
		vals[passwordColumn] = passwordRedacted
	}
	p.plan.Creates = append(p.plan.Creates, datasync.RecordChange{UID: ur.uid(), Values: vals, Reason: reason})
	p.claims.claim(p.f, 0, ur.vals, p.start)
}

// planUnlinked plans a record seen for the first time (or whose user the
// run has not linked yet): adopt the user with its matchKey value, if
// there is one nobody synced, else create one.
func (p *userPlanner) planUnlinked(ur *userRecord) {
	if p.matchCol < 0 {
		p.planCreate(ur, "")
		return
	}
	fl := p.f.unique[p.matchCol]
	key, ok := valueKey(fl, ur.vals[fl.Name])
	if !ok {
		p.planCreate(ur, "")
		return
	}
	pk, inRun, found := p.holder(claimKey{p.matchCol, key}, true)
	switch {
	case !found:
		p.planCreate(ur, "")
	case inRun || p.linked[pk] || p.claims.adopted[pk]:
		p.fail(ur, fmt.Sprintf("the user with the same %s is already synced from another record", fl.Name))
	case p.roots[pk]:
		p.fail(ur, fmt.Sprintf("the user with the same %s is a root user and is never adopted", fl.Name))
	default:
		if p.planUpdate(ur, pk, p.rows[pk], reasonAdopts+fl.Name) {
			p.plan.Updates[len(p.plan.Updates)-1].Adopted = true
			p.claims.adopted[pk] = true
		}
	}
}

// clash reports the first unique column whose value in vals another user
// than pk (0: a user to create) has.
func (p *userPlanner) clash(pk int64, vals map[string]any, create bool) (string, bool) {
	for col, fl := range p.f.unique {
		v, ok := vals[fl.Name]
		if !ok {
			continue
		}
		key, ok := valueKey(fl, v)
		if !ok {
			continue
		}
		if holder, _, found := p.holder(claimKey{col, key}, create); found && (holder == 0 || holder != pk) {
			return fl.Name, true
		}
	}
	return "", false
}

// holder finds the user that has a unique value at this point of the run:
// one that an earlier record of the run gave it (inRun; 0 for a user the
// run creates), else the one the database holds it in, unless the run
// deletes that user or changed the value. A value an update of this
// chunk frees is free only for a create: the chunk's updates run as one
// statement, which must not take a value another row still has.
func (p *userPlanner) holder(ck claimKey, create bool) (pk int64, inRun, found bool) {
	if pk, ok := p.claims.held[ck]; ok {
		return pk, true, true
	}
	pk, ok := p.holders[ck]
	if !ok || p.deleting[pk] || p.claims.gone[pk] {
		return 0, false, false
	}
	if at, ok := p.claims.released[releaseKey{ck.col, pk}]; ok && (at != p.start || create) {
		return 0, false, false
	}
	return pk, false, true
}

// claimKey is a value of a unique column (its index in syncFields.unique).
type claimKey struct {
	col int
	key string
}

// releaseKey is a user's stored value of a unique column.
type releaseKey struct {
	col int
	pk  int64
}

// userClaims is what a run's planned writes change about who holds which
// unique value: within a chunk, and for a dry run across its chunks (a
// real run's earlier chunks are in the database already).
type userClaims struct {
	held map[claimKey]int64 // value → the user it was given (0: one the run creates)
	// released are users whose stored value of a column was changed, with
	// the first record index of the chunk that changed it.
	released map[releaseKey]int
	gone     map[int64]bool // users deleted
	adopted  map[int64]bool // users adopted: linked now
}

func newUserClaims() *userClaims {
	return &userClaims{
		held: map[claimKey]int64{}, released: map[releaseKey]int{},
		gone: map[int64]bool{}, adopted: map[int64]bool{},
	}
}

// claim records that user pk (0: a new one) gets the unique values in
// vals, in the chunk starting at start.
func (c *userClaims) claim(f *syncFields, pk int64, vals map[string]any, start int) {
	for col, fl := range f.unique {
		v, ok := vals[fl.Name]
		if !ok {
			continue
		}
		if pk != 0 {
			c.released[releaseKey{col, pk}] = start
		}
		if key, ok := valueKey(fl, v); ok {
			c.held[claimKey{col, key}] = pk
		}
	}
}

// createdUsersKey is the RunState key of the users the users resource
// created in the chunk it applied last. The departments resource plans
// that chunk next: it tells these users from adopted ones (both are
// linked during the run) and knows they have no memberships yet.
type createdUsersKey struct{}

type createdUsers struct {
	byUID map[string]string // record uid → the created user's key
}

// ApplyBatch writes the plan: the deletes (with the users' memberships and
// roles), then the updates as one bulk UPDATE per set of changed columns,
// then the creates as one bulk INSERT. It returns the links to add and
// remove: the created and adopted users, the deleted ones, and the links
// of users that had vanished.
func (r *UsersSyncResource) ApplyBatch(ctx context.Context, tx bun.IDB, batch *datasync.Batch, plan *datasync.ResourcePlan) ([]datasync.LinkChange, error) {
	f := newSyncFields(tx, r.model, usersSyncOmit...)
	records := make(map[string]*datasync.BatchRecord, len(batch.Records))
	for i := range batch.Records {
		records[batch.Records[i].SourceUk] = &batch.Records[i]
	}
	var changes []datasync.LinkChange
	deleted, err := deleteSyncedUsers(ctx, tx, f, plan.Deletes)
	if err != nil {
		return nil, err
	}
	changes = append(changes, deleted...)
	updates, passwords, err := splitPasswords(plan.Updates, records)
	if err != nil {
		return nil, err
	}
	if err := updateChanged(ctx, tx, f, updates); err != nil {
		return nil, err
	}
	if err := writeSyncedPasswords(ctx, tx, f, passwords); err != nil {
		return nil, err
	}
	for _, ch := range plan.Updates {
		if rec := records[ch.UID]; rec == nil || firstLink(rec) != ch.PK {
			changes = append(changes, datasync.LinkChange{UID: ch.UID, ResourcePk: ch.PK}) // adopted
		}
	}
	createPws, err := createPasswords(plan.Creates, records)
	if err != nil {
		return nil, err
	}
	created, err := createSyncedUsers(ctx, tx, f, plan.Creates, createPws)
	if err != nil {
		return nil, err
	}
	fresh := make(map[string]string, len(created))
	batch.RunState(createdUsersKey{}, func() any { return &createdUsers{} }).(*createdUsers).byUID = fresh
	for i, ch := range plan.Creates {
		fresh[ch.UID] = created[i]
		if rec := records[ch.UID]; rec != nil && firstLink(rec) != "" {
			changes = append(changes, datasync.LinkChange{UID: ch.UID, ResourcePk: firstLink(rec), IsDeleted: true})
		}
		changes = append(changes, datasync.LinkChange{UID: ch.UID, ResourcePk: created[i]})
	}
	return changes, nil
}

// deleteSyncedUsers deletes the users of the planned deletes with their
// memberships and roles, and returns the links to remove (those of users
// already gone too).
func deleteSyncedUsers(ctx context.Context, tx bun.IDB, f *syncFields, deletes []datasync.RecordChange) ([]datasync.LinkChange, error) {
	changes := make([]datasync.LinkChange, 0, len(deletes))
	var pks []int64
	for _, ch := range deletes {
		changes = append(changes, datasync.LinkChange{UID: ch.UID, ResourcePk: ch.PK, IsDeleted: true})
		if ch.Reason == reasonAlreadyGone {
			continue
		}
		pk, err := strconv.ParseInt(ch.PK, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("users: sync: delete uid %q: primary key %q: %w", ch.UID, ch.PK, err)
		}
		pks = append(pks, pk)
	}
	if len(pks) == 0 {
		return changes, nil
	}
	for _, q := range []*bun.DeleteQuery{
		tx.NewDelete().Model((*DepartmentUser)(nil)).Where("?TableAlias.? IN (?)", bun.Ident("userId"), bun.List(pks)),
		tx.NewDelete().Model((*RoleUser)(nil)).Where("?TableAlias.? IN (?)", bun.Ident("userId"), bun.List(pks)),
		tx.NewDelete().Model(f.table.ZeroIface).Where("?TableAlias.? IN (?)", bun.Ident(f.pk.Name), bun.List(pks)),
	} {
		if _, err := q.Exec(ctx); err != nil {
			return nil, fmt.Errorf("users: sync: delete %d users: %w", len(pks), err)
		}
	}
	return changes, nil
}

// createSyncedUsers inserts the planned creates and returns their primary
// keys, in order: one INSERT, or one per set of defaulted columns (below).
func createSyncedUsers(ctx context.Context, tx bun.IDB, f *syncFields, creates []datasync.RecordChange, passwords []string) ([]string, error) {
	if len(creates) == 0 {
		return nil, nil
	}
	models := f.newModels(len(creates)).Elem()
	mainField := mainDepartmentField(f)
	for i, ch := range creates {
		v := models.Index(i).Elem()
		f.set(v, ch.Values)
		setSyncedPassword(f, v, passwords[i])
		if main, ok := ch.Values[mainDepartmentColumn].(int64); ok && mainField != nil {
			setInt(mainField, v, main)
		}
	}
	hooked := hookColumns(ctx, models.Index(0).Interface(), true)
	for _, group := range defaultGroups(tx, f, models) {
		part := reflect.MakeSlice(models.Type(), len(group), len(group))
		for j, i := range group {
			part.Index(j).Set(models.Index(i))
		}
		p := reflect.New(part.Type())
		p.Elem().Set(part)
		cols := writtenColumns(f, part)
		for _, h := range hooked {
			if !slices.Contains(cols, h) { // the hook's default, unless the record set it
				cols = append(cols, h)
			}
		}
		if _, err := tx.NewInsert().Model(p.Interface()).Column(cols...).Returning("?", bun.Ident(f.pk.Name)).Exec(ctx); err != nil {
			return nil, fmt.Errorf("users: sync: create %d users: %w", len(group), err)
		}
	}
	pks := make([]string, len(creates))
	for i := range creates {
		pk := f.pkOf(models.Index(i).Elem())
		if pk == 0 {
			return nil, fmt.Errorf("users: sync: the insert returned no key for uid %q", creates[i].UID)
		}
		pks[i] = strconv.FormatInt(pk, 10)
	}
	return pks, nil
}

// setInt sets the integer column fl of the row v.
func setInt(fl *schema.Field, v reflect.Value, n int64) {
	val := reflect.ValueOf(n).Convert(fl.IndirectType)
	if fl.IsPtr {
		p := reflect.New(fl.IndirectType)
		p.Elem().Set(val)
		val = p
	}
	fl.Value(v).Set(val)
}

// defaulted reports whether the column takes its default (NULL for one
// without) in the row v: what bun writes as DEFAULT or leaves out.
func defaulted(fl *schema.Field, v reflect.Value) bool {
	return fl.IsPtr && fl.HasNilValue(v) || fl.HasZeroValue(v) && (fl.NullZero || fl.SQLDefault != "")
}

// writtenColumns names the columns an insert of rows writes: all but the
// generated key and those every row leaves to their default (most of a
// synced user's: resetToken, appLang, audit columns …), which shortens
// the statement to format and parse. Columns a hook fills are added by
// the caller: the hook runs after this.
func writtenColumns(f *syncFields, rows reflect.Value) []string {
	cols := make([]string, 0, len(f.table.Fields))
	for _, fl := range f.table.Fields {
		if fl.IsPK {
			continue
		}
		for i := range rows.Len() {
			if !defaulted(fl, rows.Index(i).Elem()) {
				cols = append(cols, fl.Name)
				break
			}
		}
	}
	return cols
}

// defaultGroups splits the models to insert (indexes into models) by
// which of their NOT NULL columns with a default they leave zero. Without
// a DEFAULT placeholder (SQLite) bun would write NULL for such a column
// of a row that leaves it zero; within a group every row agrees, so
// writtenColumns leaves it out. Where the dialect has the placeholder, all
// rows go in one group.
func defaultGroups(tx bun.IDB, f *syncFields, models reflect.Value) [][]int {
	all := make([]int, models.Len())
	for i := range all {
		all[i] = i
	}
	if tx.Dialect().Features().Has(feature.DefaultPlaceholder) {
		return [][]int{all}
	}
	var groups [][]int
	byKey := map[string]int{}
	key := make([]byte, 0, len(f.table.Fields))
	for _, i := range all {
		v := models.Index(i).Elem()
		key = key[:0]
		for _, fl := range f.table.Fields {
			if fl.NotNull && !fl.AutoIncrement {
				key = append(key, "01"[boolIndex(defaulted(fl, v))])
			}
		}
		g, ok := byKey[string(key)]
		if !ok {
			g = len(groups)
			byKey[string(key)] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}
