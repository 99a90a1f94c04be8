package users

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// rolesResource is the roles resource's name: its links' "resource"
// column.
const rolesResource = "roles"

// reasonRoleCreated marks the plan's creates of roles (not memberships).
const reasonRoleCreated = "a role the source names and the policy creates (roles.create)"

// RolesSyncResource is the built-in "roles" datasync resource: the roles
// of synced users (rolesUsers rows), from the "roles" key of user
// records, a list of role names. Several names give several roles; a
// tabular source gathers a user's rows' Role cells into that list. The
// roles a source gave are its own: a later record that no longer lists
// one removes it, and "roles": [] (or null) removes them all. A record
// without the key leaves the user's roles alone: its source carries no
// roles.
//
// Ownership is the departments resource's: the record's links to this
// resource, keyed "<userId>:<roleName>" (the rolesUsers row's key), are
// the memberships its source made. A role the user already holds
// without such a link was given by hand (or by another source) and is
// never removed, nor claimed when the source lists it too. An isDeleted
// record whose user the users resource deleted (with its roles) drops
// its links, so nothing is left behind.
//
// A sync never grants or takes the root role ([RootRole]): a record
// listing it fails, naming it. A name with no row in the roles table
// ([Role]) fails its record ("uid %q: role %q does not exist"), unless
// the source's policy says roles.create ([datasync.Policy.CreateRoles]):
// then the run creates the role, titled with its name, with no strategy,
// grants or snippets: no more rights than a role made by hand.
//
// The plan lists the memberships added as Creates (the user's record
// uid, Values {"roleName": name}, and "userId" for a user that existed
// before the run), those removed as Deletes (PK "<userId>:<roleName>",
// Previous {"roleName": name}), and the roles created as Creates with
// Values {"name", "title"} and a Reason saying so, under the uid of the
// first record naming them. A chunk costs a handful of statements: one
// lookup of the roles not looked up earlier in the run, one read of the
// users' roles, one insert of roles, one of memberships, one delete; a
// chunk of unchanged records or records without "roles" costs none.
type RolesSyncResource struct {
	userModel any
	listener  RolesListener
}

var _ datasync.BatchResource = (*RolesSyncResource)(nil)

// NewRolesSyncResource returns the resource for the user model of opts
// (the same Options as CreateTables).
func NewRolesSyncResource(opts Options) *RolesSyncResource {
	r := &RolesSyncResource{userModel: opts.UserModel, listener: opts.RolesListener}
	if r.userModel == nil {
		r.userModel = (*User)(nil)
	}
	return r
}

// Name is "roles".
func (r *RolesSyncResource) Name() string { return rolesResource }

// Accepts is [user].
func (r *RolesSyncResource) Accepts() []datasync.DataType {
	return []datasync.DataType{datasync.DataTypeUser}
}

// PlanBatch plans the roles of a chunk of user records.
func (r *RolesSyncResource) PlanBatch(ctx context.Context, db bun.IDB, b *datasync.Batch) (*datasync.ResourcePlan, error) {
	plan, work, err := r.planRoles(ctx, db, b)
	if err == nil && !b.DryRun {
		run := roleRunOf(b)
		run.planned, run.work = b, work
	}
	return plan, err
}

// ApplyBatch writes plan, a plan PlanBatch made for b: the roles to
// create, then the memberships to add and remove, each in one statement.
func (r *RolesSyncResource) ApplyBatch(ctx context.Context, tx bun.IDB, b *datasync.Batch, plan *datasync.ResourcePlan) ([]datasync.LinkChange, error) {
	work, err := roleRunOf(b).take(ctx, tx, b, r.planRoles)
	if err != nil {
		return nil, err
	}
	a, err := collectRoleApply(b, plan)
	if err != nil {
		return nil, err
	}
	if err := a.write(ctx, tx); err != nil {
		return nil, err
	}
	if err := r.RolesWritten(ctx, tx, a.createdRoles(), a.changedUsers()); err != nil {
		return nil, fmt.Errorf("users: sync roles: telling the roles listener: %w", err)
	}
	gone, err := goneUserLinks(ctx, tx, r.usersTable(tx), b, rolesResource)
	if err != nil {
		return nil, err
	}
	changes := append(a.changes, work.drop...)
	return append(changes, gone...), nil
}

// roleStatus is what the run knows of a role name.
type roleStatus int8

const (
	roleMissing    roleStatus = iota // no row
	roleExists                       // a row
	roleCreated                      // no row; the run creates it
	roleTitleTaken                   // no row, and another role has the name as its title
)

// roleRunKey is the RunState key of a roleRun.
type roleRunKey struct{}

