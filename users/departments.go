package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// DepartmentError is the error type of the department functions. Its
// HTTPStatus tells the resourcer how to answer; errors.Is matches the
// Err* value it refines.
type DepartmentError struct {
	status int
	msg    string
	kind   *DepartmentError // the Err* value this error refines, or nil
}

// Error returns the message, fit to show a client.
func (e *DepartmentError) Error() string { return e.msg }

// HTTPStatus is the status the resourcer answers with: 400, 404 or 409.
func (e *DepartmentError) HTTPStatus() int { return e.status }

// Unwrap returns the Err* value this error refines, if any.
func (e *DepartmentError) Unwrap() error {
	if e.kind == nil {
		return nil
	}
	return e.kind
}

func (e *DepartmentError) withf(format string, args ...any) *DepartmentError {
	return &DepartmentError{status: e.status, msg: fmt.Sprintf(format, args...), kind: e}
}

var (
	// ErrDepartmentNotFound (404): the department, or the parent a
	// department is to be created or moved under, does not exist.
	ErrDepartmentNotFound = &DepartmentError{status: http.StatusNotFound, msg: "department not found"}
	// ErrDepartmentNotEmpty (409): the department to delete still has
	// sub-departments or members; the message says which and how many.
	ErrDepartmentNotEmpty = &DepartmentError{status: http.StatusConflict, msg: "department has sub-departments or members"}
	// ErrDepartmentCycle (400): the department would be moved under itself
	// or one of its own descendants.
	ErrDepartmentCycle = &DepartmentError{status: http.StatusBadRequest, msg: "a department cannot be moved under itself or one of its sub-departments"}
	// ErrInvalidMainDepartment (400): a main department must be one of the
	// user's departments.
	ErrInvalidMainDepartment = &DepartmentError{status: http.StatusBadRequest, msg: "invalid main department, it must be one of the user's departments"}
)

// errDepartmentUserMissing is the 404 for a user that does not exist.
func errDepartmentUserMissing(id int64) error {
	return &DepartmentError{status: http.StatusNotFound, msg: fmt.Sprintf("user %d not found", id)}
}

// maxDepartmentDepth bounds the ancestor walk of MoveDepartment.
const maxDepartmentDepth = 1000

// CreateDepartment inserts d as a leaf (isLeaf is set to true whatever d
// says). If d.ParentID is set the parent must exist (ErrDepartmentNotFound
// otherwise) and is marked isLeaf=false. d gets its id and timestamps.
func CreateDepartment(ctx context.Context, db bun.IDB, d *Department) error {
	return departmentTx(ctx, db, func(tx bun.IDB) error {
		var parent *Department
		if d.ParentID != nil {
			p, err := lockDepartment(ctx, tx, *d.ParentID, "UPDATE")
			if err != nil {
				return parentDepartmentErr(err, *d.ParentID)
			}
			parent = p
		}
		d.IsLeaf = true
		if _, err := tx.NewInsert().Model(d).Exec(ctx); err != nil {
			return fmt.Errorf("users: creating department: %w", err)
		}
		if parent != nil {
			return setIsLeaf(ctx, tx, parent, false)
		}
		return nil
	})
}

