package users

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/uptrace/bun"
)

// The kinds of TokenError. Match them with errors.Is; all three answer 401.
var (
	// ErrTokenInvalid: not a token this Tokens signed (malformed, wrong
	// signature or algorithm, missing claims, wrong issuer), or one whose
	// user may no longer renew it.
	ErrTokenInvalid = errors.New("users: token invalid")
	// ErrTokenExpired: signed by us but past its expiry (or, for Renew,
	// past the renewal window or the session limit).
	ErrTokenExpired = errors.New("users: token expired")
	// ErrTokenRevoked: signed by us but signed out (Revoke) or already
	// exchanged for a new one (Renew).
	ErrTokenRevoked = errors.New("users: token revoked")
	// ErrTokenOptions is wrapped by NewTokens' errors, which name the option.
	ErrTokenOptions = errors.New("users: invalid TokenOptions")
)

// TokenError is why a token was refused. Kind is ErrTokenInvalid,
// ErrTokenExpired or ErrTokenRevoked; Reason is one of a fixed set of
// phrases written here, never text taken from the token, so the message is
// safe to log and to show.
type TokenError struct {
	Kind   error
	Reason string
}

func (e *TokenError) Error() string { return e.Kind.Error() + ": " + e.Reason }

// Unwrap lets errors.Is match the kind.
func (e *TokenError) Unwrap() error { return e.Kind }

// HTTPStatus is 401 for every kind: the client must sign in (again).
func (e *TokenError) HTTPStatus() int { return http.StatusUnauthorized }

func tokenError(kind error, reason string) *TokenError {
	return &TokenError{Kind: kind, Reason: reason}
}

// TokenOptions configure NewTokens. Every instance that verifies another's
// tokens (several processes on one database) needs the same options.
type TokenOptions struct {
	// Method is the signing algorithm: "HS256" (the default, a shared
	// secret) or "EdDSA" (Ed25519: only the signer holds the private key).
	// A token signed with any other algorithm, "none" included, is refused.
	Method string
	// Secret is the HS256 key, at least 32 bytes of randomness.
	Secret []byte
	// PrivateKey signs EdDSA tokens. Without it a Tokens only verifies
	// (Issue and Renew fail), for services that accept tokens another
	// service issues.
	PrivateKey ed25519.PrivateKey
	// PublicKey verifies EdDSA tokens; derived from PrivateKey when nil.
	PublicKey ed25519.PublicKey
	// Expiry is how long a token is valid: 24h by default, NocoBase's
	// default tokenExpirationTime ("1d").
	Expiry time.Duration
	// RenewWithin is how long after its expiry a token may still be
	// exchanged for a new one by Renew (a live token always may): 24h by
	// default, NocoBase's expiredTokenRenewLimit ("1d").
	RenewWithin time.Duration
	// MaxSession bounds renewals: Renew refuses a token whose sign-in is
	// older than this, so a session ends even if renewed forever. 7 days
	// by default, NocoBase's sessionExpirationTime ("7d").
	MaxSession time.Duration
	// Issuer, when set, is written to the iss claim and required on
	// verification, so tokens of another service sharing the key are refused.
	Issuer string
	// Now is the clock; time.Now by default. Tests set it.
	Now func() time.Time
}

// TokenClaims is what a token says. Times are whole seconds except
// IssuedAt and SignInAt, which keep milliseconds, because TokenStale
// compares IssuedAt with passwordChangeTz (milliseconds): rounded to the
// second, a token issued just after a password change would look older
// than the change.
type TokenClaims struct {
	UserID    int64
	ID        string // jti: random, the key of the blocklist
	IssuedAt  time.Time
	ExpiresAt time.Time
	SignInAt  time.Time // when the user signed in; kept by Renew
}

// jwtClaims is the token's payload: NocoBase's names (userId, signInTime,
// issuedTime in milliseconds) beside the registered claims.
type jwtClaims struct {
	UserID     int64 `json:"userId"`
	SignInTime int64 `json:"signInTime"`
	IssuedTime int64 `json:"issuedTime"`
	jwt.RegisteredClaims
}

// Tokens issues and checks signed session tokens (JWTs) and keeps the
// blocklist of revoked ones in the tokenBlacklist table (CreateTables
// creates it).
type Tokens struct {
	db          *bun.DB
	method      jwt.SigningMethod
	signKey     any // nil: verify only
	verifyKey   any
	expiry      time.Duration
	renewWithin time.Duration
	maxSession  time.Duration
	issuer      string
	now         func() time.Time
	parser      *jwt.Parser
}

