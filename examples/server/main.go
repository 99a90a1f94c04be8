// Command server is a complete gatehouse service on net/http: sign-in,
// the users and departments directory, a sample posts collection with
// own-rows permissions, the roles API and directory sync, on a SQLite file
// (the default) or PostgreSQL.
//
//	go run ./examples/server                   # gatehouse.db in the working directory
//	go run ./examples/server -pg 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//
// The wiring is package app; this file opens the database, serves it and
// shuts down gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	flags, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		os.Exit(2)
	}
	if err := run(ctx, flags, os.Stdout, nil); err != nil {
		log.Fatal(err)
	}
}

// usage is printed by -h.
func usage(out io.Writer, fs *flag.FlagSet) func() {
	return func() {
		fmt.Fprintf(out, "usage: server [-db PATH | -pg DSN] [-addr :8080] [-root-password PW] [-scim-token TOKEN]\n")
		fs.PrintDefaults()
	}
}
