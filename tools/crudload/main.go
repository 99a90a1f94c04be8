// Command crudload checks resourcer/crud under concurrent load: it serves
// crud for one table on 127.0.0.1 (httptest), beside a hand-written
// net/http + bun handler doing the same work as the floor, runs N clients
// for D seconds against each, and prints requests per second, errors by
// status and crud's ratio to the floor.
//
//	go run ./tools/crudload                       # SQLite WAL file, 200 clients × 10 s
//	go run ./tools/crudload -pg postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//	go run ./tools/crudload -clients 50 -duration 2s -workloads update
//
// Workloads: "update" (every request a PUT of a random row: crud's single
// UPDATE … RETURNING against the floor's) and "mix" (half reads, a third
// updates, the rest creates). The SQLite database is a file in a
// temporary directory opened with sqlitedb.Open (WAL, busy_timeout, its
// default pool); PostgreSQL a schema of the run's own, dropped at the end
// (internal/loadrun). The services take turns in five slices of the duration,
// so that drifting load on the machine weighs on both alike; the check is
// bounded: twice the duration per workload.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/loadrun"
)

func main() {
	var (
		clients   = flag.Int("clients", 200, "concurrent clients")
		duration  = flag.Duration("duration", 10*time.Second, "how long each workload runs against each service (in 5 alternating slices)")
		pg        = flag.String("pg", "", "PostgreSQL DSN; SQLite (a WAL file) when empty")
		pool      = flag.Int("pool", 0, "connection pool size (0: sqlitedb's default for SQLite, 4×cores for PostgreSQL)")
		names     = flag.String("workloads", "update,mix", "comma-separated workloads: update, mix")
		cpuprof   = flag.String("cpuprofile", "", "write a CPU profile of the whole check to this file")
		verbose   = flag.Bool("v", false, "log warnings from crud and resourcer to stderr")
		maxErrors = flag.Int64("max-errors", -1, "exit 1 when more requests than this fail (-1: never)")
	)
	flag.Parse()
	if err := check(*clients, *duration, *pg, *pool, *names, *cpuprof, *verbose, *maxErrors); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func check(clients int, duration time.Duration, pg string, pool int, names, cpuprof string, verbose bool, maxErrors int64) error {
	ctx := context.Background()
	db, where, closeDB, err := loadrun.OpenDB(ctx, pg, pool, "crudload")
	if err != nil {
		return err
	}
	defer closeDB()
	cfg := config{Clients: clients, Duration: duration, Workloads: strings.Split(names, ",")}
	if verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if cpuprof != "" {
		f, err := os.Create(cpuprof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("crudload: %s, %d clients × %s per workload and service\n", where, clients, duration)
	results, err := run(ctx, db, cfg)
	if err != nil {
		return err
	}
	report(os.Stdout, results)
	var failed int64
	for _, r := range results {
		failed += r.ErrorCount()
	}
	if maxErrors >= 0 && failed > maxErrors {
		return fmt.Errorf("crudload: %d requests failed", failed)
	}
	return nil
}
