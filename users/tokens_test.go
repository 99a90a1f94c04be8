package users_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// tokClock is a settable clock for TokenOptions.Now.
type tokClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTokClock() *tokClock {
	return &tokClock{now: time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.UTC)}
}

func (c *tokClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *tokClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var tokSecret = []byte("0123456789abcdef0123456789abcdef")

func tokEdKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// tokOptions are the options of both algorithms, on clock.
func tokOptions(t testing.TB, clock *tokClock) map[string]users.TokenOptions {
	return map[string]users.TokenOptions{
		"HS256": {Secret: tokSecret, Now: clock.Now},
		"EdDSA": {Method: "EdDSA", PrivateKey: tokEdKey(t), Now: clock.Now},
	}
}

func newTokens(t testing.TB, db *bun.DB, opts users.TokenOptions) *users.Tokens {
	t.Helper()
	tk, err := users.NewTokens(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// tokSetup creates the tables and a user who may sign in.
func tokSetup(t *testing.T, db *bun.DB) (context.Context, *users.User) {
	t.Helper()
	ctx := context.Background()
	if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
		t.Fatal(err)
	}
	u := &users.User{Username: "alice"}
	if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx, u
}

func tokIssue(t *testing.T, ctx context.Context, tk *users.Tokens, u *users.User) (string, *users.TokenClaims) {
	t.Helper()
	s, c, err := tk.Issue(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// tokWantErr checks that err is a *TokenError of kind, answering 401.
func tokWantErr(t *testing.T, what string, err, kind error) {
	t.Helper()
	var te *users.TokenError
	if !errors.As(err, &te) || !errors.Is(err, kind) {
		t.Fatalf("%s: error %v, want a *TokenError of %v", what, err, kind)
	}
	if te.HTTPStatus() != http.StatusUnauthorized {
		t.Fatalf("%s: status %d, want 401", what, te.HTTPStatus())
	}
}

func TestTokensRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, u := tokSetup(t, db)
		clock := newTokClock()
		for alg, opts := range tokOptions(t, clock) {
			tk := newTokens(t, db, opts)
			s, issued := tokIssue(t, ctx, tk, u)
			want := &users.TokenClaims{
				UserID:    u.ID,
				ID:        issued.ID,
				IssuedAt:  time.UnixMilli(clock.Now().UnixMilli()),
				ExpiresAt: clock.Now().Add(24 * time.Hour).Truncate(time.Second),
				SignInAt:  time.UnixMilli(clock.Now().UnixMilli()),
			}
			if diff := cmp.Diff(want, issued); diff != "" {
				t.Fatalf("%s: issued claims (-want +got):\n%s", alg, diff)
			}
			if len(issued.ID) < 20 {
				t.Fatalf("%s: jti %q is too short to be random", alg, issued.ID)
			}
			got, err := tk.Verify(ctx, s)
			if err != nil {
				t.Fatalf("%s: verify: %v", alg, err)
			}
			if diff := cmp.Diff(issued, got); diff != "" {
				t.Fatalf("%s: verified claims (-issued +verified):\n%s", alg, diff)
			}
			if header := tokSegment(t, s, 0); !strings.Contains(header, `"alg":"`+alg+`"`) {
				t.Fatalf("%s: header %s", alg, header)
			}
			_, again := tokIssue(t, ctx, tk, u)
			if again.ID == issued.ID {
				t.Fatalf("%s: two tokens share jti %q", alg, again.ID)
			}
		}
	})
}

// TestTokensIssuedAtKeepsMilliseconds: a token issued in the same second
// as, but after, a password change is not stale.
func TestTokensIssuedAtKeepsMilliseconds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, u := tokSetup(t, db)
		clock := newTokClock()
		tk := newTokens(t, db, users.TokenOptions{Secret: tokSecret, Now: clock.Now})
		u.PasswordChangeTz = clock.Now().UnixMilli() - 1
		s, _ := tokIssue(t, ctx, tk, u)
		c, err := tk.Verify(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if users.TokenStale(u, c.IssuedAt) {
			t.Fatalf("token issued at %v counted stale after a change at %d ms", c.IssuedAt, u.PasswordChangeTz)
		}
		u.PasswordChangeTz = clock.Now().UnixMilli() + 1
		if !users.TokenStale(u, c.IssuedAt) {
			t.Fatalf("token issued at %v not stale after a change at %d ms", c.IssuedAt, u.PasswordChangeTz)
		}
	})
}

func tokSegment(t *testing.T, token string, i int) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts", token, len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func tokWithSegment(token string, i int, raw string) string {
	parts := strings.Split(token, ".")
	parts[i] = base64.RawURLEncoding.EncodeToString([]byte(raw))
	return strings.Join(parts, ".")
}