// roleRun is what the roles resource keeps over the chunks of one run.
type roleRun struct {
	// roles are the names looked up so far: the run writes no role but
	// those it creates, so one lookup per name serves the run.
	roles map[string]roleStatus
	planCarry[*roleWork]
}

func roleRunOf(b *datasync.Batch) *roleRun {
	return b.RunState(roleRunKey{}, func() any { return &roleRun{roles: map[string]roleStatus{}} }).(*roleRun)
}

// roleWork is what ApplyBatch needs beyond the plan: the source's links
// to memberships that are gone already (removed by hand, or of a user
// since re-created) and not wanted. They change no row, so the plan does
// not list them.
type roleWork struct {
	drop []datasync.LinkChange
}

// roleRecord is a user record whose roles are planned.
type roleRecord struct {
	syncedUser
	names []string
}

// planRoles plans a chunk; the second result is the links to drop.
func (r *RolesSyncResource) planRoles(ctx context.Context, db bun.IDB, b *datasync.Batch) (*datasync.ResourcePlan, *roleWork, error) {
	plan := &datasync.ResourcePlan{Resource: rolesResource}
	work := &roleWork{}
	recs := selectRoleRecords(plan, b)
	if len(recs) == 0 {
		return plan, work, nil
	}
	run := roleRunOf(b)
	create := b.Policy().CreateRoles
	if err := run.lookup(ctx, db, recs, create); err != nil {
		return nil, nil, err
	}
	held, err := loadUserRoles(ctx, db, r.usersTable(db), recs)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range recs {
		if m.known && !held.exists[m.userPK] {
			// The user vanished after the users resource ran: nothing to
			// give roles to.
			plan.Unchanged++
			continue
		}
		if err := run.admit(plan, m, create); err != nil {
			plan.Failures = append(plan.Failures, recordFailure(m.rec, err))
			continue
		}
		planUserRoles(plan, work, m, held.roles[m.userPK])
	}
	return plan, work, nil
}

func (r *RolesSyncResource) usersTable(db bun.IDB) schema.Safe {
	return db.Dialect().Tables().Get(typeOf(r.userModel)).SQLName
}

// selectRoleRecords picks the records whose roles may change (see
// selectUserRecords): those without "roles" have none to change.
func selectRoleRecords(plan *datasync.ResourcePlan, b *datasync.Batch) []roleRecord {
	return selectUserRecords(plan, b, carriesRoles, func(u syncedUser) (roleRecord, error) {
		names, err := recordRoles(u.rec.MetaData)
		return roleRecord{syncedUser: u, names: names}, err
	})
}

// carriesRoles reports whether a record has "roles": one without leaves
// its user's roles alone.
func carriesRoles(rec datasync.Record) bool {
	_, ok := rec["roles"]
	return ok
}

