package main

import (
	"flag"
	"io"
)

// flags are the command line; the secret and root password may come from
// the environment instead, so they stay out of the process list.
type flags struct {
	db, pg, addr string
	rootPassword string
	secret       string
}

// parseFlags reads args; getenv supplies INIT_ROOT_PASSWORD and
// GATEHOUSE_SECRET when the flags leave them empty.
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
	if err := fs.Parse(args); err != nil {
		return flags{}, err
	}
	if f.rootPassword == "" {
		f.rootPassword = getenv("INIT_ROOT_PASSWORD")
	}
	if f.secret == "" {
		f.secret = getenv("GATEHOUSE_SECRET")
	}
	return f, nil
}
