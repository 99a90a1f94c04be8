package main

import (
	"flag"
	"io"

	"github.com/gatehouse-dev/gatehouse/examples/server/app"
)

// flags are the command line; the secret and root password may come from
// the environment instead, so they stay out of the process list.
type flags struct {
	db, pg, addr string
	rootPassword string
	secret       string
	scimToken    string
}

// parseFlags reads args; getenv supplies INIT_ROOT_PASSWORD,
// GATEHOUSE_SECRET and GATEHOUSE_SCIM_TOKEN when the flags leave them empty.
func parseFlags(args []string, getenv func(string) string, errOut io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = usage(errOut, fs)
	fs.StringVar(&f.db, "db", "gatehouse.db", "SQLite database file")
	fs.StringVar(&f.pg, "pg", "", "PostgreSQL DSN (instead of -db)")
	fs.StringVar(&f.addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&f.rootPassword, "root-password", "", "root's password when the root user is created (default $INIT_ROOT_PASSWORD, else random and printed once)")
	fs.StringVar(&f.secret, "secret", "", "token signing key, at least 32 bytes (default $GATEHOUSE_SECRET, else random: sessions end when the server restarts)")
	fs.StringVar(&f.scimToken, "scim-token", "", "serve SCIM 2.0 at "+app.SCIMPath+" for identity providers, with this bearer token (default $GATEHOUSE_SCIM_TOKEN; no SCIM when empty)")
	if err := fs.Parse(args); err != nil {
		return flags{}, err
	}
	if f.rootPassword == "" {
		f.rootPassword = getenv("INIT_ROOT_PASSWORD")
	}
	if f.secret == "" {
		f.secret = getenv("GATEHOUSE_SECRET")
	}
	if f.scimToken == "" {
		f.scimToken = getenv("GATEHOUSE_SCIM_TOKEN")
	}
	return f, nil
}
