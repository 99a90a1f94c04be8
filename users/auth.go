package users

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// PrincipalSetter puts an authenticated user and the roles a request is
// checked against into its context. *acl.ACL satisfies it (its
// WithPrincipal); users declares it so as not to import acl.
type PrincipalSetter interface {
	WithPrincipal(ctx context.Context, userID any, user func(context.Context) (map[string]any, error), role string, roles []string) context.Context
}

// UnionRole is the X-Role value that asks for the union of all the user's
// roles, NocoBase's UNION_ROLE_KEY. The request's current role is then
// this name, as NocoBase's ctx.state.currentRole is.
const UnionRole = "__union__"

// AnonymousRole is the X-Role value with which a signed-in user acts as a
// visitor, as NocoBase allows.
const AnonymousRole = "anonymous"

// NewTokenHeader carries the token that replaces an expired one the
// middleware renewed (NocoBase's X-New-Token); clients send it from then on.
const NewTokenHeader = "X-New-Token"

// AuthOptions configure Authenticate and AuthActions.
type AuthOptions struct {
	// DB holds the users. Required.
	DB *bun.DB
	// Tokens verifies (and, for AuthActions, issues) the session tokens.
	// Required.
	Tokens *Tokens
	// Roles reads a user's roles; RolesFromTable(DB) when nil.
	Roles RolesOfUser
	// ACL receives the user and roles of each authenticated request.
	// Required by Authenticate: pass the *acl.ACL whose middleware
	// checks the requests.
	ACL PrincipalSetter
	// UserModel is the user model when a host extends User (as given to
	// CreateTables); User by default. The user record templates and
	// auth:check see is this model, without its hidden fields.
	UserModel any
	// Logger receives errors the client is not shown (database failures);
	// slog.Default() when nil.
	Logger *slog.Logger
}

// AuthError is an authentication failure the client is shown: NocoBase's
// status, code and message, none of which says more than the client may
// know.
type AuthError struct {
	Status  int
	Code    string // NocoBase's error code, such as "INVALID_TOKEN"; may be ""
	Message string
	Err     error // the cause, for logs and errors.Is
}

func (e *AuthError) Error() string { return e.Message }

func (e *AuthError) Unwrap() error { return e.Err }

// HTTPStatus reports the status the error answers with.
func (e *AuthError) HTTPStatus() int { return e.Status }

const sessionExpired = "Your session has expired. Please sign in again."

// Authentication is what Authenticate learnt of a request: its token and
// claims (the renewed ones when it renewed an expired token), the user's
// roles, and the role and roles the request is checked against. The
// user's record is read only when asked for (UserRecord).
type Authentication struct {
	Token     string
	Claims    *TokenClaims
	UserRoles []string
	Role      string
	Roles     []string

	au         *authenticator
	recordOnce sync.Once
	record     map[string]any
	recordErr  error
}

// UserRecord returns the user's record without hidden fields (the host's
// user model as JSON), read once per request when first asked for: by
// auth:check, or by an ACL template naming a field other than the id.
// Most requests never read it, and so cost one small query.
func (a *Authentication) UserRecord(ctx context.Context) (map[string]any, error) {
	a.recordOnce.Do(func() {
		var m any
		if m, _, a.recordErr = a.au.loadUser(ctx, a.Claims.UserID); a.recordErr != nil {
			return
		}
		if a.record, a.recordErr = principalRecord(m); a.recordErr != nil {
			a.recordErr = fmt.Errorf("users: the record of user %d: %w", a.Claims.UserID, a.recordErr)
		}
	})
	return a.record, a.recordErr
}

type authKey struct{}

// Authenticated returns the request's Authentication, set by Authenticate.
func Authenticated(ctx context.Context) (*Authentication, bool) {
	a, ok := ctx.Value(authKey{}).(*Authentication)
	return a, ok
}

