package aclstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// TestAPICheck: roles:check answers the signed-in user's roles and what
// they allow, in NocoBase's shape: any user may ask (no snippet needed),
// nobody signed in gets 401, and a user with several roles gets their
// union as the ACL computes it.
func TestAPICheck(t *testing.T) {
	apiEach(t, func(t *testing.T, s *apiServer) {
		ctx := context.Background()
		s.user = 0
		s.do("GET", "/api/roles:check", nil).want(t, http.StatusUnauthorized, "Sign in")

		s.user = apiMember
		r := s.do("GET", "/api/roles:check", nil).want(t, http.StatusOK, "")
		apiDiff(t, "member", `{"actionAlias":{"get":"view","list":"view"},"actions":{},"allowAll":false,"allowAnonymous":false,"allowConfigure":false,`+
			`"availableActions":["view","create","update","destroy"],"resources":[],"role":"member","roles":["member"],`+
			`"snippets":["!ui.*","!pm","!pm.*"],"strategy":{"actions":["view","update:own","destroy:own","create"]}}`, apiJSON(t, r.data()))

		// Two roles: grants on the same action unite, strategies unite,
		// a snippet exclusion holds only when every role has it.
		if err := s.s.AssignUser(ctx, apiMember, "manager"); err != nil {
			t.Fatal(err)
		}
		if err := s.s.Grant(ctx, "member", "posts:view", acl.Params{"fields": []any{"title"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.s.Grant(ctx, "manager", "posts:view", acl.Params{"fields": []any{"body"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.s.Grant(ctx, "manager", "comments:create", nil); err != nil {
			t.Fatal(err)
		}
		s.do("POST", "/api/roles", map[string]any{"name": "anonymous"}).want(t, http.StatusOK, "")
		r = s.do("GET", "/api/roles:check", nil).want(t, http.StatusOK, "")
		apiDiff(t, "member and manager", `{"actionAlias":{"get":"view","list":"view"},`+
			`"actions":{"comments:create":{},"posts:view":{"fields":["title","body"]}},"allowAll":false,"allowAnonymous":true,"allowConfigure":false,`+
			`"availableActions":["view","create","update","destroy"],"resources":["comments","posts"],"role":"manager","roles":["manager","member"],`+
			`"snippets":["pm.acl.roles"],"strategy":{"actions":["view","update:own","destroy:own","create"]}}`, apiJSON(t, r.data()))
		union, _ := s.acl.Can(acl.CanArgs{Roles: []string{"manager", "member"}, Resource: "posts", Action: "view"})
		apiDiff(t, "posts:view is the ACL's answer", apiJSON(t, union.Params), apiField(t, r.data()["actions"].(map[string]any), "posts:view"))

		// The admin may configure; root may do anything.
		s.user = apiAdmin
		r = s.do("GET", "/api/roles:check", nil).want(t, http.StatusOK, "")
		apiDiff(t, "admin allowConfigure, allowAll", "true false", apiField(t, r.data(), "allowConfigure")+" "+apiField(t, r.data(), "allowAll"))
		if err := s.s.AssignUser(ctx, 9, "root"); err != nil {
			t.Fatal(err)
		}
		s.user = 9
		r = s.do("GET", "/api/roles:check", nil).want(t, http.StatusOK, "")
		apiDiff(t, "root allowAll", "true", apiField(t, r.data(), "allowAll"))
	})
}

// TestAPICheckWithoutMiddleware: a host that sets only the user (no
// store Middleware, no ACL middleware) still gets the user's roles, read
// from the store.
func TestAPICheckWithoutMiddleware(t *testing.T) {
	apiEach(t, func(t *testing.T, s *apiServer) {
		rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
		if err := aclstore.Register(rs, s.s, aclstore.APIOptions{}); err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "/api/roles:check", nil)
		w := httptest.NewRecorder()
		rs.ServeHTTP(w, req.WithContext(acl.WithUser(req.Context(), apiManager)))
		var got struct {
			Data struct {
				Role  string   `json:"role"`
				Roles []string `json:"roles"`
			} `json:"data"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != http.StatusOK {
			t.Fatalf("status %d, %v: %s", w.Code, err, w.Body)
		}
		apiDiff(t, "role and roles", "manager [manager]", fmt.Sprint(got.Data.Role, " ", got.Data.Roles))
	})
}

// TestAPIAvailableActions: availableActions:list answers the ACL's actions
// with their options, in NocoBase's shape.
func TestAPIAvailableActions(t *testing.T) {
	apiEach(t, func(t *testing.T, s *apiServer) {
		r := s.do("GET", "/api/availableActions:list", nil).want(t, http.StatusOK, "")
		apiDiff(t, "actions", `[`+
			`{"aliases":["get","list"],"allowConfigureFields":true,"displayName":"View","name":"view","type":"old-data"},`+
			`{"allowConfigureFields":true,"displayName":"Add new","name":"create","onNewRecord":true,"type":"new-data"},`+
			`{"allowConfigureFields":true,"displayName":"Edit","name":"update","type":"old-data"},`+
			`{"displayName":"Delete","name":"destroy","type":"old-data"}]`, apiJSON(t, r.list()))
	})
}
