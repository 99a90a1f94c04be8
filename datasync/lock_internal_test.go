package datasync

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// TestRunLockPerSchema holds a run of source "hr" open in one PostgreSQL
// schema: a run of "hr" in another schema of the same database goes ahead,
// a second run in the same schema waits.
func TestRunLockPerSchema(t *testing.T) {
	a, b := dbtest.Postgres(t), dbtest.Postgres(t)
	ma, mb := NewManager(a, Options{}), NewManager(b, Options{})
	ctx := context.Background()
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- ma.withRunTx(ctx, "hr", func(bun.Tx) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	other, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := mb.withRunTx(other, "hr", func(bun.Tx) error { return nil }); err != nil {
		t.Fatalf("a run in another schema waited for the lock: %v", err)
	}
	same, cancelSame := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelSame()
	if err := ma.withRunTx(same, "hr", func(bun.Tx) error { return nil }); err == nil {
		t.Fatal("a second run of the same source in the same schema did not wait")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
