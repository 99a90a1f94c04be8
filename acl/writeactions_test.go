package acl

import (
	"context"
	"testing"
)

func TestWriteActionsBoundWrites(t *testing.T) {
	a := New()
	a.SetAvailableAction("edit", ActionOptions{Aliases: []string{"modify"}})
	mustDefine(t, a, RoleOptions{Name: "m", Actions: map[string]Params{
		"posts:create":         {"fields": []string{"title", "body"}},
		"posts:update":         {"fields": []string{"title"}},
		"posts:updateOrCreate": {"fields": []string{"title", "title"}, "own": true},
		"posts:firstOrCreate":  {"fields": []string{"title"}, "whitelist": []string{"title", "status"}},
		"posts:edit":           {"fields": []string{"title"}},
		"posts:list":           {"fields": []string{"title"}},
	}})
	for _, c := range []struct{ action, want string }{
		{"create", `{"whitelist":["title","body"]}`},
		{"update", `{"whitelist":["title"]}`},
		{"updateOrCreate", `{"fields":["title"],"whitelist":["title"],"own":true,"filter":{"createdById":"{{ ctx.state.currentUser.id }}"}}`},
		{"firstOrCreate", `{"fields":["title"],"whitelist":["title"]}`},
		{"edit", `{"fields":["title"]}`},
		{"list", `{"fields":["title"]}`},
	} {
		res, ok := a.Can(CanArgs{Role: "m", Resource: "posts", Action: c.action})
		if !ok {
			t.Fatalf("%s denied", c.action)
		}
		wantJSON(t, res.Params, c.want)
	}

	// A host's own write action: grants made before and after are bounded,
	// through aliases too.
	a.RegisterWriteActions("edit", "")
	mustDefine(t, a, RoleOptions{Name: "n", Actions: map[string]Params{"posts:modify": {"fields": []string{"body"}}}})
	for _, c := range []struct{ role, action, want string }{
		{"m", "edit", `{"fields":["title"],"whitelist":["title"]}`},
		{"m", "modify", `{"fields":["title"],"whitelist":["title"]}`},
		{"n", "modify", `{"fields":["body"],"whitelist":["body"]}`},
		{"m", "list", `{"fields":["title"]}`},
	} {
		res, _ := a.Can(CanArgs{Role: c.role, Resource: "posts", Action: c.action})
		wantJSON(t, res.Params, c.want)
	}

	// The whitelist reaches the merged params: a request cannot write
	// outside the grant's fields.
	merged, err := a.ResolveParams(WithUser(WithRole(context.Background(), "m"), 3), "posts", "updateOrCreate",
		Params{"whitelist": []string{"title", "createdById"}, "filterKeys": []string{"title"}})
	if err != nil {
		t.Fatal(err)
	}
	wantJSON(t, merged, `{"fields":["title"],"whitelist":["title"],"filterKeys":["title"],"filter":{"createdById":3}}`)
}