// MoveDepartment makes parentID the parent of department id, or makes it a
// root when parentID is nil. It refuses (ErrDepartmentCycle) a parent that
// is the department itself or one of its descendants, and keeps isLeaf
// right on the old and the new parent. Moving to the current parent changes
// nothing. A missing department or parent is ErrDepartmentNotFound.
//
// Concurrent moves never make a cycle together. On PostgreSQL the move
// locks the department, its old and new parent (FOR UPDATE) and every
// ancestor of the new parent up to the root (FOR SHARE) before it checks
// for a cycle, so that chain cannot change until the move commits, and a
// concurrent move that reaches a locked row waits and then reads the
// committed parent. Of two moves that would together make a cycle at most
// one succeeds: the other returns ErrDepartmentCycle or, if each had
// locked a row the other needs, one of them loses PostgreSQL's deadlock
// check. When MoveDepartment owns the transaction (db is not a bun.Tx) it
// retries a deadlock or serialization failure, up to three attempts, and
// the retry reports ErrDepartmentCycle; inside a caller's bun.Tx the
// database error is returned, for the caller to retry its transaction.
// SQLite has no row locks but serializable transactions: a write
// transaction excludes other writers, and one whose reads went stale fails
// (SQLITE_BUSY) rather than committing; nothing is retried there.
func MoveDepartment(ctx context.Context, db bun.IDB, id int64, parentID *int64) error {
	return departmentTx(ctx, db, func(tx bun.IDB) error {
		d, err := lockDepartment(ctx, tx, id, "UPDATE")
		if err != nil {
			return err
		}
		if parentID != nil && *parentID == id {
			return ErrDepartmentCycle.withf("department %d cannot be moved under itself", id)
		}
		var oldParent *Department
		if d.ParentID != nil {
			if oldParent, err = lockDepartment(ctx, tx, *d.ParentID, "UPDATE"); err != nil && !errors.Is(err, ErrDepartmentNotFound) {
				return err
			}
		}
		var newParent *Department
		if parentID != nil {
			if newParent, err = lockDepartment(ctx, tx, *parentID, "UPDATE"); err != nil {
				return parentDepartmentErr(err, *parentID)
			}
			if err := checkNoCycle(ctx, tx, id, newParent); err != nil {
				return err
			}
		}
		if sameDepartmentID(d.ParentID, parentID) {
			return nil
		}
		d.ParentID = parentID
		if err := updateDepartment(ctx, tx, d, "parentId"); err != nil {
			return err
		}
		if newParent != nil {
			if err := setIsLeaf(ctx, tx, newParent, false); err != nil {
				return err
			}
		}
		if oldParent != nil {
			return refreshIsLeaf(ctx, tx, oldParent)
		}
		return nil
	})
}

// checkNoCycle walks the ancestors of parent (already locked), locking each
// FOR SHARE, and fails with ErrDepartmentCycle if it meets id.
func checkNoCycle(ctx context.Context, tx bun.IDB, id int64, parent *Department) error {
	seen := map[int64]bool{parent.ID: true}
	cur := parent
	for depth := 0; cur.ParentID != nil; depth++ {
		next := *cur.ParentID
		if next == id {
			return ErrDepartmentCycle.withf("department %d cannot be moved under department %d, one of its sub-departments", id, parent.ID)
		}
		if seen[next] {
			return fmt.Errorf("users: the department tree already has a cycle through department %d", next)
		}
		if depth >= maxDepartmentDepth {
			return fmt.Errorf("users: department %d is more than %d levels deep", parent.ID, maxDepartmentDepth)
		}
		seen[next] = true
		anc, err := lockDepartment(ctx, tx, next, "SHARE")
		if errors.Is(err, ErrDepartmentNotFound) {
			return nil // a dangling parentId ends the chain
		}
		if err != nil {
			return err
		}
		cur = anc
	}
	return nil
}

// DeleteDepartment deletes a department that has neither sub-departments
// nor members (ErrDepartmentNotEmpty, 409, says which it has and how many)
// and recomputes its parent's isLeaf. A user whose main department it was
// (possible only after direct writes) gets their main department re-synced.
func DeleteDepartment(ctx context.Context, db bun.IDB, id int64) error {
	return departmentTx(ctx, db, func(tx bun.IDB) error {
		d, err := lockDepartment(ctx, tx, id, "UPDATE")
		if err != nil {
			return err
		}
		children, err := tx.NewSelect().Model((*Department)(nil)).
			Where("?TableAlias.? = ?", bun.Ident("parentId"), id).Count(ctx)
		if err != nil {
			return fmt.Errorf("users: counting sub-departments: %w", err)
		}
		members, err := tx.NewSelect().Model((*DepartmentUser)(nil)).
			Where("?TableAlias.? = ?", bun.Ident("departmentId"), id).Count(ctx)
		if err != nil {
			return fmt.Errorf("users: counting members: %w", err)
		}
		if children > 0 || members > 0 {
			return ErrDepartmentNotEmpty.withf("department %d cannot be deleted: it has %s", id, describeContents(children, members))
		}
		var parent *Department
		if d.ParentID != nil {
			if parent, err = lockDepartment(ctx, tx, *d.ParentID, "UPDATE"); err != nil && !errors.Is(err, ErrDepartmentNotFound) {
				return err
			}
		}
		var mainOf []int64
		if err := tx.NewSelect().Model((*User)(nil)).Column("id").
			Where("?TableAlias.? = ?", bun.Ident("mainDepartmentId"), id).
			OrderExpr("?TableAlias.? ASC", bun.Ident("id")).Scan(ctx, &mainOf); err != nil {
			return fmt.Errorf("users: finding users with main department %d: %w", id, err)
		}
		if _, err := tx.NewDelete().Model((*Department)(nil)).
			Where("?TableAlias.? = ?", bun.Ident("id"), id).Exec(ctx); err != nil {
			return fmt.Errorf("users: deleting department %d: %w", id, err)
		}
		if parent != nil {
			if err := refreshIsLeaf(ctx, tx, parent); err != nil {
				return err
			}
		}
		for _, uid := range mainOf {
			u, err := lockMemberUser(ctx, tx, uid)
			if err != nil {
				return err
			}
			if err := syncMainDepartment(ctx, tx, u); err != nil {
				return err
			}
		}
		return nil
	})
}

