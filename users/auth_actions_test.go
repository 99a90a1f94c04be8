package users

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// TestSignInUnknownAccountVerifiesDummyHash proves the constant-time path
// by what runs, not by the clock: an unknown account has its password
// verified once against the fixed hash (a real hash with the current
// parameters, so it costs what a real check costs), and a known account
// never touches it.
func TestSignInUnknownAccountVerifiesDummyHash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := CreateTables(ctx, db, Options{}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewInsert().Model(&User{Username: "ann", Password: "secret"}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		tokens, err := NewTokens(db, TokenOptions{Secret: []byte(strings.Repeat("k", 32))})
		if err != nil {
			t.Fatal(err)
		}
		a, err := newAuthActions(AuthOptions{DB: db, Tokens: tokens})
		if err != nil {
			t.Fatal(err)
		}
		var calls []string
		a.verify = func(password, encoded string) (bool, error) {
			calls = append(calls, password)
			if encoded != a.dummyHash || !IsPasswordHash(encoded) || DefaultPasswordHasher.NeedsRehash(encoded) {
				t.Errorf("checked against %q, not a current dummy hash", encoded)
			}
			return VerifyPassword(password, encoded)
		}
		signIn := func(values map[string]any) error {
			_, err := a.signIn(httptest.NewRequest("POST", "/api/auth:signIn", nil), &resourcer.ActionContext{Params: resourcer.Params{"values": values}})
			return err
		}

		err = signIn(map[string]any{"account": "bob", "password": "guess"})
		if se, ok := err.(*resourcer.StatusError); !ok || se.Status != 401 || se.Message != signInFailed {
			t.Errorf("unknown account: %v", err)
		}
		if len(calls) != 1 || calls[0] != "guess" {
			t.Errorf("unknown account: verifier calls %q, want one with the given password", calls)
		}

		calls = nil
		if err := signIn(map[string]any{"account": "ann", "password": "nope"}); err == nil {
			t.Error("wrong password accepted")
		}
		if err := signIn(map[string]any{"account": "ann", "password": "secret"}); err != nil {
			t.Errorf("right password: %v", err)
		}
		if len(calls) != 0 {
			t.Errorf("known account used the dummy hash: %q", calls)
		}
	})
}
