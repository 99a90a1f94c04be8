package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestQuickstartRuns(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"embedded SQLite 3.",
		`"params":{"filter":{"status":"draft"},"whitelist":["title","body"]}`,
		"snippet pm.users allows users:*",
		`/api/comments/3?filter=%7B%22postId%22%3A1%7D as editor -> 200 {"data":{"filter":{"$and":[{"postId":1},{"createdById":7}]},"filterByTk":"3"}}`,
		`/api/posts:update/1                          as editor -> 200 {"data":{"filter":{"status":"draft"},"filterByTk":"1","whitelist":["title","body"]}}`,
		`/api/posts/1                                 as editor -> 403 {"errors":[{"message":"No permissions"}]}`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("walkthrough lacks %q:\n%s", want, out.String())
		}
	}
}
