package filterop

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// Tests that kill bugs planted in the compiler (issue #10) which the rest
// of the suite let through.

// TestVariableListsAreBounded: a {{ }} variable that fills in a list is
// held to MaxValues like a list written in the filter, so that a user with
// a huge team list cannot make an unbounded IN (...).
func TestVariableListsAreBounded(t *testing.T) {
	limit := DefaultLimits.MaxValues
	list := func(n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(i + 1)
		}
		return out
	}
	ctx := WithVariables(context.Background(), func(name string) (any, bool) {
		switch name {
		case "$user.atLimit":
			return list(limit), true
		case "$user.pastLimit":
			return list(limit + 1), true
		}
		return nil, false
	})
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := seed(t, db)
		got, err := ids(t, ctx, db, s, `{"createdById":{"$in":"{{ $user.atLimit }}"}}`)
		if err != nil || len(got) != len(seedPosts) {
			t.Errorf("MaxValues entries: ids %v, error %v; want all %d posts", got, err, len(seedPosts))
		}
		_, err = ids(t, ctx, db, s, `{"createdById":{"$in":"{{ $user.pastLimit }}"}}`)
		var fe *Error
		if !errors.As(err, &fe) || fe.Kind != ErrTooComplex || fe.Path != "createdById.$in" || fe.HTTPStatus() != http.StatusBadRequest {
			t.Errorf("MaxValues+1 entries: error %v, want ErrTooComplex at createdById.$in (400)", err)
		}
	})
}