// NewTokens checks opts and returns a Tokens on db. Errors wrap
// ErrTokenOptions and name the offending option.
func NewTokens(db *bun.DB, opts TokenOptions) (*Tokens, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: db is nil", ErrTokenOptions)
	}
	t := &Tokens{
		db:          db,
		expiry:      defaultDuration(opts.Expiry, 24*time.Hour),
		renewWithin: defaultDuration(opts.RenewWithin, 24*time.Hour),
		maxSession:  defaultDuration(opts.MaxSession, 7*24*time.Hour),
		issuer:      opts.Issuer,
		now:         opts.Now,
	}
	if t.now == nil {
		t.now = time.Now
	}
	durations := []struct {
		name string
		d    time.Duration
	}{{"Expiry", opts.Expiry}, {"RenewWithin", opts.RenewWithin}, {"MaxSession", opts.MaxSession}}
	for _, o := range durations {
		if o.d < 0 {
			return nil, fmt.Errorf("%w: %s is negative (%s)", ErrTokenOptions, o.name, o.d)
		}
	}
	if t.expiry < time.Second {
		return nil, fmt.Errorf("%w: Expiry %s is under a second, the precision of a token's expiry", ErrTokenOptions, t.expiry)
	}
	var err error
	switch opts.Method {
	case "", "HS256":
		err = t.useHS256(opts)
	case "EdDSA":
		err = t.useEdDSA(opts)
	default:
		err = fmt.Errorf("%w: Method %q is not HS256 or EdDSA", ErrTokenOptions, opts.Method)
	}
	if err != nil {
		return nil, err
	}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{t.method.Alg()}),
		// One encoding per token: no variant of a token passes for it.
		jwt.WithStrictDecoding(),
		// Verify and Renew check the times themselves: Renew accepts
		// an expired token.
		jwt.WithoutClaimsValidation(),
	)
	return t, nil
}

func defaultDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// minSecretLen is HS256's key size: a shorter secret weakens the MAC.
const minSecretLen = 32

func (t *Tokens) useHS256(opts TokenOptions) error {
	if len(opts.Secret) < minSecretLen {
		return fmt.Errorf("%w: Secret has %d bytes, HS256 needs at least %d", ErrTokenOptions, len(opts.Secret), minSecretLen)
	}
	if opts.PrivateKey != nil || opts.PublicKey != nil {
		return fmt.Errorf("%w: PrivateKey/PublicKey are for EdDSA, Method is HS256", ErrTokenOptions)
	}
	key := bytes.Clone(opts.Secret)
	t.method, t.signKey, t.verifyKey = jwt.SigningMethodHS256, key, key
	return nil
}

func (t *Tokens) useEdDSA(opts TokenOptions) error {
	if opts.Secret != nil {
		return fmt.Errorf("%w: Secret is for HS256, Method is EdDSA", ErrTokenOptions)
	}
	pub := opts.PublicKey
	if opts.PrivateKey != nil {
		if len(opts.PrivateKey) != ed25519.PrivateKeySize {
			return fmt.Errorf("%w: PrivateKey has %d bytes, Ed25519 needs %d", ErrTokenOptions, len(opts.PrivateKey), ed25519.PrivateKeySize)
		}
		derived := opts.PrivateKey.Public().(ed25519.PublicKey)
		if pub != nil && !pub.Equal(derived) {
			return fmt.Errorf("%w: PublicKey does not match PrivateKey", ErrTokenOptions)
		}
		pub = derived
		t.signKey = opts.PrivateKey
	}
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: EdDSA needs PrivateKey or a %d-byte PublicKey (PublicKey has %d bytes)", ErrTokenOptions, ed25519.PublicKeySize, len(pub))
	}
	t.method, t.verifyKey = jwt.SigningMethodEdDSA, pub
	return nil
}

// Issue signs a new token for u, who has just signed in.
func (t *Tokens) Issue(ctx context.Context, u *User) (string, *TokenClaims, error) {
	if u == nil || u.ID == 0 {
		return "", nil, fmt.Errorf("users: issue token: user has no id")
	}
	return t.issue(u.ID, t.now())
}

// issue signs a token for userID whose session began at signInAt.
func (t *Tokens) issue(userID int64, signInAt time.Time) (string, *TokenClaims, error) {
	if t.signKey == nil {
		return "", nil, fmt.Errorf("users: issue token: this Tokens only verifies (no TokenOptions.PrivateKey)")
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, fmt.Errorf("users: issue token: %w", err)
	}
	now := time.UnixMilli(t.now().UnixMilli())
	c := &TokenClaims{
		UserID:    userID,
		ID:        base64.RawURLEncoding.EncodeToString(raw[:]),
		IssuedAt:  now,
		ExpiresAt: now.Add(t.expiry).Truncate(time.Second),
		SignInAt:  time.UnixMilli(signInAt.UnixMilli()),
	}
	payload := jwtClaims{
		UserID:     c.UserID,
		SignInTime: c.SignInAt.UnixMilli(),
		IssuedTime: c.IssuedAt.UnixMilli(),
		RegisteredClaims: jwt.RegisteredClaims{
			ID:        c.ID,
			Issuer:    t.issuer,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(c.ExpiresAt),
		},
	}
	s, err := jwt.NewWithClaims(t.method, payload).SignedString(t.signKey)
	if err != nil {
		return "", nil, fmt.Errorf("users: sign token for user %d: %w", userID, err)
	}
	return s, c, nil
}

