package crud_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
)

type Task struct {
	bun.BaseModel `bun:"table:tasks,alias:tasks"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Title         string `bun:"title,notnull" json:"title"`
	Done          bool   `bun:"done,notnull,default:false" json:"done"`
}

// Define serves a bun model's default actions on a resourcer; here a create
// and a filtered list go through net/http.
func ExampleDefine() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if _, err := db.NewCreateTable().Model((*Task)(nil)).Exec(ctx); err != nil {
		panic(err)
	}

	rs := resourcer.New(resourcer.Options{Prefix: "/api"})
	if _, err := crud.Define(rs, crud.Options{DB: db, Model: (*Task)(nil)}); err != nil {
		panic(err)
	}
	srv := httptest.NewServer(rs)
	defer srv.Close()

	for _, title := range []string{"Write docs", "Ship it"} {
		show(http.Post(srv.URL+"/api/tasks:create", "application/json",
			strings.NewReader(`{"title":"`+title+`"}`)))
	}
	query := url.Values{"filter": {`{"title":{"$includes":"docs"}}`}, "fields": {"id,title"}}
	show(http.Get(srv.URL + "/api/tasks:list?" + query.Encode()))
	// Output:
	// 200 {"data":{"done":false,"id":1,"title":"Write docs"}}
	// 200 {"data":{"done":false,"id":2,"title":"Ship it"}}
	// 200 {"data":[{"id":1,"title":"Write docs"}],"meta":{"count":1,"page":1,"pageSize":20,"totalPage":1}}
}

func show(res *http.Response, err error) {
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.StatusCode, strings.TrimSpace(string(body)))
}
