// Package app is examples/server's service: gatehouse's packages wired into
// one http.Handler, the way a team starts its own service. New creates the
// tables, installs the root user and the built-in roles, and serves under
// /api sign-in, the users and departments directory, a sample posts
// collection, the roles API and the directory sync API, every request
// authenticated by one middleware and checked by the ACL.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/scim"
	"github.com/gatehouse-dev/gatehouse/datasync/syncapi"
	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
	"github.com/gatehouse-dev/gatehouse/users"
)

// RootEmail is the root user's email, NocoBase's default; the username
// is nocobase, InstallRoot's default.
const RootEmail = "admin@nocobase.com"

// DefaultPrefix is where the API is served when Config.Prefix is empty.
const DefaultPrefix = "/api"

// ErrConfig is wrapped by New's errors for a Config it cannot use; the
// message names the field.
var ErrConfig = errors.New("app: invalid Config")

// Config is what the host decides: the database, the signing key and the
// root password. New never opens or closes the database.
type Config struct {
	// DB is opened by the caller: sqlitedb.Open for a SQLite file, bun
	// with pgdriver for PostgreSQL.
	DB *bun.DB
	// Secret is the HS256 key of the session tokens, at least 32 bytes.
	// Every instance sharing the database needs the same one.
	Secret []byte
	// RootPassword is the root user's password when New installs it
	// (INIT_ROOT_PASSWORD); "" generates a random one, returned in
	// App.RootPassword. An existing root user is left as it is.
	RootPassword string
	// Prefix is the path the API is served under, as the client sees it:
	// "/v1/api" when a router mounts Handler under /v1 without stripping
	// it. DefaultPrefix when empty.
	Prefix string
	// Logger receives the request logs and the packages' own;
	// slog.Default() when nil.
	Logger *slog.Logger
	// SCIMToken, when set, serves a SCIM 2.0 server at SCIMPath for
	// identity providers (Okta, Entra ID) to provision users and groups
	// with, authenticated by this bearer token. No SCIM without it.
	SCIMToken string
	// SCIMGroups is what SCIM groups become: departments (the zero value)
	// or, with scim.GroupsAsRoles, roles; New then creates the table
	// those groups are kept in (scim.CreateTables).
	SCIMGroups scim.GroupMode
}

// SCIMPath is where Handler serves SCIM when Config.SCIMToken is set: the
// tenant URL to give an identity provider is the server's address + this.
const SCIMPath = "/scim/v2"

// App is the wired service.
type App struct {
	// Handler serves the API: authentication, then the ACL, then the
	// actions; one log line per request.
	Handler http.Handler
	// RootPassword is the password New installed the root user with, ""
	// when the root user existed already.
	RootPassword string
	// Store keeps the roles in the database and the ACL in step with them.
	Store *aclstore.Store
	// Sync is the directory sync manager behind userData:push.
	Sync *datasync.Manager
	// Tokens issues and checks the session tokens.
	Tokens *users.Tokens

	stopWatch context.CancelFunc
	watching  chan struct{}
}

// New wires the service on cfg.DB, creating what is missing (tables, root
// user, the root, admin and member roles), so it runs on every start.
// Close stops what it started.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.DB == nil {
		return nil, fmt.Errorf("%w: DB is nil", ErrConfig)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	db := cfg.DB
	a, err := newACL()
	if err != nil {
		return nil, err
	}
	tokens, err := users.NewTokens(db, users.TokenOptions{Secret: cfg.Secret})
	if err != nil {
		return nil, fmt.Errorf("%w: Secret: %w", ErrConfig, err)
	}

	// Tables: the directory and sync's (NewSyncManager), the roles', posts.
	// Roles a sync gives, takes or creates (the push API, SCIM) are written
	// by the users package, not the store: the store listens, so that its
	// cache and the ACL follow at once.
	store := aclstore.New(db, a, aclstore.Options{Logger: cfg.Logger})
	sync, err := users.NewSyncManager(ctx, db, users.Options{RolesListener: store}, datasync.Options{Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("app: creating the directory and sync tables: %w", err)
	}
	app := &App{Store: store, Sync: sync, Tokens: tokens}
	if err := app.install(ctx, cfg); err != nil {
		sync.Close()
		return nil, err
	}

	rs := resourcer.New(resourcer.Options{Prefix: cfg.Prefix, Logger: cfg.Logger})
	if err := define(rs, db, a, app, cfg.Logger); err != nil {
		sync.Close()
		return nil, fmt.Errorf("app: defining the API: %w", err)
	}
	auth := users.AuthOptions{DB: db, Tokens: tokens, Roles: app.Store, ACL: a, Logger: cfg.Logger}
	rs.RegisterActionHandlers(users.AuthActions(auth))
	if _, err := rs.Define(resourcer.ResourceOptions{Name: "auth"}); err != nil {
		sync.Close()
		return nil, err
	}
	var handler http.Handler = users.Authenticate(auth)(rs)
	if cfg.SCIMToken != "" {
		// SCIM has its own token and sees only what it provisioned: it is
		// not behind the users' authentication or the ACL.
		if cfg.SCIMGroups == scim.GroupsAsRoles {
			if err := scim.CreateTables(ctx, db); err != nil {
				sync.Close()
				return nil, fmt.Errorf("app: creating the SCIM tables: %w", err)
			}
		}
		provision, err := scim.New(sync, scim.Options{Token: cfg.SCIMToken, Logger: cfg.Logger, Groups: cfg.SCIMGroups})
		if err != nil {
			sync.Close()
			return nil, fmt.Errorf("%w: SCIM: %w", ErrConfig, err)
		}
		mux := http.NewServeMux()
		mux.Handle(SCIMPath+"/", provision)
		mux.Handle("/", handler)
		handler = mux
	}
	app.Handler = logRequests(cfg.Logger, handler)

	watchCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	app.stopWatch, app.watching = stop, make(chan struct{})
	go func() {
		defer close(app.watching)
		if err := app.Store.Watch(watchCtx); err != nil {
			cfg.Logger.Error("app: watching role changes", "error", err)
		}
	}()
	return app, nil
}

