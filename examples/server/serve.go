package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/gatehouse-dev/gatehouse/examples/server/app"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

// shutdownGrace is how long in-flight requests get to finish after a
// signal before the server closes their connections.
const shutdownGrace = 10 * time.Second

// run serves until ctx ends, then shuts down gracefully. ready, when not
// nil, receives the address the server listens on (tests listen on :0).
func run(ctx context.Context, f flags, out io.Writer, ready chan<- string) error {
	db, err := openDB(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	secret := []byte(f.secret)
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
	}
	svc, err := app.New(ctx, app.Config{DB: db, Secret: secret, RootPassword: f.rootPassword, Logger: slog.Default(), SCIMToken: f.scimToken})
	if err != nil {
		return err
	}
	defer svc.Close()

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: svc.Handler, ReadHeaderTimeout: 10 * time.Second}
	printWelcome(out, ln.Addr().String(), svc.RootPassword, f.scimToken != "")
	if ready != nil {
		ready <- ln.Addr().String()
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// openDB opens PostgreSQL for -pg, else the SQLite file: sqlitedb.Open
// sets WAL, a busy timeout and BEGIN IMMEDIATE, so concurrent writers
// queue instead of failing with SQLITE_BUSY.
func openDB(ctx context.Context, f flags) (*bun.DB, error) {
	if f.pg == "" {
		return sqlitedb.Open(ctx, f.db, sqlitedb.Options{})
	}
	db := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(f.pg))), pgdialect.New())
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	return db, nil
}

// printWelcome tells the operator where the API is and how to sign in.
func printWelcome(out io.Writer, addr, rootPassword string, scim bool) {
	host, port, err := net.SplitHostPort(addr)
	if err == nil && (host == "" || host == "::" || host == "0.0.0.0") {
		addr = net.JoinHostPort("localhost", port)
	}
	url := "http://" + addr + app.DefaultPrefix
	fmt.Fprintf(out, "gatehouse listening on %s\n", url)
	password := rootPassword
	if password == "" {
		password = "$INIT_ROOT_PASSWORD"
		fmt.Fprintf(out, "root user exists already: sign in with its password\n")
	} else {
		fmt.Fprintf(out, "root password (shown once, change it): %s\n", rootPassword)
	}
	fmt.Fprintf(out, "sign in:\n  curl -s -X POST %s/auth:signIn -H 'Content-Type: application/json' -d '{\"account\":\"nocobase\",\"password\":\"%s\"}'\n", url, password)
	if scim {
		fmt.Fprintf(out, "SCIM 2.0 for identity providers (tenant URL; the secret token is -scim-token): http://%s%s\n", addr, app.SCIMPath)
	}
}