// Authenticate returns the middleware that turns a request's bearer token
// into its user and roles, the one place a host sets what the other
// packages read: users.WithCurrentUser (audit fields, profile actions)
// and, through opts.ACL, acl's user, role and roles.
//
//   - No token (no Authorization header, or not a Bearer one): the request
//     passes with no user, so "public" and "loggedIn" allow conditions
//     decide as in NocoBase.
//   - A token Tokens.Verify refuses: 401. An expired one that Tokens.Renew
//     still accepts is renewed instead, and the new token is sent in the
//     X-New-Token header, as NocoBase's token policy does; two concurrent
//     requests with the same expired token renew it once, and the second
//     is refused.
//   - The user missing, disabled, or whose password changed after the
//     token was issued (TokenStale): 401.
//   - Roles: X-Role names one of the user's roles (that role alone is
//     checked), UnionRole (all of them), AnonymousRole (the anonymous
//     role), or nothing (the first of Roles' list: the default one). A
//     user without roles, or a role that is not the user's, is answered
//     401 as NocoBase does (USER_HAS_NO_ROLES_ERR, ROLE_NOT_FOUND_FOR_USER).
//
// Errors are NocoBase's JSON body {"errors":[{"message","code"}]}. It
// panics when DB, Tokens or ACL is missing: a wiring mistake.
func Authenticate(opts AuthOptions) func(http.Handler) http.Handler {
	au, err := newAuthenticator(opts, true)
	if err != nil {
		panic(err)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, ok := bearerToken(r)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			a, err := au.authenticate(r.Context(), token, r.Header.Get("X-Role"))
			if err != nil {
				au.writeError(w, r, err)
				return
			}
			if a.Token != token {
				w.Header().Set(NewTokenHeader, a.Token)
			}
			next.ServeHTTP(w, r.WithContext(au.withAuthentication(r.Context(), a)))
		})
	}
}

// authenticator holds what Authenticate and AuthActions share.
type authenticator struct {
	db     *bun.DB
	tokens *Tokens
	roles  RolesOfUser
	acl    PrincipalSetter
	model  reflect.Type
	table  bun.Ident // the user model's table
	log    *slog.Logger
}

func newAuthenticator(opts AuthOptions, needACL bool) (*authenticator, error) {
	switch {
	case opts.DB == nil:
		return nil, errors.New("users: AuthOptions.DB is required")
	case opts.Tokens == nil:
		return nil, errors.New("users: AuthOptions.Tokens is required")
	case needACL && opts.ACL == nil:
		return nil, errors.New("users: AuthOptions.ACL is required (the *acl.ACL that checks the requests)")
	}
	t, err := userModelType(opts.UserModel)
	if err != nil {
		return nil, err
	}
	au := &authenticator{db: opts.DB, tokens: opts.Tokens, roles: opts.Roles, acl: opts.ACL, model: t,
		table: bun.Ident(opts.DB.Table(t).Name), log: opts.Logger}
	if au.roles == nil {
		au.roles = RolesFromTable(opts.DB)
	}
	if au.log == nil {
		au.log = slog.Default()
	}
	return au, nil
}

// bearerToken reads "Authorization: Bearer <token>"; the scheme is
// case-insensitive (RFC 7235), an empty token counts as none.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func (au *authenticator) authenticate(ctx context.Context, token, xRole string) (*Authentication, error) {
	claims, err := au.tokens.parse(token)
	if err != nil {
		return nil, tokenAuthError(err)
	}
	if au.tokens.expired(claims) { // renewed while within its window (Tokens.Renew decides)
		if token, claims, err = au.tokens.Renew(ctx, token); err != nil {
			return nil, tokenAuthError(err)
		}
	}
	u, err := au.loadUnrevoked(ctx, claims)
	if err != nil {
		return nil, err
	}
	switch {
	case u.Enabled != nil && !*u.Enabled:
		return nil, &AuthError{Status: http.StatusUnauthorized, Code: "USER_DISABLED", Message: userDisabled}
	case TokenStale(u, claims.IssuedAt):
		return nil, &AuthError{Status: http.StatusUnauthorized, Code: "INVALID_TOKEN", Message: "User password changed, please signin again."}
	}
	userRoles, err := au.roles.RolesOf(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	role, roles, err := pickRoles(userRoles, xRole)
	if err != nil {
		return nil, err
	}
	return &Authentication{Token: token, Claims: claims, UserRoles: userRoles, Role: role, Roles: roles, au: au}, nil
}

// tokenAuthError answers a refused token with NocoBase's one message, so
// that a client learns nothing of why; other errors (the blocklist's
// database) stay server errors.
func tokenAuthError(err error) error {
	var te *TokenError
	if !errors.As(err, &te) {
		return err
	}
	code := "INVALID_TOKEN"
	switch {
	case errors.Is(err, ErrTokenRevoked):
		code = "BLOCKED_TOKEN"
	case errors.Is(err, ErrTokenExpired):
		code = "EXPIRED_SESSION"
	}
	return &AuthError{Status: http.StatusUnauthorized, Code: code, Message: sessionExpired, Err: err}
}