func describeContents(children, members int64) string {
	plural := func(n int64, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	switch {
	case children > 0 && members > 0:
		return plural(children, "sub-department", "sub-departments") + " and " + plural(members, "member", "members")
	case children > 0:
		return plural(children, "sub-department", "sub-departments")
	default:
		return plural(members, "member", "members")
	}
}

// AddDepartmentMember makes the user a member of the department, an owner
// if owner is true. It is idempotent: for an existing membership it only
// sets isOwner to owner. Then the user's main department is synced, so a
// first membership becomes the main department. A missing user or
// department is a 404.
func AddDepartmentMember(ctx context.Context, db bun.IDB, userID, departmentID int64, owner bool) error {
	return departmentTx(ctx, db, func(tx bun.IDB) error {
		u, err := lockMemberUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if _, err := lockDepartment(ctx, tx, departmentID, "SHARE"); err != nil {
			return err
		}
		m := new(DepartmentUser)
		err = tx.NewSelect().Model(m).
			Where("?TableAlias.? = ?", bun.Ident("userId"), userID).
			Where("?TableAlias.? = ?", bun.Ident("departmentId"), departmentID).
			Scan(ctx)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			m = &DepartmentUser{UserID: userID, DepartmentID: departmentID, IsOwner: owner}
			if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
				return fmt.Errorf("users: adding user %d to department %d: %w", userID, departmentID, err)
			}
		case err != nil:
			return fmt.Errorf("users: reading membership: %w", err)
		case m.IsOwner != owner:
			m.IsOwner = owner
			if _, err := tx.NewUpdate().Model(m).Column("isOwner", "updatedAt").WherePK().Exec(ctx); err != nil {
				return fmt.Errorf("users: updating membership: %w", err)
			}
		}
		return syncMainDepartment(ctx, tx, u)
	})
}

// RemoveDepartmentMember removes the user from the department; removing a
// membership that does not exist does nothing. Then the user's main
// department is synced: if it was this department it moves to the first
// remaining membership, or null. A missing user is a 404.
func RemoveDepartmentMember(ctx context.Context, db bun.IDB, userID, departmentID int64) error {
	return departmentTx(ctx, db, func(tx bun.IDB) error {
		u, err := lockMemberUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*DepartmentUser)(nil)).
			Where("?TableAlias.? = ?", bun.Ident("userId"), userID).
			Where("?TableAlias.? = ?", bun.Ident("departmentId"), departmentID).
			Exec(ctx); err != nil {
			return fmt.Errorf("users: removing user %d from department %d: %w", userID, departmentID, err)
		}
		return syncMainDepartment(ctx, tx, u)
	})
}

// SetMainDepartment sets the user's main department, which must be one of
// their departments (ErrInvalidMainDepartment otherwise). nil asks for the
// default, as NocoBase's sync hook gives it: the first membership, or null
// when the user has none. A missing user is a 404.
func SetMainDepartment(ctx context.Context, db bun.IDB, userID int64, departmentID *int64) error {
	return departmentTx(ctx, db, func(tx bun.IDB) error {
		u, err := lockMemberUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if departmentID == nil {
			return syncMainDepartment(ctx, tx, u)
		}
		member, err := tx.NewSelect().Model((*DepartmentUser)(nil)).
			Where("?TableAlias.? = ?", bun.Ident("userId"), userID).
			Where("?TableAlias.? = ?", bun.Ident("departmentId"), *departmentID).
			Exists(ctx)
		if err != nil {
			return fmt.Errorf("users: reading membership: %w", err)
		}
		if !member {
			return ErrInvalidMainDepartment
		}
		return setUserMain(ctx, tx, u, departmentID)
	})
}

