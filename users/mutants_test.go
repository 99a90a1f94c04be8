package users_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/scrypt"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// Tests that kill bugs planted in users (issue #10) which the rest of the
// suite let through.

// TestScryptKeyIsCaseSensitive: NocoBase compares the lowercase hex of the
// derived key as a string, so a stored hash whose key part is uppercased
// (salt left as it is) never matches. Comparing keys case-insensitively
// would accept it; uppercasing salt and key together cannot show that,
// since the salt feeds the derivation.
func TestScryptKeyIsCaseSensitive(t *testing.T) {
	const password, salt = "correct horse battery staple", "3c8c3ccddc5c0245"
	dk, err := scrypt.Key([]byte(password), []byte(salt), 16384, 8, 1, 24)
	if err != nil {
		t.Fatal(err)
	}
	key := hex.EncodeToString(dk)
	if strings.ToUpper(key) == key {
		t.Fatalf("key %s has no letters: pick another password", key)
	}
	for _, tt := range []struct {
		encoded string
		want    bool
	}{
		{salt + key, true},
		{salt + strings.ToUpper(key), false},
		{salt + strings.ToUpper(key[:1]) + key[1:], key[0] < 'a'},
	} {
		got, err := users.VerifyPassword(password, tt.encoded)
		if err != nil || got != tt.want {
			t.Errorf("VerifyPassword(%q, %s) = %v, %v; want %v, nil", password, tt.encoded, got, err, tt.want)
		}
	}
}

// TestUsersEmptyWhitelistWritesNothing: when the request's whitelist and
// the grant's do not meet, the ACL hands an empty whitelist, which lets
// updateProfile write nothing; read as "no whitelist" it would let the
// request write every editable field, the grant's excluded ones too.
func TestUsersEmptyWhitelistWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newScopeEnv(t, db, acl.RoleOptions{Name: "member", Actions: map[string]acl.Params{
			"users:updateProfile": {"whitelist": []string{"email"}},
		}})
		e.addUsers(&users.User{Nickname: "ann", Username: "ann", Email: "ann@x", Password: "ann-pass"})
		if r := e.serve("member", 1, "POST", "/api/users:updateProfile?whitelist=nickname", `{"nickname":"annie","email":"evil@x"}`); r.code != 200 {
			t.Fatalf("updateProfile: %d %s", r.code, r.raw)
		}
		var ann users.User
		if err := db.NewSelect().Model(&ann).Where("id = 1").Scan(e.ctx); err != nil {
			t.Fatal(err)
		}
		if ann.Nickname != "ann" || ann.Email != "ann@x" {
			t.Errorf("after updateProfile with whitelists that do not meet: nickname %q, email %q; want both unchanged", ann.Nickname, ann.Email)
		}
	})
}