// loadUnrevoked reads what decides whether an unexpired token's user may
// act (enabled, passwordChangeTz) in the one query each request pays: the
// user's row, found only while the token is not on the blocklist. When no
// row comes back, a second query tells a signed-out token from a missing
// user (what Verify, then loading, would answer).
func (au *authenticator) loadUnrevoked(ctx context.Context, c *TokenClaims) (*User, error) {
	notRevoked := au.db.NewSelect().Model((*TokenBlock)(nil)).Column("token").
		Where("? = ?", bun.Ident("token"), blockKey(c.ID))
	var enabled sql.NullBool
	var changed sql.NullInt64
	err := au.db.NewSelect().TableExpr("?", au.table).ColumnExpr("?, ?", bun.Ident("enabled"), bun.Ident("passwordChangeTz")).
		Where("? = ?", bun.Ident("id"), c.UserID).Where("NOT EXISTS (?)", notRevoked).
		Scan(ctx, &enabled, &changed)
	if errors.Is(err, sql.ErrNoRows) {
		revoked, rerr := au.tokens.revoked(ctx, c.ID)
		switch {
		case rerr != nil:
			return nil, rerr
		case revoked:
			return nil, tokenAuthError(tokenError(ErrTokenRevoked, "signed out or renewed"))
		}
		return nil, userNotFound(err)
	}
	if err != nil {
		return nil, fmt.Errorf("users: load user %d: %w", c.UserID, err)
	}
	u := &User{ID: c.UserID, PasswordChangeTz: changed.Int64}
	if enabled.Valid {
		u.Enabled = &enabled.Bool
	}
	return u, nil
}

// newUser is a new host user model with its id set, and the User in it.
func (au *authenticator) newUser(id int64) (any, *User) {
	m := reflect.New(au.model).Interface()
	u := m.(interface{ directoryUser() *User }).directoryUser()
	u.ID = id
	return m, u
}

// loadUser reads the user as the host's model and the User inside it; a
// missing user is a 401.
func (au *authenticator) loadUser(ctx context.Context, id int64) (any, *User, error) {
	m, u := au.newUser(id)
	if err := au.db.NewSelect().Model(m).WherePK().Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, userNotFound(err)
		}
		return nil, nil, fmt.Errorf("users: load user %d: %w", id, err)
	}
	return m, u, nil
}

func userNotFound(err error) *AuthError {
	return &AuthError{Status: http.StatusUnauthorized, Code: "NOT_EXIST_USER",
		Message: "User not found. Please sign in again to continue.", Err: err}
}

// pickRoles is NocoBase's setCurrentRole: the role the request acts as and
// the roles it is checked against.
func pickRoles(userRoles []string, xRole string) (string, []string, error) {
	switch {
	case xRole == AnonymousRole:
		return AnonymousRole, []string{AnonymousRole}, nil
	case len(userRoles) == 0:
		return "", nil, &AuthError{Status: http.StatusUnauthorized, Code: "USER_HAS_NO_ROLES_ERR",
			Message: "The current user has no roles. Please try another account."}
	case xRole == UnionRole:
		return UnionRole, slices.Clone(userRoles), nil
	case xRole == "":
		return userRoles[0], []string{userRoles[0]}, nil
	case slices.Contains(userRoles, xRole):
		return xRole, []string{xRole}, nil
	}
	return "", nil, &AuthError{Status: http.StatusUnauthorized, Code: "ROLE_NOT_FOUND_FOR_USER",
		Message: "The role does not belong to the user"}
}

func (au *authenticator) withAuthentication(ctx context.Context, a *Authentication) context.Context {
	id := a.Claims.UserID
	ctx = context.WithValue(ctx, authKey{}, a)
	ctx = WithCurrentUser(ctx, id)
	return au.acl.WithPrincipal(ctx, id, a.UserRecord, a.Role, a.Roles)
}

// principalRecord is the JSON view of a user model without hidden fields, as a
// map: what acl templates ({{ ctx.state.currentUser.x }}) and auth:check
// read. Whole numbers become int64, so ids compare equal to the ones the
// database returns.
func principalRecord(model any) (map[string]any, error) {
	v, err := jsonval.Normalize(Desensitize(model))
	if err != nil {
		return nil, err
	}
	record, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the user model encodes as %T, not an object", v)
	}
	for k, v := range record {
		record[k] = wholeNumbers(v)
	}
	return record, nil
}

// wholeNumbers turns the json.Numbers in v into int64 or float64.
func wholeNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = wholeNumbers(x)
		}
	case []any:
		for i, x := range v {
			v[i] = wholeNumbers(x)
		}
	}
	return v
}

// writeError answers an authentication failure; any other error is logged
// and answered 500 without its details.
func (au *authenticator) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *AuthError
	if !errors.As(err, &ae) {
		au.log.ErrorContext(r.Context(), "users: authenticate a request", "err", err)
		ae = &AuthError{Status: http.StatusInternalServerError, Message: "Internal server error"}
	}
	type item struct {
		Message string `json:"message"`
		Code    string `json:"code,omitempty"`
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(ae.Status)
	_ = json.NewEncoder(w).Encode(map[string][]item{"errors": {{Message: ae.Message, Code: ae.Code}}})
}