// SyncMainDepartment applies the main-department rule to a user after
// memberships changed some other way: a main department that is null or
// not one of the user's departments becomes their first membership
// (earliest createdAt, then lowest departmentId), or null when they have
// none. The department functions call it themselves.
func SyncMainDepartment(ctx context.Context, db bun.IDB, userID int64) error {
	return departmentTx(ctx, db, func(tx bun.IDB) error {
		u, err := lockMemberUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		return syncMainDepartment(ctx, tx, u)
	})
}

// UserDepartments returns the user's departments in membership order:
// earliest membership first (createdAt, then departmentId), so the first
// is the one the main-department rule picks by default. A missing user is
// a 404.
func UserDepartments(ctx context.Context, db bun.IDB, userID int64) ([]*Department, error) {
	depts := []*Department{}
	err := db.NewSelect().Model(&depts).
		Join("JOIN ? AS du ON du.? = ?TableAlias.?", bun.Ident("departmentsUsers"), bun.Ident("departmentId"), bun.Ident("id")).
		Where("du.? = ?", bun.Ident("userId"), userID).
		OrderExpr("du.? ASC, du.? ASC", bun.Ident("createdAt"), bun.Ident("departmentId")).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("users: listing departments of user %d: %w", userID, err)
	}
	if len(depts) == 0 {
		exists, err := db.NewSelect().Model((*User)(nil)).Where("?TableAlias.? = ?", bun.Ident("id"), userID).Exists(ctx)
		if err != nil {
			return nil, fmt.Errorf("users: looking up user %d: %w", userID, err)
		}
		if !exists {
			return nil, errDepartmentUserMissing(userID)
		}
	}
	return depts, nil
}

// syncMainDepartment is SyncMainDepartment on a user locked in tx.
func syncMainDepartment(ctx context.Context, tx bun.IDB, u *User) error {
	var ids []int64
	if err := tx.NewSelect().Model((*DepartmentUser)(nil)).Column("departmentId").
		Where("?TableAlias.? = ?", bun.Ident("userId"), u.ID).
		OrderExpr("?TableAlias.? ASC, ?TableAlias.? ASC", bun.Ident("createdAt"), bun.Ident("departmentId")).
		Scan(ctx, &ids); err != nil {
		return fmt.Errorf("users: reading memberships of user %d: %w", u.ID, err)
	}
	if u.MainDepartmentID != nil {
		for _, id := range ids {
			if id == *u.MainDepartmentID {
				return nil
			}
		}
	}
	var main *int64
	if len(ids) > 0 {
		main = &ids[0]
	}
	if sameDepartmentID(u.MainDepartmentID, main) {
		return nil
	}
	return setUserMain(ctx, tx, u, main)
}

func setUserMain(ctx context.Context, tx bun.IDB, u *User, main *int64) error {
	u.MainDepartmentID = main
	cols := append([]string{"mainDepartmentId"}, u.HookColumns(ctx, false)...)
	if _, err := tx.NewUpdate().Model(u).Column(cols...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("users: setting the main department of user %d: %w", u.ID, err)
	}
	return nil
}

// lockMemberUser loads the id and main department of a user, locking the row FOR
// UPDATE on PostgreSQL.
func lockMemberUser(ctx context.Context, tx bun.IDB, id int64) (*User, error) {
	u := new(User)
	q := tx.NewSelect().Model(u).Column("id", "mainDepartmentId").
		Where("?TableAlias.? = ?", bun.Ident("id"), id)
	err := lockDepartmentRows(tx, q, "UPDATE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errDepartmentUserMissing(id)
	}
	if err != nil {
		return nil, fmt.Errorf("users: reading user %d: %w", id, err)
	}
	return u, nil
}

