package main

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/uptrace/bun"
)

// floor serves, by hand with net/http and bun, what crud serves for the
// workloads: the least a service doing the same reads and writes needs
// (decode, one statement, encode), so that crud's cost over it shows.
func floor(mux *http.ServeMux, db *bun.DB) {
	f := floorService{db}
	mux.HandleFunc("GET /floor/posts/{id}", f.get)
	mux.HandleFunc("PUT /floor/posts/{id}", f.update)
	mux.HandleFunc("POST /floor/posts", f.create)
}

type floorService struct{ db *bun.DB }

func (f floorService) get(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	p := new(post)
	if err := f.db.NewSelect().Model(p).Where("id = ?", id).Scan(r.Context()); err != nil {
		floorError(w, err)
		return
	}
	writeData(w, p)
}

// update is the single UPDATE … RETURNING crud's update is measured
// against.
func (f floorService) update(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	var in struct {
		Title *string `json:"title"`
		Views *int64  `json:"views"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p, cols := new(post), []string{}
	if in.Title != nil {
		p.Title, cols = *in.Title, append(cols, "title")
	}
	if in.Views != nil {
		p.Views, cols = *in.Views, append(cols, "views")
	}
	var rows []*post
	_, err = f.db.NewUpdate().Model(p).Column(cols...).Where("id = ?", id).Returning("*").Exec(r.Context(), &rows)
	if err == nil && len(rows) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		floorError(w, err)
		return
	}
	writeData(w, rows[0])
}

func (f floorService) create(w http.ResponseWriter, r *http.Request) {
	p := new(post)
	if err := json.NewDecoder(r.Body).Decode(p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if _, err := f.db.NewInsert().Model(p).Column("title", "body").Returning("*").Exec(r.Context()); err != nil {
		floorError(w, err)
		return
	}
	writeData(w, p)
}

func floorError(w http.ResponseWriter, err error) {
	if errors.Is(err, sql.ErrNoRows) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

func writeData(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": v})
}
