package listapi_test

import (
	"fmt"
	"slices"

	"github.com/gatehouse-dev/gatehouse/internal/listapi"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// A list action: filter the rows by equality, then answer the page asked
// for with NocoBase's meta.
func Example() {
	type role struct{ Name, Title string }
	rows := []role{{"admin", "Admin"}, {"member", "Member"}, {"guest", "Member"}}
	params := resourcer.Params{
		"filter":   map[string]any{"title": map[string]any{"$eq": "Member"}},
		"pageSize": "1",
	}

	f, err := listapi.ParseFilter(params["filter"], []string{"name", "title"})
	if err != nil {
		fmt.Println(err)
		return
	}
	kept := slices.DeleteFunc(rows, func(r role) bool {
		return !f.Match("name", r.Name) || !f.Match("title", r.Title)
	})
	answer, err := listapi.PageList(params, kept, 100)
	if err != nil {
		fmt.Println(err)
		return
	}
	page := answer.(*resourcer.Response)
	fmt.Println(page.Data, page.Meta)

	_, err = listapi.ParseFilter(map[string]any{"title": map[string]any{"$ne": "Member"}}, []string{"name", "title"})
	fmt.Println(err)
	// Output:
	// [{member Member}] map[count:2 page:1 pageSize:1 totalPage:2]
	// filter.title: only $eq is supported
}