// lockDepartment loads a department's id, parentId and isLeaf, locking the
// row on PostgreSQL (mode "UPDATE" or "SHARE").
func lockDepartment(ctx context.Context, tx bun.IDB, id int64, mode string) (*Department, error) {
	d := new(Department)
	q := tx.NewSelect().Model(d).Column("id", "parentId", "isLeaf").
		Where("?TableAlias.? = ?", bun.Ident("id"), id)
	err := lockDepartmentRows(tx, q, mode).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrDepartmentNotFound.withf("department %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("users: reading department %d: %w", id, err)
	}
	return d, nil
}

// parentDepartmentErr words a missing parent as such.
func parentDepartmentErr(err error, id int64) error {
	if errors.Is(err, ErrDepartmentNotFound) {
		return ErrDepartmentNotFound.withf("parent department %d not found", id)
	}
	return err
}

// lockDepartmentRows adds FOR <mode> on PostgreSQL; SQLite has no row locks.
func lockDepartmentRows(db bun.IDB, q *bun.SelectQuery, mode string) *bun.SelectQuery {
	if db.Dialect().Name() == dialect.PG {
		return q.For(mode)
	}
	return q
}

// refreshIsLeaf sets a locked department's isLeaf from whether it has
// children now.
func refreshIsLeaf(ctx context.Context, tx bun.IDB, d *Department) error {
	has, err := tx.NewSelect().Model((*Department)(nil)).
		Where("?TableAlias.? = ?", bun.Ident("parentId"), d.ID).Exists(ctx)
	if err != nil {
		return fmt.Errorf("users: counting sub-departments of %d: %w", d.ID, err)
	}
	return setIsLeaf(ctx, tx, d, !has)
}

func setIsLeaf(ctx context.Context, tx bun.IDB, d *Department, leaf bool) error {
	if d.IsLeaf == leaf {
		return nil
	}
	d.IsLeaf = leaf
	return updateDepartment(ctx, tx, d, "isLeaf")
}

// updateDepartment writes the columns plus the ones the hooks fill.
func updateDepartment(ctx context.Context, tx bun.IDB, d *Department, columns ...string) error {
	cols := append(columns, d.HookColumns(ctx, false)...)
	if _, err := tx.NewUpdate().Model(d).Column(cols...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("users: updating department %d: %w", d.ID, err)
	}
	return nil
}

func sameDepartmentID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// departmentTx runs fn in a transaction: db.RunInTx, which on a bun.Tx is a
// savepoint inside the caller's transaction, so a failed operation rolls
// back only its own writes. When it owns the transaction it retries
// PostgreSQL deadlocks and serialization failures, which concurrent moves
// can provoke.
//
// Locking, on PostgreSQL (lockDepartmentRows): the rows an operation decides on stay
// locked until it commits, so concurrent changes to the same rows run one
// after the other and isLeaf and mainDepartmentId come from committed data.
// CreateDepartment locks the parent FOR UPDATE; MoveDepartment the
// department, both parents and the new parent's ancestors (see its doc);
// DeleteDepartment the department and its parent FOR UPDATE; membership
// changes the user FOR UPDATE and the department FOR SHARE (so it cannot
// be deleted meanwhile).
//
// fn gets the caller's ctx: bun's Tx.RunInTx hands its callback the
// context of the outer transaction, not the one passed in, which would
// lose values such as WithCurrentUser set since.
func departmentTx(ctx context.Context, db bun.IDB, fn func(tx bun.IDB) error) error {
	nested := false
	switch db.(type) {
	case bun.Tx, *bun.Tx:
		nested = true
	}
	const attempts = 3
	for attempt := 1; ; attempt++ {
		err := db.RunInTx(ctx, nil, func(_ context.Context, tx bun.Tx) error { return fn(tx) })
		if err == nil || nested || attempt == attempts || !retryableDepartmentTxError(err) || ctx.Err() != nil {
			return err
		}
	}
}

// retryableDepartmentTxError reports a PostgreSQL deadlock (40P01) or serialization
// failure (40001), read through the drivers' error interfaces (pgdriver's
// Field, pgx's SQLState).
func retryableDepartmentTxError(err error) bool {
	var code string
	var field interface{ Field(byte) string }
	var state interface{ SQLState() string }
	switch {
	case errors.As(err, &field):
		code = field.Field('C')
	case errors.As(err, &state):
		code = state.SQLState()
	}
	return code == "40P01" || code == "40001"
}
