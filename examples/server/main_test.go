package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer the server goroutine writes while the test
// reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestMainServes parses the flags as main does, starts the server on
// 127.0.0.1:0 with a SQLite file, signs in with the password it printed,
// and shuts it down as SIGINT would: run returns nil.
func TestMainServes(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "gatehouse.db")
	env := map[string]string{"GATEHOUSE_SECRET": testSecret}
	f, err := parseFlags([]string{"-db", dbPath, "-addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var out syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, f, &out, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run ended before serving: %v", err)
	}

	printed := out.String()
	_, after, ok := strings.Cut(printed, "root password (shown once, change it): ")
	password, _, _ := strings.Cut(after, "\n")
	if !ok || password == "" || !strings.Contains(printed, "curl -s -X POST http://"+addr+"/api/auth:signIn") {
		t.Fatalf("the welcome lacks the root password or the sign-in line:\n%s", printed)
	}
	signIn(t, "http://"+addr+"/api", password)

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after shutdown: %v", err)
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatal("run did not return after the context ended")
	}
}
