package users

import (
	"context"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// Invalidator drops what a host caches for a user (roles, auth tokens)
// when the user's password changes, so that existing sessions stop
// working. NocoBase emits cache:del:roles and cache:del:auth here.
type Invalidator interface {
	InvalidateUser(ctx context.Context, userID int64) error
}

var invalidators sync.Map // *bun.DB -> Invalidator

// SetInvalidator makes password changes written through db call inv.
func SetInvalidator(db *bun.DB, inv Invalidator) {
	if inv == nil {
		invalidators.Delete(db)
		return
	}
	invalidators.Store(db, inv)
}

// AfterUpdate calls the database's Invalidator when the update changed the
// password. bun calls it on a zero User, so the updated one comes from
// the query.
func (*User) AfterUpdate(ctx context.Context, q *bun.UpdateQuery) error {
	holder, ok := q.GetModel().Value().(interface{ directoryUser() *User })
	if !ok {
		return nil
	}
	u := holder.directoryUser()
	if u == nil || !u.passwordChanged { // Model((*User)(nil)) updates carry no struct
		return nil
	}
	u.passwordChanged = false
	inv, ok := invalidators.Load(q.DB())
	if !ok {
		return nil
	}
	return inv.(Invalidator).InvalidateUser(ctx, u.ID)
}

// directoryUser finds the User in an extended model (nil for a nil model).
func (u *User) directoryUser() *User { return u }

// TokenStale reports whether a session token issued at issuedAt predates
// the user's last password change and must be refused.
func TokenStale(u *User, issuedAt time.Time) bool {
	return u.PasswordChangeTz != 0 && issuedAt.UnixMilli() < u.PasswordChangeTz
}