func TestTokensRefuseForgeries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, u := tokSetup(t, db)
		clock := newTokClock()
		edKey := tokEdKey(t)
		hs := newTokens(t, db, users.TokenOptions{Secret: tokSecret, Now: clock.Now})
		ed := newTokens(t, db, users.TokenOptions{Method: "EdDSA", PrivateKey: edKey, Now: clock.Now})
		hsToken, _ := tokIssue(t, ctx, hs, u)
		edToken, _ := tokIssue(t, ctx, ed, u)
		claims := jwt.MapClaims{"userId": u.ID, "jti": "forged-jti-0123456789", "exp": clock.Now().Add(time.Hour).Unix(),
			"iat": clock.Now().Unix(), "issuedTime": clock.Now().UnixMilli(), "signInTime": clock.Now().UnixMilli()}
		sign := func(m jwt.SigningMethod, key any, c jwt.MapClaims) string {
			s, err := jwt.NewWithClaims(m, c).SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		withoutUser := jwt.MapClaims{}
		for k, v := range claims {
			withoutUser[k] = v
		}
		delete(withoutUser, "userId")
		otherIssuer := jwt.MapClaims{"iss": "someone-else"}
		for k, v := range claims {
			otherIssuer[k] = v
		}
		payload := tokSegment(t, hsToken, 1)
		elevated := strings.Replace(payload, `"userId":`, `"userId":9`, 1)
		sig := []byte(strings.Split(hsToken, ".")[2])
		sig[3] ^= 1
		cases := []struct {
			name     string
			verifier *users.Tokens
			token    string
		}{
			{"payload changed", hs, tokWithSegment(hsToken, 1, elevated)},
			{"signature changed", hs, strings.Join(append(strings.Split(hsToken, ".")[:2], string(sig)), ".")},
			{"signature dropped", hs, strings.Join(append(strings.Split(hsToken, ".")[:2], ""), ".")},
			{"alg none", hs, sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims)},
			{"alg none to EdDSA", ed, sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims)},
			{"HS256 token to EdDSA verifier", ed, hsToken},
			{"EdDSA token to HS256 verifier", hs, edToken},
			{"HS256 keyed with the EdDSA public key", ed, sign(jwt.SigningMethodHS256, []byte(edKey.Public().(ed25519.PublicKey)), claims)},
			{"HS384 with the right secret", hs, sign(jwt.SigningMethodHS384, tokSecret, claims)},
			{"HS256 with another secret", hs, sign(jwt.SigningMethodHS256, []byte("another secret, also 32 bytes long"), claims)},
			{"EdDSA with another key", ed, sign(jwt.SigningMethodEdDSA, tokEdKey(t), claims)},
			{"no userId", hs, sign(jwt.SigningMethodHS256, tokSecret, withoutUser)},
			{"wrong issuer", hs, sign(jwt.SigningMethodHS256, tokSecret, otherIssuer)},
			{"not a JWT", hs, "not.a.token"},
			{"empty", hs, ""},
		}
		for _, tc := range cases {
			_, err := tc.verifier.Verify(ctx, tc.token)
			tokWantErr(t, tc.name, err, users.ErrTokenInvalid)
			if strings.Contains(err.Error(), "forged-jti") || (tc.token != "" && strings.Contains(err.Error(), tc.token)) {
				t.Fatalf("%s: message %q quotes the token", tc.name, err)
			}
		}
		// The same claims signed correctly do verify: the cases above fail
		// for the reason they name.
		if _, err := hs.Verify(ctx, sign(jwt.SigningMethodHS256, tokSecret, claims)); err != nil {
			t.Fatalf("well-signed control token: %v", err)
		}
	})
}

func TestTokensIssuer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, u := tokSetup(t, db)
		clock := newTokClock()
		a := newTokens(t, db, users.TokenOptions{Secret: tokSecret, Issuer: "a", Now: clock.Now})
		b := newTokens(t, db, users.TokenOptions{Secret: tokSecret, Issuer: "b", Now: clock.Now})
		s, _ := tokIssue(t, ctx, a, u)
		if _, err := a.Verify(ctx, s); err != nil {
			t.Fatal(err)
		}
		_, err := b.Verify(ctx, s)
		tokWantErr(t, "issuer a to verifier b", err, users.ErrTokenInvalid)
	})
}

func TestTokensExpire(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, u := tokSetup(t, db)
		clock := newTokClock()
		for alg, opts := range tokOptions(t, clock) {
			opts.Expiry = time.Hour
			tk := newTokens(t, db, opts)
			s, c := tokIssue(t, ctx, tk, u)
			clock.advance(c.ExpiresAt.Sub(clock.Now()) - time.Millisecond)
			if _, err := tk.Verify(ctx, s); err != nil {
				t.Fatalf("%s: a millisecond before expiry: %v", alg, err)
			}
			clock.advance(time.Millisecond)
			_, err := tk.Verify(ctx, s)
			tokWantErr(t, alg+" at expiry", err, users.ErrTokenExpired)
		}
	})
}

