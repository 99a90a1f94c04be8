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
		`/api/comments:update as editor (user 7) -> 200 {"filter":{"$and":[{"title.$includes":"go"},{"createdById":7}]}}`,
		"/api/posts:destroy as editor (user 7) -> 403",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("walkthrough lacks %q:\n%s", want, out.String())
		}
	}
}
