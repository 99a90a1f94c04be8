package main

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/examples/server/app"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/users"
)

// floorPath is where the floor serves its list.
const floorPath = "/floor/posts"

// floorPageSize is crud's default page size, which posts:list gets when
// it names none.
const floorPageSize = 20

// floorList is the posts list written by hand with net/http and bun: the
// least a service answering the same question needs. It checks the
// bearer token (signature, expiry, blocklist: users.Tokens.Verify), selects
// the first page of the user's own posts (the WHERE the ACL's view:own
// gives crud) in id order (crud's default order, without which a page is
// not a defined set of rows) and counts them, and answers crud's JSON shape (data and
// meta). It does not load the user or their roles, nor consult the ACL:
// that is what gatehouse's list costs over it.
type floorList struct {
	db     *bun.DB
	tokens *users.Tokens
}

func (f floorList) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		http.Error(w, "no token", http.StatusUnauthorized)
		return
	}
	claims, err := f.tokens.Verify(r.Context(), token)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var posts []app.Post
	q := f.db.NewSelect().Model(&posts).Where(`?TableAlias."createdById" = ?`, claims.UserID)
	if err := q.Order("id").Limit(floorPageSize).Scan(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	count, err := f.db.NewSelect().Model((*app.Post)(nil)).Where(`?TableAlias."createdById" = ?`, claims.UserID).Count(r.Context())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if posts == nil {
		posts = []app.Post{}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": posts, "meta": resourcer.PageMeta(int64(count), 1, floorPageSize)})
}