func TestNewTokensRefusesBadOptions(t *testing.T) {
	db := dbtest.SQLite(t)
	key := tokEdKey(t)
	cases := []struct {
		name   string
		opts   users.TokenOptions
		option string // named in the error
	}{
		{"no secret", users.TokenOptions{}, "Secret"},
		{"short secret", users.TokenOptions{Secret: tokSecret[:31]}, "Secret"},
		{"unknown method", users.TokenOptions{Method: "RS256", Secret: tokSecret}, "Method"},
		{"none method", users.TokenOptions{Method: "none", Secret: tokSecret}, "Method"},
		{"EdDSA without keys", users.TokenOptions{Method: "EdDSA"}, "PublicKey"},
		{"short private key", users.TokenOptions{Method: "EdDSA", PrivateKey: key[:40]}, "PrivateKey"},
		{"mismatched keys", users.TokenOptions{Method: "EdDSA", PrivateKey: key, PublicKey: tokEdKey(t).Public().(ed25519.PublicKey)}, "PublicKey"},
		{"secret with EdDSA", users.TokenOptions{Method: "EdDSA", PrivateKey: key, Secret: tokSecret}, "Secret"},
		{"key with HS256", users.TokenOptions{Secret: tokSecret, PrivateKey: key}, "PrivateKey"},
		{"negative expiry", users.TokenOptions{Secret: tokSecret, Expiry: -time.Hour}, "Expiry"},
		{"negative renewal window", users.TokenOptions{Secret: tokSecret, RenewWithin: -time.Hour}, "RenewWithin"},
		{"negative session", users.TokenOptions{Secret: tokSecret, MaxSession: -time.Hour}, "MaxSession"},
		{"sub-second expiry", users.TokenOptions{Secret: tokSecret, Expiry: time.Millisecond}, "Expiry"},
	}
	for _, tc := range cases {
		_, err := users.NewTokens(db, tc.opts)
		if !errors.Is(err, users.ErrTokenOptions) || !strings.Contains(err.Error(), tc.option) {
			t.Errorf("%s: error %v, want ErrTokenOptions naming %s", tc.name, err, tc.option)
		}
	}
	if _, err := users.NewTokens(nil, users.TokenOptions{Secret: tokSecret}); !errors.Is(err, users.ErrTokenOptions) {
		t.Errorf("nil db: error %v, want ErrTokenOptions", err)
	}
}

// TestTokensVerifyOnly: a Tokens given only the EdDSA public key accepts
// the signer's tokens and cannot issue its own.
func TestTokensVerifyOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, u := tokSetup(t, db)
		key := tokEdKey(t)
		signer := newTokens(t, db, users.TokenOptions{Method: "EdDSA", PrivateKey: key})
		verifier := newTokens(t, db, users.TokenOptions{Method: "EdDSA", PublicKey: key.Public().(ed25519.PublicKey)})
		s, _ := tokIssue(t, ctx, signer, u)
		if _, err := verifier.Verify(ctx, s); err != nil {
			t.Fatal(err)
		}
		if _, _, err := verifier.Issue(ctx, u); err == nil || !strings.Contains(err.Error(), "PrivateKey") {
			t.Fatalf("verify-only Issue: error %v, want one naming PrivateKey", err)
		}
	})
}

func TestTokensRenew(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, u := tokSetup(t, db)
		for _, alg := range []string{"HS256", "EdDSA"} {
			clock := newTokClock()
			opts := tokOptions(t, clock)[alg]
			opts.Expiry, opts.RenewWithin, opts.MaxSession = time.Hour, 30*time.Minute, 2*time.Hour
			tk := newTokens(t, db, opts)
			old, oldClaims := tokIssue(t, ctx, tk, u)
			signIn := oldClaims.SignInAt
			clock.advance(10 * time.Minute)
			renewed, c, err := tk.Renew(ctx, old)
			if err != nil {
				t.Fatalf("%s: renew a live token: %v", alg, err)
			}
			if !c.SignInAt.Equal(signIn) || c.ID == oldClaims.ID || !c.IssuedAt.After(oldClaims.IssuedAt) || c.UserID != u.ID {
				t.Fatalf("%s: renewed claims %+v from %+v", alg, c, oldClaims)
			}
			if _, err := tk.Verify(ctx, renewed); err != nil {
				t.Fatalf("%s: verify renewed: %v", alg, err)
			}
			_, err = tk.Verify(ctx, old)
			tokWantErr(t, alg+": verify the renewed-away token", err, users.ErrTokenRevoked)
			_, _, err = tk.Renew(ctx, old)
			tokWantErr(t, alg+": renew twice", err, users.ErrTokenRevoked)

			// Expired, inside the window: renewable.
			clock.advance(time.Hour + 20*time.Minute)
			if _, err := tk.Verify(ctx, renewed); !errors.Is(err, users.ErrTokenExpired) {
				t.Fatalf("%s: expected the renewed token to have expired, got %v", alg, err)
			}
			third, _, err := tk.Renew(ctx, renewed)
			if err != nil {
				t.Fatalf("%s: renew 20 min after expiry: %v", alg, err)
			}
			// Expired beyond the window: not.
			clock.advance(time.Hour + 31*time.Minute)
			_, _, err = tk.Renew(ctx, third)
			tokWantErr(t, alg+": renew 31 min after expiry", err, users.ErrTokenExpired)

			// A live token whose session (2h01m) is older than MaxSession: not.
			clock.advance(-time.Hour)
			_, _, err = tk.Renew(ctx, third)
			tokWantErr(t, alg+": renew after MaxSession", err, users.ErrTokenExpired)
		}
	})
}

