package users

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// CheckPassword verifies a sign-in password against u's stored hash. When
// it matches a hash in an older format (NocoBase's scrypt, bcrypt,
// SHA-256) or with weaker argon2id parameters, the hash is upgraded in
// place; that is not a password change, so existing sessions stay valid.
func CheckPassword(ctx context.Context, db bun.IDB, u *User, password string) (bool, error) {
	ok, err := VerifyPassword(password, u.Password)
	if err != nil || !ok {
		return false, err
	}
	if !DefaultPasswordHasher.NeedsRehash(u.Password) {
		return true, nil
	}
	hash, err := HashPassword(password)
	if err != nil {
		return true, fmt.Errorf("users: upgrading the password hash of user %d: %w", u.ID, err)
	}
	// Straight to the column: the model hook would treat a new value as a
	// password change.
	if _, err := db.NewUpdate().Table("users").Set("? = ?", bun.Ident("password"), hash).
		Where("? = ?", bun.Ident("id"), u.ID).Exec(ctx); err != nil {
		return true, fmt.Errorf("users: upgrading the password hash of user %d: %w", u.ID, err)
	}
	u.Password, u.storedPassword = hash, hash
	return true, nil
}
