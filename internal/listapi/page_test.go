package listapi_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/listapi"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

func TestPageList(t *testing.T) {
	list := []string{"a", "b", "c", "d", "e"}
	meta := resourcer.PageMeta
	for _, c := range []struct {
		name   string
		params resourcer.Params
		want   any
	}{
		{"defaults", resourcer.Params{}, &resourcer.Response{Data: list, Meta: meta(5, 1, 20)}},
		{"a middle page", resourcer.Params{"page": "2", "pageSize": "2"}, &resourcer.Response{Data: []string{"c", "d"}, Meta: meta(5, 2, 2)}},
		{"the last, short page", resourcer.Params{"page": 3.0, "pageSize": 2.0}, &resourcer.Response{Data: []string{"e"}, Meta: meta(5, 3, 2)}},
		{"past the end", resourcer.Params{"page": "9", "pageSize": "2"}, &resourcer.Response{Data: []string{}, Meta: meta(5, 9, 2)}},
		{"the largest page number", resourcer.Params{"page": "2147483648", "pageSize": "10"}, &resourcer.Response{Data: []string{}, Meta: meta(5, 1<<31, 10)}},
		{"unpaged", resourcer.Params{"paginate": false}, list},
		{"unpaged from a query string", resourcer.Params{"paginate": "false"}, list},
		// Unpaged, page and pageSize are not read at all.
		{"unpaged ignores a bad page", resourcer.Params{"paginate": "false", "page": "0", "pageSize": "x"}, list},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := listapi.PageList(c.params, list, 100)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestPageRefuses(t *testing.T) {
	for _, c := range []struct {
		name   string
		params resourcer.Params
		limit  int
		msg    string
	}{
		{"page 0", resourcer.Params{"page": "0"}, 10, "page must be a positive whole number"},
		{"a fraction", resourcer.Params{"pageSize": 1.5}, 10, "pageSize must be a positive whole number"},
		{"over the limit", resourcer.Params{"pageSize": "11"}, 10, "pageSize must be at most 10, got 11"},
		{"page too large", resourcer.Params{"page": "2147483649"}, 100, "page must be below 2^31"},
		{"pageSize too large without a limit", resourcer.Params{"pageSize": "2147483649"}, 0, "pageSize must be below 2^31"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := listapi.Page(c.params, c.limit)
			wantBadRequest(t, err, c.msg)
			_, err = listapi.PageList(c.params, []int{1}, c.limit)
			wantBadRequest(t, err, c.msg)
		})
	}
}

// TestPageWithoutLimit checks that a zero limit leaves pageSize unbounded
// (below 2^31), for lists short enough to answer whole.
func TestPageWithoutLimit(t *testing.T) {
	pageNo, pageSize, err := listapi.Page(resourcer.Params{"pageSize": "100000"}, 0)
	if err != nil || pageNo != 1 || pageSize != 100000 {
		t.Fatalf("Page = %d, %d, %v; want 1, 100000, nil", pageNo, pageSize, err)
	}
}

func TestUnpaged(t *testing.T) {
	for _, c := range []struct {
		v    any
		want bool
	}{{false, true}, {"false", true}, {true, false}, {"0", false}, {nil, false}} {
		if got := listapi.Unpaged(resourcer.Params{"paginate": c.v}); got != c.want {
			t.Errorf("Unpaged(paginate=%#v) = %v, want %v", c.v, got, c.want)
		}
	}
}
