// Command sync keeps a gatehouse directory equal to an outside one: users
// from a CSV, TSV or Excel file or an LDAP server, departments from a tree
// dataset or a list of department paths. It shows a progress bar, then a
// summary per resource; with -dry-run, the plan, and nothing is written.
//
//	go run ./examples/sync -users testdata/users.csv -tree testdata/tree.csv
//	go run ./examples/sync -users testdata/users.csv -tree testdata/tree.csv -dry-run
//	go run ./examples/sync -xlsx testdata/users.xlsx -tree testdata/tree.csv -pg postgres://...
//	GATEHOUSE_LDAP_PASSWORD=secret go run ./examples/sync -ldap ldap://127.0.0.1:389 \
//		-ldap-base dc=example,dc=org -ldap-bind cn=reader,dc=example,dc=org
//
// The directory is a SQLite file (-db, gatehouse.db by default) or a
// PostgreSQL database (-pg DSN); its tables are created when missing. A
// sync is one transaction: a bad row fails it, naming the file and line,
// and nothing is written.
//
// Users the source no longer has are disabled (-on-missing disable, the
// default: kept with their departments, enabled again if they come back;
// -purge-after DAYS deletes them once missing that long), deleted
// (-on-missing delete) or kept (-on-missing keep); only those this source
// (-source) synced itself. Departments it no longer has are kept until
// purged, or deleted with -on-missing delete.
//
// With -threshold PERCENT, a sync that would disable or delete that share
// of the source's users or more writes nothing: it prints the users it
// would disable or delete and a token, and the same command with
// -approve TOKEN applies exactly those changes (if the source still says
// the same; otherwise the threshold applies again).
//
//	go run ./examples/sync -users testdata/users.csv -tree testdata/tree.csv -threshold 30
//	go run ./examples/sync -users testdata/users.csv -tree testdata/tree.csv -threshold 30 -approve 5f2c…
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stdout)); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "sync:", err)
		}
		os.Exit(1)
	}
}

// run parses args, syncs, and writes the progress and the report to out
// (a bar when out is a terminal, plain lines otherwise).
func run(ctx context.Context, args []string, out, errOut io.Writer, terminal bool) error {
	cfg, err := parseFlags(args, errOut)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	src, err := buildSource(ctx, cfg)
	if err != nil {
		return err
	}
	m, err := newManager(ctx, db, errOut)
	if err != nil {
		return err
	}
	defer m.Close()
	bar := newProgress(out, terminal)
	pol := datasync.DefaultPolicy()
	pol.OnMissing = datasync.OnMissing(cfg.onMissing)
	pol.PurgeAfterDays = cfg.purgeAfter
	pol.Limits = datasync.DeletionLimits{Percent: cfg.threshold, AllowAll: cfg.allowAll}
	opts := datasync.RunSourceOptions{DryRun: cfg.dryRun, Policy: pol, Approve: cfg.approve}
	report, err := m.RunSource(ctx, cfg.source, bar.wrap(src), opts)
	bar.done()
	if err != nil {
		return describeFailure(err, pol.OnMissing)
	}
	printReport(out, report, cfg.dryRun)
	return nil
}
