package users_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

func TestTokensRevoke(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, u := tokSetup(t, db)
		clock := newTokClock()
		for alg, opts := range tokOptions(t, clock) {
			tk := newTokens(t, db, opts)
			other := newTokens(t, db, opts) // another process on the same database
			s, c := tokIssue(t, ctx, tk, u)
			kept, _ := tokIssue(t, ctx, tk, u)
			if err := tk.Revoke(ctx, s); err != nil {
				t.Fatalf("%s: revoke: %v", alg, err)
			}
			_, err := tk.Verify(ctx, s)
			tokWantErr(t, alg+": verify revoked", err, users.ErrTokenRevoked)
			_, err = other.Verify(ctx, s)
			tokWantErr(t, alg+": verify revoked on another Tokens", err, users.ErrTokenRevoked)
			_, _, err = other.Renew(ctx, s)
			tokWantErr(t, alg+": renew revoked", err, users.ErrTokenRevoked)
			if _, err := other.Verify(ctx, kept); err != nil {
				t.Fatalf("%s: another token of the same user: %v", alg, err)
			}
			if err := tk.Revoke(ctx, s); err != nil {
				t.Fatalf("%s: revoke twice: %v", alg, err)
			}

			var rows []users.TokenBlock
			if err := db.NewSelect().Model(&rows).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256([]byte(c.ID))
			found := false
			for _, r := range rows {
				if r.Token == s || r.Token == c.ID {
					t.Fatalf("%s: blocklist stores the token or its jti", alg)
				}
				found = found || r.Token == hex.EncodeToString(sum[:])
			}
			if !found {
				t.Fatalf("%s: no row keyed by the jti's SHA-256 in %+v", alg, rows)
			}
		}
	})
}

// TestTokensRevokeRefusesForeignTokens: only tokens this Tokens signed
// reach the table.
func TestTokensRevokeRefusesForeignTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, u := tokSetup(t, db)
		tk := newTokens(t, db, users.TokenOptions{Secret: tokSecret})
		stranger := newTokens(t, db, users.TokenOptions{Secret: []byte("a different secret of 32+ bytes!!")})
		s, _ := tokIssue(t, ctx, stranger, u)
		tokWantErr(t, "revoke a foreign token", tk.Revoke(ctx, s), users.ErrTokenInvalid)
		n, err := db.NewSelect().Model((*users.TokenBlock)(nil)).Count(ctx)
		if err != nil || n != 0 {
			t.Fatalf("blocklist rows %d (%v), want 0", n, err)
		}
	})
}

func TestTokensPrune(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, u := tokSetup(t, db)
		clock := newTokClock()
		tk := newTokens(t, db, users.TokenOptions{Secret: tokSecret, Now: clock.Now,
			Expiry: time.Hour, RenewWithin: 30 * time.Minute})
		early, _ := tokIssue(t, ctx, tk, u)
		clock.advance(time.Hour)
		late, _ := tokIssue(t, ctx, tk, u)
		for _, s := range []string{early, late} {
			if err := tk.Revoke(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := tk.Prune(ctx); err != nil || n != 0 {
			t.Fatalf("prune while both may still be renewed: %d (%v), want 0", n, err)
		}
		// early expired just now; it leaves its renewal window in 30 min.
		clock.advance(29 * time.Minute)
		if n, err := tk.Prune(ctx); err != nil || n != 0 {
			t.Fatalf("prune inside the renewal window: %d (%v), want 0", n, err)
		}
		clock.advance(2 * time.Minute)
		if n, err := tk.Prune(ctx); err != nil || n != 1 {
			t.Fatalf("prune: %d (%v), want 1", n, err)
		}
		_, err := tk.Verify(ctx, late)
		tokWantErr(t, "verify the revoked token that was kept", err, users.ErrTokenRevoked)
		_, _, err = tk.Renew(ctx, early)
		if !errors.Is(err, users.ErrTokenExpired) {
			t.Fatalf("renew a pruned token: %v, want ErrTokenExpired", err)
		}
		clock.advance(2 * time.Hour)
		if n, err := tk.Prune(ctx); err != nil || n != 1 {
			t.Fatalf("second prune: %d (%v), want 1", n, err)
		}
		if n, err := tk.Prune(ctx); err != nil || n != 0 {
			t.Fatalf("prune an empty list: %d (%v), want 0", n, err)
		}
	})
}
