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
	if strings.Contains(out.String(), "change-me-now") || strings.Contains(out.String(), `"password"`) {
		t.Errorf("the walkthrough shows a password:\n%s", out.String())
	}
	for _, want := range []string{
		"embedded SQLite 3.",
		`"params":{"filter":{"status":"draft"},"whitelist":["title","body"]}`,
		"snippet pm.users allows users:*",
		`-> 200 {"data":[{"id":2,"status":"published","title":"Published by 8"},{"id":1,"status":"draft","title":"Draft by 7"}]`,
		`PUT    /api/posts/2                            {"title":"Edited","status":"published"}
      -> 404`,
		`-> 200 {"data":{"createdById":7,"id":1,"status":"draft","title":"Edited","updatedById":7}}`,
		`-> 403 {"errors":[{"message":"No permissions"}]}`,
		"stored as an argon2id hash: true; password verifies: true",
		`Desensitize for logs: password "", reset token ""`,
		`"result":[{"resource":"departments","detail":{"count":{"all":2,"success":2,"failed":0},"failedRecords":[]}}]`,
		"Web's parent: Engineering",
		"users       creates 2, updates 0, membership changes 0",
		"departments creates 0, updates 0, membership changes 3",
		"applied: 3 memberships",
		"the same push again: 2 unchanged, nothing to write",
		`restarted (a new ACL, Load from the same database); it answers:
   can reviewer update  posts    -> {"role":"reviewer","resource":"posts","action":"update","params":{"filter":{"status":"draft"},"whitelist":["status"]}}
   can reviewer list    comments -> {"role":"reviewer","resource":"comments","action":"list"}
   can reviewer destroy posts    -> denied`,
		"same answers after the restart: true",
		"export: 1 role(s); imported again: 0 created, 0 updated, 1 unchanged",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("walkthrough lacks %q:\n%s", want, out.String())
		}
	}
}
