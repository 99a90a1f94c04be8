package filterop

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

var errNotReadable = errors.New("not readable")

// refuseGuard refuses the names listed per table ("posts.status").
func refuseGuard(refused ...string) FieldGuard {
	return func(s *Schema, name string) error {
		if slices.Contains(refused, s.Table+"."+name) {
			return fmt.Errorf("%s: %w", name, errNotReadable)
		}
		return nil
	}
}

func TestFieldGuardRefuses(t *testing.T) {
	ctx := WithFieldGuard(context.Background(), refuseGuard("posts.status", "users.email", "posts.tags"))
	tests := []struct {
		name   string
		filter string
		path   string
	}{
		{"main model field", `{"status":"draft"}`, "status"},
		{"operator object", `{"status":{"$ne":"draft"}}`, "status"},
		{"dotted operator", `{"status.$ne":"draft"}`, "status.$ne"},
		{"inside $or", `{"$or":[{"id":1},{"status":{"$in":["draft"]}}]}`, "$or.1.status"},
		{"inside $not", `{"$not":{"status":{"$empty":true}}}`, "$not.status"},
		{"association target, dotted", `{"createdBy.email":"ann@example.com"}`, "createdBy.email"},
		{"association target, dotted with operator", `{"createdBy.email.$startsWith":"a"}`, "createdBy.email.$startsWith"},
		{"association target, nested", `{"createdBy":{"email":{"$ne":null}}}`, "createdBy.email"},
		{"association target, nested $or", `{"createdBy":{"$or":[{"nickname":"ann"},{"email":"x"}]}}`, "createdBy.$or.1.email"},
		{"association target under $and", `{"$and":[{"id":1},{"createdBy":{"email.$includes":"@"}}]}`, "$and.1.createdBy.email.$includes"},
		{"refused association, dotted", `{"tags.name":"go"}`, "tags.name"},
		{"refused association, dotted with operator", `{"tags.name.$in":["go"]}`, "tags.name.$in"},
		{"refused association, nested", `{"tags":{"name":"go"}}`, "tags"},
		{"refused association, empty filter", `{"tags":{}}`, "tags"},
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := seed(t, db)
		for _, tt := range tests {
			_, err := ids(t, ctx, db, s, tt.filter)
			var fe *Error
			if !errors.As(err, &fe) {
				t.Errorf("%s: %s: error %v, want a *filterop.Error", tt.name, tt.filter, err)
				continue
			}
			if fe.Kind != ErrFieldNotAllowed || fe.Path != tt.path || fe.HTTPStatus() != http.StatusBadRequest {
				t.Errorf("%s: %s: got kind %v, path %q, status %d; want ErrFieldNotAllowed at %q, 400",
					tt.name, tt.filter, fe.Kind, fe.Path, fe.HTTPStatus(), tt.path)
			}
			if !errors.Is(err, errNotReadable) || !errors.Is(err, ErrInvalidFilter) {
				t.Errorf("%s: %v does not wrap the guard's error and ErrInvalidFilter", tt.name, err)
			}
		}
	})
}

// A refusal reads as the error for a name the model does not have, so
// that an answer never tells an unreadable column from a missing one.
func TestFieldGuardRefusalReadsAsUnknown(t *testing.T) {
	db := dbtest.SQLite(t)
	db.RegisterModel((*testPostTag)(nil))
	s, err := SchemaFor(db, (*testPost)(nil))
	if err != nil {
		t.Fatal(err)
	}
	guarded := WithFieldGuard(context.Background(), refuseGuard("posts.status", "users.email", "posts.tags"))
	tests := []struct {
		filter, name, want string
	}{
		{`{"status":"draft"}`, "status", "filter: status: posts has no field status"},
		{`{"status.$ne":"draft"}`, "status", "filter: status.$ne: posts has no field status"},
		{`{"createdBy.email.$startsWith":"a"}`, "email", "filter: createdBy.email.$startsWith: users has no field email"},
		{`{"createdBy":{"email":"a"}}`, "email", "filter: createdBy.email: users has no field email"},
		{`{"tags.name":"go"}`, "tags", "filter: tags.name: tags is not an association of posts"},
		{`{"tags":{"name":"go"}}`, "tags", "filter: tags: posts has no field tags"},
	}
	for _, tt := range tests {
		_, refused := Where(guarded, s, tt.filter)
		if refused == nil || refused.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.filter, refused, tt.want)
			continue
		}
		// The same filter naming a name the model lacks.
		_, unknown := Where(context.Background(), s, strings.ReplaceAll(tt.filter, tt.name, "zz"))
		if unknown == nil || strings.ReplaceAll(refused.Error(), tt.name, "zz") != unknown.Error() {
			t.Errorf("%s: refused %q, but an unknown name gets %v", tt.filter, refused, unknown)
		}
	}
}

func TestFieldGuardAllows(t *testing.T) {
	ctx := WithFieldGuard(context.Background(), refuseGuard("posts.status", "users.email", "posts.tags"))
	runCases(t, ctx, []filterCase{
		{"main model field", `{"title":{"$includes":"o"}}`, []int64{1, 2, 3, 5}},
		{"association target field", `{"createdBy.nickname":"bob"}`, []int64{3, 4}},
		{"nested association filter", `{"createdBy":{"nickname":{"$in":["ann"]}},"views":{"$gt":5}}`, []int64{1}},
		{"has-many", `{"comments.body":"nice"}`, []int64{1}},
		{"column name of a field", `{"created_by_id":3}`, []int64{5}},
	})
}

// TestFieldGuardSees checks what the guard is asked: every field and
// association, once per mention, with the schema it resolves in and the
// name a response uses (a field's Key, an association's Name).
func TestFieldGuardSees(t *testing.T) {
	db := dbtest.SQLite(t)
	s := seed(t, db)
	var seen []string
	ctx := WithFieldGuard(context.Background(), func(s *Schema, name string) error {
		seen = append(seen, s.Table+"."+name)
		return nil
	})
	filter := `{
		"created_by_id": 1,
		"title.$ne": "x",
		"$or": [{"CreatedBy": {"nickname": "ann"}}, {"tags.name": {"$in": ["go"]}}],
		"$not": {"comments": {"body": {"$includes": "spam"}}}
	}`
	if _, err := ids(t, ctx, db, s, filter); err != nil {
		t.Fatal(err)
	}
	want := []string{"comments.body", "posts.comments", "posts.createdBy", "posts.createdById", "posts.tags", "posts.title", "tags.name", "users.nickname"}
	slices.Sort(seen)
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("the guard was asked (-want +got):\n%s", diff)
	}
	if g, ok := FieldGuardFrom(ctx); !ok || g == nil {
		t.Error("FieldGuardFrom does not return the guard")
	}
	if _, ok := FieldGuardFrom(context.Background()); ok {
		t.Error("FieldGuardFrom reports a guard on a bare context")
	}
}
