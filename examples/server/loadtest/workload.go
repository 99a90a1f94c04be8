package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// op is one kind of request the load sends.
type op int

const (
	opSignIn op = iota
	opList
	opGet
	opCreate
)

var opNames = [...]string{opSignIn: "auth:signIn", opList: "posts:list", opGet: "posts:get", opCreate: "posts:create"}

func (o op) String() string { return opNames[o] }

// mixOps are the operations of the mix, in the order they are reported.
var mixOps = []op{opSignIn, opList, opGet, opCreate}

// sample is one request as a client saw it.
type sample struct {
	op     op
	status int // 0: the request itself failed
	took   time.Duration
}

// writer is one client: the user it signs in as, the token it keeps, the
// posts of that user it knows (seeded, then its own creates).
type writer struct {
	username string
	token    string
	posts    []int64
	rng      *rand.Rand
	created  int
}

// step is one request of a client; drive calls it in a loop.
type step func(c api, w *writer) sample

// mixStep sends sign-in 5%, posts:list 60%, posts:get 20% and
// posts:create 15% of the time.
func mixStep(c api, w *writer) sample {
	switch n := w.rng.IntN(100); {
	case n < 5:
		r, token := c.signIn(w.username)
		if token != "" {
			w.token = token
		}
		return sample{opSignIn, r.status, r.took}
	case n < 65:
		r := c.send(http.MethodGet, listPath, w.token, nil)
		return sample{opList, r.status, r.took}
	case n < 85:
		r := c.send(http.MethodGet, getPath(w.posts[w.rng.IntN(len(w.posts))]), w.token, nil)
		return sample{opGet, r.status, r.took}
	}
	w.created++
	r, id := c.createPost(w.token, fmt.Sprintf("%s's post %d", w.username, w.created))
	if id != 0 {
		w.posts = append(w.posts, id)
	}
	return sample{opCreate, r.status, r.took}
}

// listStep sends only the list, to path: gatehouse's posts:list or the
// floor's.
func listStep(path string) step {
	return func(c api, w *writer) sample {
		r := c.send(http.MethodGet, path, w.token, nil)
		return sample{opList, r.status, r.took}
	}
}

// drive runs every writer as a concurrent client for d and returns what
// they saw and how long it took (the last requests finish after d).
func drive(ctx context.Context, c api, writers []*writer, d time.Duration, next step) ([]sample, time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu  sync.Mutex
		all []sample
		wg  sync.WaitGroup
	)
	start := time.Now()
	for _, w := range writers {
		wg.Go(func() {
			var mine []sample
			for ctx.Err() == nil {
				mine = append(mine, next(c, w))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all, time.Since(start)
}
