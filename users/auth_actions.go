package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// NocoBase's sign-in messages. A failed sign-in says the same whatever was
// wrong, so that it does not tell which accounts exist.
const (
	signInFailed  = "The username/email or password is incorrect, please re-enter"
	accountNeeded = "Please enter your username or email"
	userDisabled  = "The user has been disabled. Please contact the administrator."
)

// AuthActions returns resourcer handlers keyed "auth:signIn",
// "auth:signOut" and "auth:check", NocoBase's basic authenticator, for
// rs.RegisterActionHandlers before defining the auth resource. It needs
// opts.DB and opts.Tokens (and UserModel for an extended user); it panics
// without them, a wiring mistake. The ACL must let them through: NocoBase
// allows auth:* to everyone ("public"), signOut and check then answer by
// the request's token.
//
//   - signIn (POST) takes values {account, password}: account is a username
//     or an email (a username match wins); NocoBase's older keys email and
//     username are accepted too. 400 "Please enter your username or
//     email" without any; 401 "The username/email or password is
//     incorrect, please re-enter" for an unknown account or a wrong
//     password alike, and an unknown account still verifies the password
//     against a fixed hash, so that both take as long; 401 for a disabled
//     user (after the password matched, so the state of an account is
//     told only to its owner). It answers {"user": the user without hidden
//     fields, "token": a new token}. CheckPassword upgrades a legacy hash.
//   - signOut (POST) revokes the request's token (401 without one).
//   - check answers the request's user without hidden fields, with
//     "roles", the names of the user's roles; 401 without a user
//     (NocoBase answers 200 with an empty object).
//
// Renewal needs no action: Authenticate renews an expired token itself.
func AuthActions(opts AuthOptions) map[string]http.Handler {
	a, err := newAuthActions(opts)
	if err != nil {
		panic(err) // a wiring mistake, found at start-up
	}
	return map[string]http.Handler{
		"auth:signIn":  resourcer.StateChanging(resourcer.HandlerFunc(a.signIn)),
		"auth:signOut": resourcer.StateChanging(resourcer.HandlerFunc(a.signOut)),
		"auth:check":   resourcer.HandlerFunc(a.check),
	}
}

type authActions struct {
	au *authenticator
	// dummyHash is what an unknown account's password is checked
	// against: a hash with the current parameters, so the check costs
	// what a real one does.
	dummyHash string
	// verify checks a password against the fixed hash for unknown
	// accounts; a field so that a test can see it is called.
	verify func(password, encoded string) (bool, error)
}

func newAuthActions(opts AuthOptions) (*authActions, error) {
	au, err := newAuthenticator(opts, false)
	if err != nil {
		return nil, err
	}
	// Hashed now, so the first unknown account costs no more than the next.
	dummy, err := HashPassword("gatehouse: no user has this password")
	if err != nil {
		return nil, fmt.Errorf("users: AuthActions: %w", err)
	}
	return &authActions{au: au, dummyHash: dummy, verify: VerifyPassword}, nil
}

func (a *authActions) signIn(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := r.Context()
	values, err := valuesOf(ac.Params)
	if err != nil {
		return nil, err
	}
	password, _ := values["password"].(string)
	m, u, err := a.findAccount(ctx, values)
	if err != nil {
		return nil, err
	}
	if u == nil {
		_, _ = a.verify(password, a.dummyHash)
		return nil, statusError(http.StatusUnauthorized, signInFailed)
	}
	ok, err := CheckPassword(ctx, a.au.db, u, password)
	switch {
	case ok && err != nil: // matched; only the hash upgrade failed
		a.au.log.ErrorContext(ctx, "users: sign in", "user", u.ID, "err", err)
	case !ok:
		return nil, statusError(http.StatusUnauthorized, signInFailed)
	}
	if u.Enabled != nil && !*u.Enabled {
		return nil, statusError(http.StatusUnauthorized, userDisabled)
	}
	token, _, err := a.au.tokens.Issue(ctx, u)
	if err != nil {
		return nil, err
	}
	record, err := principalRecord(m)
	if err != nil {
		return nil, fmt.Errorf("users: the record of user %d: %w", u.ID, err)
	}
	return map[string]any{"user": record, "token": token}, nil
}

// findAccount loads the user that values name (account, email or
// username), or nil when there is none.
func (a *authActions) findAccount(ctx context.Context, values map[string]any) (any, *User, error) {
	type lookup struct{ column, value string }
	var tries []lookup
	if s, _ := values["account"].(string); s != "" {
		tries = append(tries, lookup{"username", s}, lookup{"email", s})
	}
	if s, _ := values["email"].(string); s != "" && len(tries) == 0 {
		tries = append(tries, lookup{"email", s})
	}
	if s, _ := values["username"].(string); s != "" && len(tries) == 0 {
		tries = append(tries, lookup{"username", s})
	}
	if len(tries) == 0 {
		return nil, nil, statusError(http.StatusBadRequest, accountNeeded)
	}
	for _, try := range tries {
		m := reflect.New(a.au.model).Interface()
		err := a.au.db.NewSelect().Model(m).Where("?TableAlias.? = ?", bun.Ident(try.column), try.value).Limit(1).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("users: sign in: find the user by %s: %w", try.column, err)
		}
		return m, m.(interface{ directoryUser() *User }).directoryUser(), nil
	}
	return nil, nil, nil
}

func (a *authActions) signOut(r *http.Request, _ *resourcer.ActionContext) (any, error) {
	auth, ok := Authenticated(r.Context())
	if !ok {
		return nil, errUnauthorized
	}
	if err := a.au.tokens.Revoke(r.Context(), auth.Token); err != nil {
		return nil, err
	}
	return nil, nil
}

func (a *authActions) check(r *http.Request, _ *resourcer.ActionContext) (any, error) {
	auth, ok := Authenticated(r.Context())
	if !ok {
		return nil, errUnauthorized
	}
	record, err := auth.UserRecord(r.Context())
	if err != nil {
		return nil, err
	}
	out := maps.Clone(record)
	out["roles"] = append([]string{}, auth.UserRoles...)
	return out, nil
}
