// Command bigsync checks that a large HR export syncs in bounded memory:
// it writes a CSV of -rows rows (users in one to three of -depts
// department paths, one row per membership, a user's rows together as
// exports list them), syncs it into a new SQLite file through the csv and
// tabular sources and the built-in resources, and prints the records
// synced per second and the process's peak resident memory (VmHWM).
//
//	go run ./tools/bigsync                      # 1,000,000 rows, 100,000 department paths
//	go run ./tools/bigsync -rows 100000 -depts 10000
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/csv"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
	"github.com/gatehouse-dev/gatehouse/users"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "CSV rows (one per membership)")
	depts := flag.Int("depts", 100_000, "leaf department paths (three levels)")
	flag.Parse()
	if err := run(context.Background(), *rows, *depts); err != nil {
		fmt.Fprintln(os.Stderr, "bigsync:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, rows, depts int) error {
	dir, err := os.MkdirTemp("", "bigsync")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "users.csv")
	nUsers, err := writeCSV(file, rows, depts)
	if err != nil {
		return err
	}
	fmt.Printf("csv: %d rows, %d users, %d leaf department paths\n", rows, nUsers, depts)

	db, err := sqlitedb.Open(ctx, filepath.Join(dir, "directory.db"), sqlitedb.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := users.NewSyncManager(ctx, db, users.Options{}, datasync.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer m.Close()
	src, err := tabular.NewSource(csv.File(file, csv.Options{}), tabular.Options{Mapping: tabular.Mapping{
		UID: "uid", Username: "username", Nickname: "nickname", Email: "email", DepartmentPath: "department",
	}})
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := m.RunSource(ctx, "hr", src, datasync.RunSourceOptions{})
	if err != nil {
		return err
	}
	took := time.Since(start)
	records := 0
	for _, t := range rep.Totals {
		if t.Resource == "users" || t.DataType == datasync.DataTypeDepartment {
			records += t.Read
		}
	}
	fmt.Printf("synced %d records (users and departments) in %.1f s: %.0f records/s\n", records, took.Seconds(), float64(records)/took.Seconds())
	fmt.Printf("peak RSS: %s\n", peakRSS())
	return nil
}

// writeCSV writes the export and returns how many users it holds.
func writeCSV(path string, rows, depts int) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewPCG(1, 2))
	fmt.Fprintln(w, "uid,username,nickname,email,department")
	user := 0
	for written := 0; written < rows; user++ {
		id := strconv.Itoa(user)
		for range min(1+rng.IntN(3), rows-written) {
			leaf := rng.IntN(depts)
			fmt.Fprintf(w, "e%s,user%s,User %s,user%s@example.com,Org %d/Division %d/Team %d\n", id, id, id, id, leaf%10, leaf%1000, leaf)
			written++
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	return user, f.Close()
}

// peakRSS is the process's high-water resident set (Linux's VmHWM).
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
