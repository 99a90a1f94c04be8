package scim_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync/scim"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// The requests below are those Okta's SCIM 2.0 guide
// (developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20) and
// Microsoft's "Develop a SCIM endpoint" with its SCIM validator show,
// bodies as they print them, in the order a provisioning run sends them.

const emptyList = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`

// withoutMeta is the answer's body without meta, checked apart.
func withoutMeta(t testing.TB, r reply) map[string]any {
	t.Helper()
	meta, _ := r.Body["meta"].(map[string]any)
	if meta["version"] != r.Header.Get("ETag") || meta["created"] == nil || meta["lastModified"] == nil {
		t.Errorf("meta %v, ETag %q", meta, r.Header.Get("ETag"))
	}
	out := map[string]any{}
	for k, v := range r.Body {
		if k != "meta" {
			out[k] = v
		}
	}
	return out
}

func TestOktaSequence(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		// The integration test of the app's setup, then the lookup before
		// the create.
		wantJSON(t, s.do("GET", "/Users?count=1&startIndex=1", nil).want(t, http.StatusOK).Body, emptyList)
		wantJSON(t, s.do("GET", "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100", nil).
			want(t, http.StatusOK).Body, emptyList)

		created := s.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",`+
			`"name":{"givenName":"Test","familyName":"User"},"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],`+
			`"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":true}`).
			want(t, http.StatusCreated)
		id := created.str("id")
		userJSON := func(name, family string, active bool) string {
			a := "true"
			if !active {
				a = "false"
			}
			return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"` + id + `","userName":"` + name + `",` +
				`"name":{"givenName":"Test","familyName":"` + family + `"},"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],` +
				`"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","active":` + a + `}`
		}
		wantJSON(t, withoutMeta(t, created), userJSON("test.user@okta.local", "User", true))
		if u := s.userRow("test.user@okta.local"); u == nil || !users.IsPasswordHash(u.Password) || u.Nickname != "Test User" {
			t.Fatalf("users row %+v", u)
		}

		wantJSON(t, withoutMeta(t, s.do("GET", "/Users/"+id, nil).want(t, http.StatusOK)), userJSON("test.user@okta.local", "User", true))
		found := s.do("GET", "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100", nil).want(t, http.StatusOK)
		if found.num("totalResults") != 1 || found.num("itemsPerPage") != 1 || ids(found.resources())[0] != id {
			t.Fatalf("lookup: %s", found.Raw)
		}

		// Profile update: a PUT of the whole user.
		put := s.do("PUT", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"`+id+`","userName":"test.user@okta.local",`+
			`"name":{"givenName":"Test","familyName":"Changed"},"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],`+
			`"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","active":true}`).want(t, http.StatusOK)
		wantJSON(t, withoutMeta(t, put), userJSON("test.user@okta.local", "Changed", true))

		// Deactivation: Okta sends active=false instead of a DELETE.
		off := s.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`).
			want(t, http.StatusOK)
		wantJSON(t, withoutMeta(t, off), userJSON("test.user@okta.local", "Changed", false))
		if u := s.userRow("test.user@okta.local"); u == nil || *u.Enabled {
			t.Fatalf("users row %+v: want it disabled", u)
		}
		// A password push.
		before := s.userRow("test.user@okta.local").Password
		s.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"n3w-Passw0rd"}}]}`).
			want(t, http.StatusOK)
		if after := s.userRow("test.user@okta.local").Password; after == before || !users.IsPasswordHash(after) {
			t.Errorf("the password did not change")
		}

		// Group push.
		g := s.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[]}`).
			want(t, http.StatusCreated)
		gid := g.str("id")
		wantJSON(t, withoutMeta(t, g), `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"`+gid+`","displayName":"Test SCIMv2"}`)
		list := s.do("GET", "/Groups?startIndex=1&count=100", nil).want(t, http.StatusOK)
		if list.num("totalResults") != 1 || ids(list.resources())[0] != gid {
			t.Fatalf("groups: %s", list.Raw)
		}
		// Okta renames with the group's id in the value.
		r := s.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"`+gid+`","displayName":"Test SCIMv2 Renamed"}}]}`)
		if r.want(t, http.StatusNoContent); r.Raw != "" || r.Header.Get("ETag") == g.Header.Get("ETag") {
			t.Errorf("rename: body %q, ETag %q", r.Raw, r.Header.Get("ETag"))
		}
		s.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+id+`","display":"test.user@okta.local"}]}]}`).
			want(t, http.StatusNoContent)
		got := s.do("GET", "/Groups/"+gid, nil).want(t, http.StatusOK)
		wantJSON(t, got.Body["members"], `[{"value":"`+id+`","display":"Test User","type":"User"}]`)
		if got.str("displayName") != "Test SCIMv2 Renamed" {
			t.Errorf("displayName %q", got.str("displayName"))
		}
		if titles := s.memberTitles("test.user@okta.local"); strings.Join(titles, ",") != "Test SCIMv2 Renamed" {
			t.Errorf("departments %v", titles)
		}
		s.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"`+id+`\"]"}]}`).
			want(t, http.StatusNoContent)
		if titles := s.memberTitles("test.user@okta.local"); len(titles) != 0 {
			t.Errorf("departments %v after the removal", titles)
		}
		s.do("DELETE", "/Groups/"+gid, nil).want(t, http.StatusNoContent)
		s.do("GET", "/Groups/"+gid, nil).wantError(t, http.StatusNotFound, "", "not found")
	})
}

func TestEntraSequence(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		wantJSON(t, s.do("GET", "/Users?filter="+urlQuery(`userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"`), nil).
			want(t, http.StatusOK).Body, emptyList)
		created := s.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],`+
			`"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1","active":true,`+
			`"emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],`+
			`"meta":{"resourceType":"User"},"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[]}`).
			want(t, http.StatusCreated)
		id := created.str("id")
		wantJSON(t, withoutMeta(t, created), `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"`+id+`",`+
			`"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1","active":true,`+
			`"emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],`+
			`"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"}}`)
		if u := s.userRow("Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"); u == nil || u.Nickname != "givenName familyName" {
			t.Fatalf("users row %+v", u)
		}
		// Entra checks uniqueness with the same filter, any case.
		found := s.do("GET", "/Users?filter="+urlQuery(`userName eq "test_user_ab6490ee-1e48-479e-a20b-2d77186b5dd1"`), nil).want(t, http.StatusOK)
		if found.num("totalResults") != 1 {
			t.Fatalf("lookup: %s", found.Raw)
		}
		s.do("GET", "/Users/"+id, nil).want(t, http.StatusOK)

		patch := func(ops string) reply {
			t.Helper()
			return s.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`+ops+`}`).want(t, http.StatusOK)
		}
		r := patch(`[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},` +
			`{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]`)
		wantJSON(t, r.Body["emails"], `[{"primary":true,"type":"work","value":"updatedEmail@microsoft.com"}]`)
		wantJSON(t, r.Body["name"], `{"formatted":"givenName familyName","familyName":"updatedFamilyName","givenName":"givenName"}`)
		if u := s.userRow("Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"); u == nil || u.Email != "updatedEmail@microsoft.com" {
			t.Fatalf("users row %+v", u)
		}
		r = patch(`[{"op":"Replace","path":"userName","value":"5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}]`)
		if r.str("userName") != "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com" || s.userRow("5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com") == nil {
			t.Fatalf("rename: %s", r.Raw)
		}
		// The validator's dotted keys without a path.
		r = patch(`[{"op":"replace","value":{"name.givenName":"Oswaldo","name.familyName":"Rylan"}}]`)
		wantJSON(t, r.Body["name"], `{"formatted":"givenName familyName","familyName":"Rylan","givenName":"Oswaldo"}`)
		// Disable, with Entra's string boolean.
		r = patch(`[{"op":"Replace","path":"active","value":"False"}]`)
		if r.Body["active"] != false || *s.userRow("5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com").Enabled {
			t.Fatalf("disable: %s", r.Raw)
		}
		// The disabled user is still found, with active false (the
		// validator's check).
		found = s.do("GET", "/Users?filter="+urlQuery(`userName eq "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"`), nil).want(t, http.StatusOK)
		if res := found.resources(); len(res) != 1 || res[0]["active"] != false {
			t.Fatalf("disabled lookup: %s", found.Raw)
		}

		// Groups.
		g := s.do("POST", "/Groups", `{"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName","meta":{"resourceType":"Group"},`+
			`"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"]}`).
			want(t, http.StatusCreated)
		gid := g.str("id")
		wantJSON(t, withoutMeta(t, g), `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"`+gid+`",`+
			`"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName"}`)
		lean := s.do("GET", "/Groups/"+gid+"?excludedAttributes=members", nil).want(t, http.StatusOK)
		wantJSON(t, withoutMeta(t, lean), `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"`+gid+`",`+
			`"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName"}`)
		byName := s.do("GET", "/Groups?excludedAttributes=members&filter="+urlQuery(`displayName eq "displayName"`), nil).want(t, http.StatusOK)
		if byName.num("totalResults") != 1 || ids(byName.resources())[0] != gid {
			t.Fatalf("by name: %s", byName.Raw)
		}
		gpatch := func(ops string) {
			t.Helper()
			r := s.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`+ops+`}`)
			if r.want(t, http.StatusNoContent); r.Raw != "" {
				t.Errorf("204 with a body: %s", r.Raw)
			}
		}
		gpatch(`[{"op":"Replace","path":"displayName","value":"1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]`)
		gpatch(`[{"op":"Add","path":"members","value":[{"$ref":null,"value":"` + id + `"}]}]`)
		members := s.do("GET", "/Groups/"+gid, nil).want(t, http.StatusOK)
		wantMembers(t, members, id)
		if members.str("displayName") != "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName" {
			t.Errorf("displayName %q", members.str("displayName"))
		}
		gpatch(`[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"` + id + `"}]}]`)
		wantMembers(t, s.do("GET", "/Groups/"+gid, nil).want(t, http.StatusOK))

		s.do("DELETE", "/Groups/"+gid, nil).want(t, http.StatusNoContent)
		s.do("DELETE", "/Users/"+id, nil).want(t, http.StatusNoContent)
		s.do("GET", "/Users/"+id, nil).wantError(t, http.StatusNotFound, "", "not found")
	})
}