// TestTokensRenewChecksUser: Renew must not launder a token the middleware
// would refuse into a fresh one.
func TestTokensRenewChecksUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, u := tokSetup(t, db)
		clock := newTokClock()
		tk := newTokens(t, db, users.TokenOptions{Secret: tokSecret, Now: clock.Now})
		set := func(column string, v any) {
			t.Helper()
			if _, err := db.NewUpdate().Table("users").Set("? = ?", bun.Ident(column), v).
				Where("? = ?", bun.Ident("id"), u.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}

		s, c := tokIssue(t, ctx, tk, u)
		set("passwordChangeTz", c.IssuedAt.UnixMilli()+1)
		_, _, err := tk.Renew(ctx, s)
		tokWantErr(t, "renew after a password change", err, users.ErrTokenInvalid)

		clock.advance(time.Millisecond)
		s, _ = tokIssue(t, ctx, tk, u)
		if _, _, err := tk.Renew(ctx, s); err != nil {
			t.Fatalf("renew a token issued after the change: %v", err)
		}

		s, _ = tokIssue(t, ctx, tk, u)
		set("enabled", false)
		_, _, err = tk.Renew(ctx, s)
		tokWantErr(t, "renew for a disabled user", err, users.ErrTokenInvalid)

		ghost, _ := tokIssue(t, ctx, tk, &users.User{ID: u.ID + 1000})
		_, _, err = tk.Renew(ctx, ghost)
		tokWantErr(t, "renew for a missing user", err, users.ErrTokenInvalid)
	})
}

// TestTokensRenewOnce: of concurrent renewals of one token exactly one
// wins, so a stolen token cannot fork a session.
func TestTokensRenewOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx, u := tokSetup(t, db)
		tk := newTokens(t, db, users.TokenOptions{Secret: tokSecret})
		s, _ := tokIssue(t, ctx, tk, u)
		const n = 8
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, _, err := tk.Renew(ctx, s)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		won := 0
		for err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, users.ErrTokenRevoked):
				t.Errorf("losing renewal: %v, want ErrTokenRevoked", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d renewals won, want 1", won)
		}
	})
}

// FuzzVerify: no input panics Verify, every refusal is a 401 *TokenError,
// and a string that verifies is exactly what the signer writes: its
// signature segment is the secret's MAC of the rest, byte for byte (the
// fuzzing workers each issue their own token, so "the issued one" would
// not do).
func FuzzVerify(f *testing.F) {
	db := dbtest.SQLite(f)
	ctx := context.Background()
	if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
		f.Fatal(err)
	}
	tk := newTokens(f, db, users.TokenOptions{Secret: tokSecret})
	valid, _, err := tk.Issue(ctx, &users.User{ID: 7})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{valid, valid + "=", strings.ToUpper(valid), "", ".", "..", "a.b.c",
		"eyJhbGciOiJub25lIn0.eyJ1c2VySWQiOjF9.", strings.Replace(valid, ".", "..", 1)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := tk.Verify(ctx, token)
		if err == nil {
			if !tokSignedBySecret(token) || c.UserID != 7 {
				t.Fatalf("Verify accepted %q as user %d", token, c.UserID)
			}
			return
		}
		var te *users.TokenError
		if !errors.As(err, &te) || te.HTTPStatus() != http.StatusUnauthorized {
			t.Fatalf("Verify(%q): %v is not a 401 *TokenError", token, err)
		}
	})
}

// tokSignedBySecret reports whether token's last segment is the canonical
// encoding of tokSecret's HS256 MAC of the first two.
func tokSignedBySecret(token string) bool {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return false
	}
	sig, err := jwt.SigningMethodHS256.Sign(token[:i], tokSecret)
	return err == nil && base64.RawURLEncoding.EncodeToString(sig) == token[i+1:]
}
