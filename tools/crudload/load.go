package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"

	"github.com/gatehouse-dev/gatehouse/internal/loadrun"
)

// post is the table both services write.
type post struct {
	bun.BaseModel `bun:"table:loadPosts,alias:p"`
	ID            int64     `bun:"id,pk,autoincrement" json:"id"`
	Title         string    `bun:"title,notnull" json:"title"`
	Body          string    `bun:"body" json:"body"`
	Views         int64     `bun:"views" json:"views"`
	UpdatedAt     time.Time `bun:"updatedAt,nullzero" json:"updatedAt"`
}

// seedRows is how many posts the table starts with; updates and reads
// pick one of them at random.
const seedRows = 1000

// config is one load check.
type config struct {
	Clients   int
	Duration  time.Duration
	Workloads []string // "update", "mix"
	// Logger receives crud's and resourcer's logs (discarded when nil).
	Logger *slog.Logger
}

// result is one workload against one service.
type result struct {
	Service  string // "floor" or "crud"
	Workload string
	Requests int64
	Errors   map[int]int64 // by status; 0: the request itself failed
	Elapsed  time.Duration
}

// RPS is the requests answered per second, errors included.
func (r result) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// ErrorCount is the number of requests that did not answer 200.
func (r result) ErrorCount() int64 {
	var n int64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// prepare creates and seeds the table.
func prepare(ctx context.Context, db *bun.DB) error {
	if _, err := db.NewDropTable().Model((*post)(nil)).IfExists().Exec(ctx); err != nil {
		return err
	}
	if _, err := db.NewCreateTable().Model((*post)(nil)).Exec(ctx); err != nil {
		return err
	}
	rows := make([]*post, seedRows)
	for i := range rows {
		rows[i] = &post{Title: fmt.Sprint("post ", i+1), Body: "body", UpdatedAt: time.Now().UTC()}
	}
	_, err := db.NewInsert().Model(&rows).Exec(ctx)
	return err
}

// serve starts one server with crud on /api/ and the floor on /floor/.
func serve(db *bun.DB, logger *slog.Logger) (*httptest.Server, error) {
	rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: logger})
	if _, err := crud.Define(rs, crud.Options{DB: db, Model: (*post)(nil), Name: "posts", Logger: logger}); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", rs)
	floor(mux, db)
	return httptest.NewServer(mux), nil
}

// run measures every workload on the floor and on crud.
func run(ctx context.Context, db *bun.DB, cfg config) ([]result, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := prepare(ctx, db); err != nil {
		return nil, fmt.Errorf("crudload: preparing the table: %w", err)
	}
	defer db.NewDropTable().Model((*post)(nil)).IfExists().Exec(context.WithoutCancel(ctx))
	srv, err := serve(db, cfg.Logger)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	var out []result
	for _, w := range cfg.Workloads {
		floor, crud := result{Service: "floor", Workload: w}, result{Service: "crud", Workload: w}
		// The services take turns in short slices, so that a machine
		// whose load drifts (others' jobs) weighs on both alike.
		slice := cfg.Duration / time.Duration(rounds)
		for range rounds {
			for _, acc := range []*result{&floor, &crud} {
				prefix := srv.URL + map[string]string{"floor": "/floor", "crud": "/api"}[acc.Service]
				r, err := drive(ctx, client, prefix, w, cfg.Clients, slice)
				if err != nil {
					return nil, err
				}
				acc.add(r)
			}
		}
		out = append(out, floor, crud)
	}
	return out, nil
}

// rounds is how many turns each service takes per workload.
const rounds = 5

// add counts r's requests and time into acc.
func (acc *result) add(r result) {
	acc.Requests += r.Requests
	acc.Elapsed += r.Elapsed
	for status, n := range r.Errors {
		if acc.Errors == nil {
			acc.Errors = map[int]int64{}
		}
		acc.Errors[status] += n
	}
}

// drive runs clients clients for d against one service.
func drive(ctx context.Context, client *http.Client, prefix, workload string, clients int, d time.Duration) (result, error) {
	next, ok := workloads[workload]
	if !ok {
		return result{}, fmt.Errorf("crudload: unknown workload %q", workload)
	}
	var (
		requests atomic.Int64
		mu       sync.Mutex
		errors   = map[int]int64{}
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	for c := range clients {
		rng := rand.New(rand.NewPCG(uint64(c), 42))
		wg.Go(func() {
			for ctx.Err() == nil {
				method, path, body := next(rng, c)
				status := send(client, method, prefix+path, body)
				requests.Add(1)
				if status != http.StatusOK {
					mu.Lock()
					errors[status]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return result{Workload: workload, Requests: requests.Load(), Errors: errors, Elapsed: time.Since(start)}, nil
}

// send runs one request to completion and returns its status, 0 when it
// failed. Requests carry no context of the run: one out when the time is
// up finishes (and counts), so that the services never see a cancellation
// the check itself caused.
func send(client *http.Client, method, url string, body []byte) int {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0
	}
	return resp.StatusCode
}

// workloads pick each client's next request: method, path below the
// service's prefix, body.
var workloads = map[string]func(rng *rand.Rand, client int) (string, string, []byte){
	"update": func(rng *rand.Rand, client int) (string, string, []byte) {
		return updateRequest(rng, client)
	},
	// mix is half reads, a third updates, the rest creates.
	"mix": func(rng *rand.Rand, client int) (string, string, []byte) {
		switch n := rng.IntN(6); {
		case n < 3:
			return "GET", fmt.Sprintf("/posts/%d", 1+rng.IntN(seedRows)), nil
		case n < 5:
			return updateRequest(rng, client)
		}
		return "POST", "/posts", fmt.Appendf(nil, `{"title":"new by %d","body":"created"}`, client)
	},
}

func updateRequest(rng *rand.Rand, client int) (string, string, []byte) {
	return "PUT", fmt.Sprintf("/posts/%d", 1+rng.IntN(seedRows)),
		fmt.Appendf(nil, `{"title":"t%d","views":%d}`, client, rng.IntN(1000))
}

// report prints one line per result and the crud/floor ratio per workload.
func report(w io.Writer, results []result) {
	floor := map[string]float64{}
	for _, r := range results {
		if r.Service == "floor" {
			floor[r.Workload] = r.RPS()
		}
	}
	fmt.Fprintf(w, "%-8s %-6s %10s %10s %8s  %s\n", "workload", "target", "requests", "req/s", "ratio", "errors by status")
	for _, r := range results {
		ratio := ""
		if f := floor[r.Workload]; f > 0 {
			ratio = fmt.Sprintf("%.2f", r.RPS()/f)
		}
		fmt.Fprintf(w, "%-8s %-6s %10d %10.0f %8s  %s\n", r.Workload, r.Service, r.Requests, r.RPS(), ratio, loadrun.ErrorText(r.Errors))
	}
}
