// Command loadtest puts examples/server under concurrent load: it serves
// app.New on 127.0.0.1 (httptest), seeds writers (users holding a role that
// may create posts and read and edit its own) and their posts, and runs
// concurrent clients that each sign in once and then mix sign-in (5%),
// posts:list (60%, through the ACL's own-rows filter), posts:get (20%) and
// posts:create (15%). It prints per operation requests/s, p50, p99 and
// errors by status, then runs gatehouse's posts:list alone against the
// floor, a hand-written net/http + bun handler answering the same list,
// and prints the ratio. It exits 1 when any request failed.
//
//	go run ./examples/server/loadtest                  # SQLite WAL file, 200 clients × 10 s
//	go run ./examples/server/loadtest -pg postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//	go run ./examples/server/loadtest -clients 50 -duration 2s
//
// The SQLite database is a file in a temporary directory opened with
// sqlitedb.Open, as examples/server opens it; PostgreSQL gets a schema of
// its own, dropped at the end. The check takes about three times -duration:
// the mix, then the two lists in turns.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/loadrun"
)

func main() {
	var (
		cfg     config
		pg      = flag.String("pg", "", "PostgreSQL DSN; SQLite (a WAL file) when empty")
		verbose = flag.Bool("v", false, "log the app's warnings and errors to stderr")
		cpuprof = flag.String("cpuprofile", "", "write a CPU profile of the whole check (server and clients) to this file")
	)
	flag.IntVar(&cfg.Clients, "clients", 200, "concurrent clients")
	flag.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long the mix runs, and each list in the comparison")
	flag.IntVar(&cfg.Writers, "writers", 50, "users the clients sign in as")
	flag.IntVar(&cfg.PostsPerUser, "posts", 10, "posts each writer has before the run")
	flag.Parse()
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if err := profiled(*cpuprof, func() error { return check(context.Background(), os.Stdout, *pg, cfg) }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// profiled runs fn, under the CPU profiler when path is not "".
func profiled(path string, fn func() error) error {
	if path == "" {
		return fn()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return fn()
}

// check runs the load on a fresh database and prints the figures; it fails
// when any request failed.
func check(ctx context.Context, out io.Writer, pg string, cfg config) error {
	if cfg.Clients < 1 || cfg.Writers < 1 || cfg.PostsPerUser < 1 {
		return fmt.Errorf("loadtest: -clients, -writers and -posts must be at least 1")
	}
	db, where, closeDB, err := loadrun.OpenDB(ctx, pg, 0, "loadtest")
	if err != nil {
		return err
	}
	defer closeDB()
	fmt.Fprintf(out, "loadtest: %s; %d clients × %s; %d writers with %d posts each\n\n",
		where, cfg.Clients, cfg.Duration, cfg.Writers, cfg.PostsPerUser)
	res, err := run(ctx, db, cfg)
	if err != nil {
		return err
	}
	printStats(out, "mix", res.Mix)
	fmt.Fprintln(out)
	printStats(out, "list alone, in turns", res.ListOnly)
	gh, floor := res.ListOnly[0], res.ListOnly[1]
	if gh.RPS > 0 && floor.P50 > 0 {
		fmt.Fprintf(out, "gatehouse list ÷ floor: %.2f× the floor's time per request (floor req/s ÷ gatehouse req/s), p50 %.2f×\n",
			floor.RPS/gh.RPS, float64(gh.P50)/float64(floor.P50))
	}
	var failed int64
	for _, s := range append(res.Mix, res.ListOnly...) {
		failed += s.ErrorCount()
	}
	if failed > 0 {
		return fmt.Errorf("loadtest: %d requests failed", failed)
	}
	return nil
}