// Verify checks a token's signature (with the configured algorithm only),
// its claims, its expiry and the blocklist, and returns its claims. Errors
// are *TokenError. It does not look at the user: the caller refuses a
// missing or disabled user, and a token that TokenStale says predates the
// user's last password change.
func (t *Tokens) Verify(ctx context.Context, token string) (*TokenClaims, error) {
	c, err := t.parse(token)
	if err != nil {
		return nil, err
	}
	if t.expired(c) {
		return nil, tokenError(ErrTokenExpired, "past its expiry")
	}
	revoked, err := t.revoked(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if revoked {
		return nil, tokenError(ErrTokenRevoked, "signed out or renewed")
	}
	return c, nil
}

// expired reports whether the token's expiry has passed.
func (t *Tokens) expired(c *TokenClaims) bool { return !t.now().Before(c.ExpiresAt) }

// parse checks the signature and the claims' shape, not the times.
func (t *Tokens) parse(token string) (*TokenClaims, error) {
	var p jwtClaims
	_, err := t.parser.ParseWithClaims(token, &p, func(tok *jwt.Token) (any, error) {
		if tok.Method.Alg() != t.method.Alg() { // WithValidMethods checks it too; belt and braces
			return nil, jwt.ErrTokenSignatureInvalid
		}
		return t.verifyKey, nil
	})
	if err != nil {
		return nil, tokenError(ErrTokenInvalid, parseReason(err))
	}
	switch {
	case p.UserID <= 0:
		return nil, tokenError(ErrTokenInvalid, "no userId")
	case p.ID == "":
		return nil, tokenError(ErrTokenInvalid, "no jti")
	case p.ExpiresAt == nil:
		return nil, tokenError(ErrTokenInvalid, "no exp")
	case p.IssuedTime <= 0 || p.SignInTime <= 0:
		return nil, tokenError(ErrTokenInvalid, "no issuedTime or signInTime")
	case p.Issuer != t.issuer:
		return nil, tokenError(ErrTokenInvalid, "wrong issuer")
	}
	return &TokenClaims{
		UserID:    p.UserID,
		ID:        p.ID,
		IssuedAt:  time.UnixMilli(p.IssuedTime),
		ExpiresAt: p.ExpiresAt.Time,
		SignInAt:  time.UnixMilli(p.SignInTime),
	}, nil
}

// parseReason names what the JWT library refused in fixed words; its own
// messages may quote the token.
func parseReason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "signature or algorithm mismatch"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	default:
		return "unreadable"
	}
}

// Renew exchanges a token for a new one with the same sign-in time and
// revokes the old one, so each token renews once. It accepts a live token
// and one expired for at most RenewWithin, while the session is younger
// than MaxSession. Because the new token is issued now, Renew first checks
// the user, as the middleware does: a missing or disabled user, or a token
// older than the user's last password change, is ErrTokenInvalid.
func (t *Tokens) Renew(ctx context.Context, token string) (string, *TokenClaims, error) {
	c, err := t.parse(token)
	if err != nil {
		return "", nil, err
	}
	now := t.now()
	if now.After(c.ExpiresAt.Add(t.renewWithin)) {
		return "", nil, tokenError(ErrTokenExpired, "past its renewal window")
	}
	if now.After(c.SignInAt.Add(t.maxSession)) {
		return "", nil, tokenError(ErrTokenExpired, "session older than MaxSession")
	}
	if err := t.checkUserMayRenew(ctx, c); err != nil {
		return "", nil, err
	}
	added, err := t.block(ctx, c)
	if err != nil {
		return "", nil, err
	}
	if !added { // revoked before, or renewed by a concurrent call
		return "", nil, tokenError(ErrTokenRevoked, "signed out or renewed")
	}
	return t.issue(c.UserID, c.SignInAt)
}

func (t *Tokens) checkUserMayRenew(ctx context.Context, c *TokenClaims) error {
	u := new(User)
	err := t.db.NewSelect().Model(u).Column("id", "enabled", "passwordChangeTz").
		Where("? = ?", bun.Ident("id"), c.UserID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return tokenError(ErrTokenInvalid, "user not found")
	}
	if err != nil {
		return fmt.Errorf("users: renew token: load user %d: %w", c.UserID, err)
	}
	if u.Enabled != nil && !*u.Enabled {
		return tokenError(ErrTokenInvalid, "user disabled")
	}
	if TokenStale(u, c.IssuedAt) {
		return tokenError(ErrTokenInvalid, "password changed since issue")
	}
	return nil
}