// install creates the tables New needs besides NewSyncManager's, loads the
// roles, creates the built-in ones that are missing and the root user.
func (app *App) install(ctx context.Context, cfg Config) error {
	if err := aclstore.CreateTables(ctx, cfg.DB); err != nil {
		return fmt.Errorf("app: creating the roles tables: %w", err)
	}
	if err := createPosts(ctx, cfg.DB); err != nil {
		return fmt.Errorf("app: creating the posts table: %w", err)
	}
	if err := app.Store.Load(ctx); err != nil {
		return fmt.Errorf("app: loading the roles: %w", err)
	}
	if err := ensureRoles(ctx, app.Store); err != nil {
		return fmt.Errorf("app: creating the built-in roles: %w", err)
	}
	installed, err := cfg.DB.NewSelect().Model((*users.User)(nil)).Where("?TableAlias.? = ?", bun.Ident("email"), RootEmail).Exists(ctx)
	if err != nil {
		return fmt.Errorf("app: looking up the root user: %w", err)
	}
	if installed {
		// InstallRoot would leave the root user alone: its password is
		// not ours to report.
		return nil
	}
	password := cfg.RootPassword
	if password == "" {
		var b [18]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		password = base64.RawURLEncoding.EncodeToString(b[:])
	}
	settings := map[string]string{"INIT_ROOT_EMAIL": RootEmail, "INIT_ROOT_PASSWORD": password}
	if _, err := users.InstallRoot(ctx, cfg.DB, func(k string) (string, bool) { v, ok := settings[k]; return v, ok }); err != nil {
		return err
	}
	app.RootPassword = password
	return nil
}

// define serves the resources under rs: the ACL middleware first (inside
// the Resourcer, so it knows the action), then users, departments, posts,
// the roles API and the sync API.
func define(rs *resourcer.Resourcer, db *bun.DB, a *acl.ACL, app *App, logger *slog.Logger) error {
	if err := rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: rs}), resourcer.UseOptions{Tag: "acl"}); err != nil {
		return err
	}
	filters := filterop.NewRegistry()
	if err := users.RegisterOperators(filters); err != nil {
		return err
	}
	rs.RegisterActionHandlers(users.Actions(users.ActionOptions{DB: db, Filters: filters}))
	rs.RegisterActionHandlers(users.DepartmentActions(db))
	for _, model := range []any{(*users.User)(nil), (*users.Department)(nil), (*Post)(nil)} {
		if _, err := crud.Define(rs, crud.Options{DB: db, Model: model, Filters: filters, Logger: logger}); err != nil {
			return err
		}
	}
	if err := aclstore.Register(rs, app.Store, aclstore.APIOptions{Undeletable: []string{"admin", "member"}}); err != nil {
		return err
	}
	return syncapi.Register(rs, app.Sync, syncapi.Options{UserID: users.CurrentUserID})
}

// Close stops watching role changes and the sync manager's tasks. It does
// not close the database, which the caller opened.
func (app *App) Close() error {
	app.stopWatch()
	<-app.watching
	return app.Sync.Close()
}
