package filterop

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// varsProvider resolves the variables NocoBase filters use and records the
// paths it was asked for.
type varsProvider struct {
	mu    sync.Mutex
	asked []string
}

func (p *varsProvider) lookup(path string) (any, bool) {
	p.mu.Lock()
	p.asked = append(p.asked, path)
	p.mu.Unlock()
	switch path {
	case "ctx.state.currentUser.id":
		return int64(1), true // what a Go handler has: an int64 id
	case "$user.id":
		return float64(1), true // what a JSON-decoded user has
	case "$user.nickname":
		return "ann", true
	case "$nRole":
		return "admin", true
	case "$user.teamIds":
		return []any{int64(1), int64(3)}, true
	case "$user.none":
		return nil, true // set, but null
	case "$evil":
		return "' OR '1'='1", true
	}
	return nil, false
}

func TestVariables(t *testing.T) {
	p := &varsProvider{}
	ctx := WithVariables(context.Background(), p.lookup)
	runCases(t, ctx, []filterCase{
		{"ctx.state.currentUser.id", `{"createdById":"{{ ctx.state.currentUser.id }}"}`, []int64{1, 2}},
		{"no spaces", `{"createdById":"{{ctx.state.currentUser.id}}"}`, []int64{1, 2}},
		{"$user.id", `{"createdById":"{{$user.id}}"}`, []int64{1, 2}},
		{"spaces around the template", `{"createdById":"  {{ $user.id }}  "}`, []int64{1, 2}},
		{"$eq", `{"createdById":{"$eq":"{{$user.id}}"}}`, []int64{1, 2}},
		{"dotted $ne", `{"createdById.$ne":"{{ ctx.state.currentUser.id }}"}`, []int64{3, 4, 5}},
		{"$gt", `{"createdById":{"$gt":"{{$user.id}}"}}`, []int64{3, 4, 5}},
		{"inside $in", `{"createdById":{"$in":["{{$user.id}}",3]}}`, []int64{1, 2, 5}},
		{"both inside $in", `{"createdById":{"$in":["{{ ctx.state.currentUser.id }}","{{$user.id}}"]}}`, []int64{1, 2}},
		{"inside $notIn", `{"createdById":{"$notIn":["{{$user.id}}",2]}}`, []int64{5}},
		{"inside an $eq list", `{"createdById":["{{$user.id}}",2]}`, []int64{1, 2, 3, 4}},
		{"a list variable as $in", `{"createdById":{"$in":"{{ $user.teamIds }}"}}`, []int64{1, 2, 5}},
		{"inside $between", `{"createdById":{"$between":["{{$user.id}}","{{ ctx.state.currentUser.id }}"]}}`, []int64{1, 2}},
		{"a string variable", `{"createdBy.nickname":"{{ $user.nickname }}"}`, []int64{1, 2}},
		{"through an association", `{"createdBy":{"id":"{{ ctx.state.currentUser.id }}"}}`, []int64{1, 2}},
		{"in $or and $not", `{"$or":[{"$not":{"createdById":"{{$user.id}}"}},{"id":1}]}`, []int64{1, 3, 4, 5}},
		{"a null variable", `{"status":"{{ $user.none }}"}`, []int64{3}},
		{"a variable is a value, never SQL", `{"title":"{{ $evil }}"}`, nil},
		{"text around a template is not a template", `{"title":"id {{ $user.id }}"}`, nil},
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, want := range []string{"ctx.state.currentUser.id", "$user.id", "$user.nickname", "$user.teamIds"} {
		if !slices.Contains(p.asked, want) {
			t.Errorf("the provider was never asked for %q (asked %q)", want, p.asked)
		}
	}
	for _, got := range p.asked {
		if got != "" && (got[0] == ' ' || got[len(got)-1] == ' ') {
			t.Errorf("the provider was asked for %q: templates must be trimmed", got)
		}
	}
}

func TestVariableErrors(t *testing.T) {
	p := &varsProvider{}
	withVars := WithVariables(context.Background(), p.lookup)
	noVars := context.Background()
	cases := []struct {
		name   string
		ctx    context.Context
		filter string
		kind   error
		path   string
	}{
		{"unknown variable", withVars, `{"createdById":"{{ $user.missing }}"}`, ErrUnknownVariable, "createdById"},
		{"unknown ctx path", withVars, `{"createdById":"{{ ctx.state.currentUser.secret }}"}`, ErrUnknownVariable, "createdById"},
		{"unknown variable in $in", withVars, `{"id":{"$in":[1,"{{$user.id}}","{{ $nope }}"]}}`, ErrUnknownVariable, "id.$in.2"},
		{"unknown variable in an $eq list", withVars, `{"id":["{{ $nope }}"]}`, ErrUnknownVariable, "id.0"},
		{"unknown variable in $and", withVars, `{"$and":[{"id":1},{"title":"{{ $nope }}"}]}`, ErrUnknownVariable, "$and.1.title"},
		{"unknown variable in an association", withVars, `{"createdBy.nickname":"{{ $nope }}"}`, ErrUnknownVariable, "createdBy.nickname"},
		{"unknown variable in a dotted operator", withVars, `{"views.$gt":"{{ $nope }}"}`, ErrUnknownVariable, "views.$gt"},
		{"empty template", withVars, `{"title":"{{ }}"}`, ErrUnknownVariable, "title"},
		{"a list variable where a scalar is wanted", withVars, `{"views":{"$gt":"{{ $user.teamIds }}"}}`, ErrInvalidValue, "views.$gt"},

		{"no provider: ctx.state", noVars, `{"createdById":"{{ ctx.state.currentUser.id }}"}`, ErrUnknownVariable, "createdById"},
		{"no provider: $user", noVars, `{"createdById":"{{$user.id}}"}`, ErrUnknownVariable, "createdById"},
		{"no provider: in $in", noVars, `{"createdById":{"$in":[2,"{{$user.id}}"]}}`, ErrUnknownVariable, "createdById.$in.1"},
		{"no provider: in $or", noVars, `{"$or":[{"createdBy.id":"{{$user.id}}"}]}`, ErrUnknownVariable, "$or.0.createdBy.id"},
		{"no provider: empty template", noVars, `{"title":"{{}}"}`, ErrUnknownVariable, "title"},
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := seed(t, db)
		for _, c := range cases {
			_, err := Where(c.ctx, s, c.filter)
			var fe *Error
			switch {
			case err == nil:
				t.Errorf("%s: %s compiled, want %v", c.name, c.filter, c.kind)
			case !errors.As(err, &fe):
				t.Errorf("%s: %T %v is not a *filterop.Error", c.name, err, err)
			case !errors.Is(err, c.kind) || !errors.Is(err, ErrInvalidFilter):
				t.Errorf("%s: %v, want kind %v", c.name, err, c.kind)
			case fe.Path != c.path:
				t.Errorf("%s: %v at %q, want path %q", c.name, err, fe.Path, c.path)
			}
			// Apply reports the same error and leaves the query alone.
			if _, err2 := Apply(c.ctx, db.NewSelect().Model((*testPost)(nil)), s, c.filter); (err2 == nil) != (err == nil) {
				t.Errorf("%s: Apply error %v, Where error %v", c.name, err2, err)
			}
		}
	})
}
