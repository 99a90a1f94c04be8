package users

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// TokenBlock is a revoked token in NocoBase's tokenBlacklist table: every
// Tokens on the database refuses it until Expiration, when Prune may delete
// it. Token holds the SHA-256 of the token's jti, never the token, so the
// table gives nothing to replay.
type TokenBlock struct {
	bun.BaseModel `bun:"table:tokenBlacklist,alias:tokenBlacklist"`
	Token         string    `bun:"token,pk" json:"token"`
	Expiration    time.Time `bun:"expiration,notnull" json:"expiration"`
}

// blockKey is the blocklist key of a jti.
func blockKey(jti string) string {
	sum := sha256.Sum256([]byte(jti))
	return hex.EncodeToString(sum[:])
}

// Revoke signs a token out: Verify and Renew refuse it from now on, on
// every Tokens sharing the database. Revoking an already revoked or
// expired token is not an error; a token this Tokens did not sign is
// (ErrTokenInvalid), so strangers cannot fill the table.
func (t *Tokens) Revoke(ctx context.Context, token string) error {
	c, err := t.parse(token)
	if err != nil {
		return err
	}
	_, err = t.block(ctx, c)
	return err
}

// block adds the token's row and reports whether it was new. The row
// lasts until the token can no longer be renewed either, since after
// Prune deletes it the token would be accepted again.
func (t *Tokens) block(ctx context.Context, c *TokenClaims) (bool, error) {
	row := &TokenBlock{
		Token: blockKey(c.ID),
		// Whole seconds: bun writes times to SQLite as text, and only
		// texts of one width compare in time order.
		Expiration: c.ExpiresAt.Add(t.renewWithin).Truncate(time.Second).Add(time.Second).UTC(),
	}
	res, err := t.db.NewInsert().Model(row).On("CONFLICT (token) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("users: revoke token of user %d: %w", c.UserID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("users: revoke token of user %d: %w", c.UserID, err)
	}
	return n == 1, nil
}

// revoked reports whether the jti is on the blocklist.
func (t *Tokens) revoked(ctx context.Context, jti string) (bool, error) {
	ok, err := t.db.NewSelect().Model((*TokenBlock)(nil)).
		Where("? = ?", bun.Ident("token"), blockKey(jti)).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("users: read token blocklist: %w", err)
	}
	return ok, nil
}

// Prune deletes the blocklist rows of tokens that have expired beyond
// renewal, and returns how many. Run it now and then (daily is plenty):
// the rows only cost space.
func (t *Tokens) Prune(ctx context.Context) (int, error) {
	now := t.now().Truncate(time.Second).UTC()
	res, err := t.db.NewDelete().Model((*TokenBlock)(nil)).
		Where("? < ?", bun.Ident("expiration"), now).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("users: prune token blocklist: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("users: prune token blocklist: %w", err)
	}
	return int(n), nil
}