// recordRoles reads a record's "roles": a list of role names (or null,
// none), each kept once, in the order first listed.
func recordRoles(rec datasync.Record) ([]string, error) {
	var list []any
	switch v := rec["roles"].(type) {
	case nil:
	case []any:
		list = v
	case []string:
		list = make([]any, len(v))
		for i, s := range v {
			list[i] = s
		}
	default:
		return nil, fmt.Errorf("roles: want a list of role names, got %s", jsonval.TypeName(v))
	}
	names := make([]string, 0, len(list))
	seen := make(map[string]bool, len(list))
	for i, e := range list {
		name, ok := e.(string)
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("roles[%d]: want a role name, got %s", i, jsonval.TypeName(e))
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names, nil
}

// lookup learns which of the records' role names have a row, for those
// the run has not looked up yet: one query, and one more for the titles
// of missing names when the run may create them.
func (run *roleRun) lookup(ctx context.Context, db bun.IDB, recs []roleRecord, create bool) error {
	var ask []string
	for _, m := range recs {
		for _, name := range m.names {
			if _, asked := run.roles[name]; !asked && name != RootRole {
				run.roles[name] = roleMissing
				ask = append(ask, name)
			}
		}
	}
	if len(ask) == 0 {
		return nil
	}
	found, err := roleColumn(ctx, db, "name", ask)
	if err != nil {
		return err
	}
	missing := ask[:0:0]
	for _, name := range ask {
		if found[name] {
			run.roles[name] = roleExists
		} else {
			missing = append(missing, name)
		}
	}
	if !create || len(missing) == 0 {
		return nil
	}
	titled, err := roleColumn(ctx, db, "title", missing)
	if err != nil {
		return err
	}
	for name := range titled {
		run.roles[name] = roleTitleTaken
	}
	return nil
}

// roleColumn returns which of values some role has in column.
func roleColumn(ctx context.Context, db bun.IDB, column string, values []string) (map[string]bool, error) {
	var found []string
	err := db.NewSelect().Model((*Role)(nil)).Column(column).
		Where("?TableAlias.? IN (?)", bun.Ident(column), bun.List(values)).Scan(ctx, &found)
	if err != nil {
		return nil, fmt.Errorf("users: sync roles: looking up %d roles: %w", len(values), err)
	}
	out := make(map[string]bool, len(found))
	for _, v := range found {
		out[v] = true
	}
	return out, nil
}

// admit checks that a sync may give the record's user each of its roles
// and, when it may create them, plans the creates of those missing. A
// record with a name it may not give creates nothing.
func (run *roleRun) admit(plan *datasync.ResourcePlan, m roleRecord, create bool) error {
	var creates []string
	for _, name := range m.names {
		if name == RootRole {
			return fmt.Errorf("role %q: a sync never grants the root role", name)
		}
		switch run.roles[name] {
		case roleMissing:
			if !create {
				return fmt.Errorf("role %q does not exist", name)
			}
			creates = append(creates, name)
		case roleTitleTaken:
			return fmt.Errorf("role %q does not exist, and cannot be created: another role has the title %q", name, name)
		}
	}
	for _, name := range creates {
		run.roles[name] = roleCreated
		plan.Creates = append(plan.Creates, datasync.RecordChange{
			UID: m.rec.SourceUk, Values: map[string]any{"name": name, "title": name}, Reason: reasonRoleCreated,
		})
	}
	return nil
}

// heldRoles is what a chunk's users hold: the users that exist and their
// roles.
type heldRoles struct {
	exists map[int64]bool
	roles  map[int64]map[string]bool
}

// loadUserRoles reads the roles of the records' users that existed
// before the chunk, and which of them still exist, in one query.
func loadUserRoles(ctx context.Context, db bun.IDB, users schema.Safe, recs []roleRecord) (*heldRoles, error) {
	h := &heldRoles{exists: map[int64]bool{}, roles: map[int64]map[string]bool{}}
	var pks []int64
	for _, m := range recs {
		if m.known {
			pks = append(pks, m.userPK)
		}
	}
	if len(pks) == 0 {
		return h, nil
	}
	var rows []struct {
		ID       int64   `bun:"id"`
		RoleName *string `bun:"roleName"`
	}
	err := db.NewSelect().TableExpr("? AS u", users).
		Join("LEFT JOIN ? AS r ON r.? = u.?", bun.Ident("rolesUsers"), bun.Ident("userId"), bun.Ident("id")).
		ColumnExpr("u.?, r.?", bun.Ident("id"), bun.Ident("roleName")).
		Where("u.? IN (?)", bun.Ident("id"), bun.List(pks)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("users: sync roles: reading the roles of %d users: %w", len(pks), err)
	}
	for _, row := range rows {
		h.exists[row.ID] = true
		if row.RoleName == nil {
			continue
		}
		if h.roles[row.ID] == nil {
			h.roles[row.ID] = map[string]bool{}
		}
		h.roles[row.ID][*row.RoleName] = true
	}
	return h, nil
}

// roleLink is the key of a rolesUsers row, as a link's resourcePk.
func roleLink(userPK int64, role string) string { return formatPK(userPK) + ":" + role }

// parseRoleLink reads a roleLink.
func parseRoleLink(pk string) (int64, string, bool) {
	user, role, ok := strings.Cut(pk, ":")
	if !ok || role == "" {
		return 0, "", false
	}
	id, ok := parsePK(user)
	return id, role, ok
}

// planUserRoles plans one user's roles: adds those listed that the user
// lacks, removes those the source gave (its links) and no longer lists.
// held are the user's roles now.
func planUserRoles(plan *datasync.ResourcePlan, work *roleWork, m roleRecord, held map[string]bool) {
	n := len(plan.Creates) + len(plan.Deletes)
	want := make(map[string]bool, len(m.names))
	for _, name := range m.names {
		want[name] = true
		if held[name] {
			continue // the source's already, or given by hand: left as it is
		}
		c := datasync.RecordChange{UID: m.rec.SourceUk, Values: map[string]any{"roleName": name}}
		if m.known {
			c.Values["userId"] = m.userPK
		}
		plan.Creates = append(plan.Creates, c)
	}
	seen := map[string]bool{}
	for _, l := range m.rec.LinksTo(rolesResource) {
		if seen[l] {
			continue
		}
		seen[l] = true
		user, role, ok := parseRoleLink(l)
		mine := ok && m.userPK != 0 && user == m.userPK
		switch {
		case mine && want[role]:
		case mine && held[role] && role != RootRole:
			plan.Deletes = append(plan.Deletes, datasync.RecordChange{
				UID: m.rec.SourceUk, PK: l, Previous: map[string]any{"roleName": role},
			})
		default:
			// Gone already, or of a user since re-created: the link only.
			work.drop = append(work.drop, datasync.LinkChange{UID: m.rec.SourceUk, ResourcePk: l, IsDeleted: true})
		}
	}
	if len(plan.Creates)+len(plan.Deletes) == n {
		plan.Unchanged++
	}
}

// roleApply collects a chunk's writes by kind.
type roleApply struct {
	roles   []*Role
	adds    []*RoleUser
	removes []bun.TupleValues // (userId, roleName)
	removed []int64           // the users of removes
	changes []datasync.LinkChange
}

// collectRoleApply turns the plan into rows to write and link changes. A
// membership the plan adds gets a link unless the source's link is there
// already (its row was removed by hand).
func collectRoleApply(b *datasync.Batch, plan *datasync.ResourcePlan) (*roleApply, error) {
	userPK := make(map[string]int64, len(b.Records))
	linked := make(map[string]bool)
	for i := range b.Records {
		rec := &b.Records[i]
		if l, ok := usersLink(rec); ok {
			userPK[rec.SourceUk], _ = parsePK(l.ResourcePk)
		}
		for _, pk := range rec.LinksTo(rolesResource) {
			linked[rec.SourceUk+"\x00"+pk] = true
		}
	}
	a := &roleApply{}
	for _, c := range plan.Creates {
		if c.Reason == reasonRoleCreated {
			name, _ := c.Values["name"].(string)
			a.roles = append(a.roles, &Role{Name: name, Title: name})
			continue
		}
		name, _ := c.Values["roleName"].(string)
		user := userPK[c.UID]
		if user == 0 || name == "" {
			return nil, fmt.Errorf("users: sync roles: uid %q: no user key or role name to add a role with", c.UID)
		}
		a.adds = append(a.adds, &RoleUser{UserID: user, RoleName: name})
		if pk := roleLink(user, name); !linked[c.UID+"\x00"+pk] {
			a.changes = append(a.changes, datasync.LinkChange{UID: c.UID, ResourcePk: pk})
		}
	}
	for _, c := range plan.Deletes {
		user, name, ok := parseRoleLink(c.PK)
		if !ok {
			return nil, fmt.Errorf("users: sync roles: uid %q: %q is not a user's role to remove", c.UID, c.PK)
		}
		a.removes = append(a.removes, bun.Tuple([]any{user, name}))
		a.removed = append(a.removed, user)
		a.changes = append(a.changes, datasync.LinkChange{UID: c.UID, ResourcePk: c.PK, IsDeleted: true})
	}
	return a, nil
}

// write creates the roles, then adds and removes the memberships: a
// statement each.
func (a *roleApply) write(ctx context.Context, tx bun.IDB) error {
	if len(a.roles) > 0 {
		// A role another writer created since the plan is as good.
		if _, err := tx.NewInsert().Model(&a.roles).On("CONFLICT (?) DO NOTHING", bun.Ident("name")).Exec(ctx); err != nil {
			return fmt.Errorf("users: sync roles: creating %d roles: %w", len(a.roles), err)
		}
	}
	if len(a.adds) > 0 {
		if _, err := tx.NewInsert().Model(&a.adds).Exec(ctx); err != nil {
			return fmt.Errorf("users: sync roles: adding %d roles to users: %w", len(a.adds), err)
		}
	}
	if len(a.removes) > 0 {
		if _, err := tx.NewDelete().TableExpr("?", bun.Ident("rolesUsers")).
			Where("(?, ?) IN (VALUES ?)", bun.Ident("userId"), bun.Ident("roleName"), bun.List(a.removes)).Exec(ctx); err != nil {
			return fmt.Errorf("users: sync roles: removing %d roles from users: %w", len(a.removes), err)
		}
	}
	return nil
}

// createdRoles are the names of the roles the apply creates.
func (a *roleApply) createdRoles() []string {
	names := make([]string, len(a.roles))
	for i, r := range a.roles {
		names[i] = r.Name
	}
	return names
}

// changedUsers are the users whose roles the apply gives or takes, each
// once.
func (a *roleApply) changedUsers() []int64 {
	seen := make(map[int64]bool, len(a.adds)+len(a.removes))
	var ids []int64
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, ru := range a.adds {
		add(ru.UserID)
	}
	for _, id := range a.removed {
		add(id)
	}
	return ids
}
