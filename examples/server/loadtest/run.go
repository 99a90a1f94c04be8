package main

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/examples/server/app"
)

// config is one load run.
type config struct {
	Clients      int
	Duration     time.Duration // of the mix, and of each list-only comparison
	Writers      int           // users; client i signs in as writer i mod Writers
	PostsPerUser int           // seeded through posts:create before the run
	// Logger receives the app's logs (discarded when nil).
	Logger *slog.Logger
}

// results are a run's figures.
type results struct {
	Mix      []opStats // one per mixOps
	ListOnly []opStats // gatehouse's posts:list, then the floor's, alone
}

// listRounds is how many turns gatehouse's list and the floor's take in
// the list-only comparison, so that drifting load on the machine (other
// jobs) weighs on both alike.
const listRounds = 5

// run serves app.New on 127.0.0.1 over db (which must hold no gatehouse
// tables yet), seeds the writers and their posts, runs the mix, then
// gatehouse's list against the floor's.
func run(ctx context.Context, db *bun.DB, cfg config) (*results, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	secret := make([]byte, 32)
	cryptorand.Read(secret)
	a, err := app.New(ctx, app.Config{DB: db, Secret: secret, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("loadtest: app.New: %w", err)
	}
	defer a.Close()
	names, err := seedWriters(ctx, db, a.Store, cfg.Writers)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", a.Handler)
	mux.Handle("GET "+floorPath, floorList{db: db, tokens: a.Tokens})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	c := api{client: client, base: srv.URL}

	posts, err := seedPosts(c, names, cfg.PostsPerUser)
	if err != nil {
		return nil, err
	}
	writers, err := signInClients(c, names, posts, cfg.Clients)
	if err != nil {
		return nil, err
	}
	if err := checkSameList(c, writers[0], posts[writers[0].username]); err != nil {
		return nil, err
	}

	out := &results{}
	samples, elapsed := drive(ctx, c, writers, cfg.Duration, mixStep)
	out.Mix = summarize(samples, elapsed, mixOps, opNameList(mixOps))
	out.ListOnly = compareLists(ctx, c, writers, cfg.Duration)
	return out, nil
}

func opNameList(ops []op) []string {
	names := make([]string, len(ops))
	for i, o := range ops {
		names[i] = o.String()
	}
	return names
}

// compareLists runs gatehouse's posts:list and the floor's list alone, in
// turns, d each in all.
func compareLists(ctx context.Context, c api, writers []*writer, d time.Duration) []opStats {
	targets := []string{listPath, floorPath}
	samples := make([][]sample, len(targets))
	elapsed := make([]time.Duration, len(targets))
	for range listRounds {
		for i, path := range targets {
			s, e := drive(ctx, c, writers, d/listRounds, listStep(path))
			samples[i], elapsed[i] = append(samples[i], s...), elapsed[i]+e
		}
	}
	out := make([]opStats, len(targets))
	for i, name := range []string{"gatehouse posts:list", "floor list"} {
		out[i] = summarize(samples[i], elapsed[i], []op{opList}, []string{name})[0]
	}
	return out
}

// seedPosts signs each writer in and creates n posts as them, returning
// the ids by username.
func seedPosts(c api, names []string, n int) (map[string][]int64, error) {
	posts := make(map[string][]int64, len(names))
	var mu sync.Mutex
	err := eachBounded(len(names), func(i int) error {
		r, token := c.signIn(names[i])
		if token == "" {
			return fmt.Errorf("loadtest: sign-in of %s: %d %s", names[i], r.status, r.body)
		}
		ids := make([]int64, 0, n)
		for k := range n {
			r, id := c.createPost(token, fmt.Sprintf("%s's seeded post %d", names[i], k+1))
			if id == 0 {
				return fmt.Errorf("loadtest: seeding a post of %s: %d %s", names[i], r.status, r.body)
			}
			ids = append(ids, id)
		}
		mu.Lock()
		posts[names[i]] = ids
		mu.Unlock()
		return nil
	})
	return posts, err
}

// signInClients signs every client in once, as writer i mod len(names);
// each keeps its token for the run.
func signInClients(c api, names []string, posts map[string][]int64, clients int) ([]*writer, error) {
	writers := make([]*writer, clients)
	err := eachBounded(clients, func(i int) error {
		name := names[i%len(names)]
		r, token := c.signIn(name)
		if token == "" {
			return fmt.Errorf("loadtest: sign-in of client %d as %s: %d %s", i, name, r.status, r.body)
		}
		writers[i] = &writer{username: name, token: token, posts: slices.Clone(posts[name]),
			rng: rand.New(rand.NewPCG(uint64(i), 16))}
		return nil
	})
	return writers, err
}

// eachBounded calls fn(0…n-1) with a few calls at a time: sign-in hashes
// with argon2id (19 MiB each), so the set-up does not start hundreds at once.
func eachBounded(n int, fn func(i int) error) error {
	sem := make(chan struct{}, 2*runtime.NumCPU())
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = fn(i)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// checkSameList makes sure, before measuring, that the two lists compared
// answer the same: gatehouse's posts:list shows w exactly its own posts
// (the ACL's own-rows filter is on) and the floor answers the same JSON.
func checkSameList(c api, w *writer, own []int64) error {
	var lists [2]struct {
		Data []map[string]any `json:"data"`
		Meta map[string]any   `json:"meta"`
	}
	for i, path := range []string{listPath, floorPath} {
		r := c.send(http.MethodGet, path, w.token, nil)
		if r.status != http.StatusOK {
			return fmt.Errorf("loadtest: %s as %s: %d %s", path, w.username, r.status, r.body)
		}
		if err := json.Unmarshal(r.body, &lists[i]); err != nil {
			return fmt.Errorf("loadtest: %s as %s: %w", path, w.username, err)
		}
	}
	var ids []int64
	for _, row := range lists[0].Data {
		id, _ := row["id"].(float64)
		ids = append(ids, int64(id))
	}
	slices.Sort(ids)
	want := slices.Sorted(slices.Values(own))
	if len(want) > floorPageSize {
		want = want[:floorPageSize]
	}
	if !slices.Equal(ids, want) {
		return fmt.Errorf("loadtest: posts:list as %s shows posts %v, want its own %v", w.username, ids, want)
	}
	if !reflect.DeepEqual(lists[0], lists[1]) {
		return fmt.Errorf("loadtest: the floor's list differs from posts:list:\n gatehouse %v\n floor     %v", lists[0], lists[1])
	}
	return nil
}
